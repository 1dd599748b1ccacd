"""Sharing pages: the author's / admin's sharing panel under the postmortem, and the public
``/share/<token>/`` page with its PDF and JSON.

The panel's views look the postmortem up in the request's organization first (another
organization's number is a 404 for any method), then check the right to share (403), then the
status (409). The public views run outside any organization: the link found by its token names
the organization, whose scope and time zone they enter explicitly. Every public response, the
404 included, carries ``PUBLIC_HEADERS``; every failure is the same 404 body.
"""

import functools
import json
from functools import wraps
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scope

from organizations.decorators import require_action
from organizations.forms_expiry import ExpiryForm
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.permissions import access
from postmortems.selectors import sections_of
from postmortems.sharing import services as sharing
from postmortems.sharing.public import public_document, public_json

PANEL = "postmortems/sharing/panel.html"
PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# --- Forms -------------------------------------------------------------------------------------


class PublicContentForm(forms.Form):
    summary = forms.CharField(
        label="Public summary",
        required=False,
        max_length=sharing.SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown. What happened, the impact on customers and what you changed, "
        "in words for the outside: no names, no internal systems you would not name publicly.",
    )
    sections = forms.MultipleChoiceField(
        label="Public sections",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Shown after the summary, in document order. Check their text for names.",
    )

    def __init__(self, *args, postmortem: Postmortem, section_choices: list[tuple], **kwargs):
        kwargs.setdefault(
            "initial",
            {"summary": postmortem.public_summary, "sections": postmortem.public_sections},
        )
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices


EXPIRY_CHOICES = [
    ("never", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("date", "On a date…"),
]


class ShareLinkForm(ExpiryForm):
    THING = "link"

    label = forms.CharField(
        max_length=80,
        required=False,
        help_text="Who it is for, e.g. “Status page” or “Customer: Initech”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Status page"}),
    )
    expiry = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="30", label="Expires")
    field_order = ["label", "expiry", "expires_on"]


# --- The panel ---------------------------------------------------------------------------------


def sharing_rights(view):
    """After ``postmortem_from_number``: 403 unless the member may manage sharing."""

    @wraps(view)
    def wrapper(request: HttpRequest, postmortem: Postmortem, **kwargs) -> HttpResponse:
        if not sharing.may_share(access(request.user, request.membership, postmortem)):
            raise PermissionDenied("Only the author and admins manage public sharing.")
        return view(request, postmortem, **kwargs)

    return wrapper


# After ``sharing_rights``: a link of another postmortem is a 404 whatever the method.
share_link_from_id = object_from_url(
    "share_link_id",
    lambda request, postmortem, pk: sharing.share_link_of(postmortem, pk),
    missing="No such share link.",
)


def _section_choices(postmortem: Postmortem) -> list[tuple[str, str]]:
    return [
        (s.key, format_html('{} <small class="muted">{}</small>', s.title, note))
        if (note := sharing.KIND_NOTES.get(s.kind))
        else (s.key, s.title)
        for s in sections_of(postmortem)
    ]


def _panel(request: HttpRequest, postmortem: Postmortem, status: int = 200, **extra):
    """The sharing page (or, for htmx, the links list alone), with the given forms."""
    links = sharing.share_links_of(postmortem)
    context = {
        "postmortem": postmortem,
        "published": postmortem.status == PostmortemStatus.PUBLISHED,
        "rows": [(link, sharing.share_link_state(link, postmortem)) for link in links],
        "private_fields": sharing.PRIVATE_FIELDS,
        "content_form": extra.pop("content_form", None)
        or PublicContentForm(postmortem=postmortem, section_choices=_section_choices(postmortem)),
        "link_form": extra.pop("link_form", None) or ShareLinkForm(),
        **extra,
    }
    if request.htmx and request.GET.get("part") == "links":  # the list on the document
        return render(request, PANEL + "#links", context, status=status)
    if not context["published"] and status == 200:
        # The page explains why nothing can be shared (200); only a write is a conflict.
        status = 200 if request.method == "GET" else 409
        context["conflict"] = _not_published_message(postmortem)
    response = render(request, PANEL, context, status=status)
    add_never_cache_headers(response)
    return response


def _not_published_message(postmortem: Postmortem) -> str:
    status = postmortem.get_status_display().lower()
    if postmortem.status == PostmortemStatus.ARCHIVED:
        return (
            "This postmortem is archived: its share links answer “not found” until it is "
            "published again. You can still revoke them."
        )
    return f"Only a published postmortem can be shared: this one is {status}."


@require_action(Action.VIEW)
@postmortem_from_number
@sharing_rights
@require_http_methods(["GET", "POST"])
def postmortem_sharing(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    if request.method == "GET":
        return _panel(request, postmortem)
    form = PublicContentForm(
        request.POST, postmortem=postmortem, section_choices=_section_choices(postmortem)
    )
    if not form.is_valid():
        return _panel(request, postmortem, status=400, content_form=form)
    try:
        sharing.public_content_update(
            postmortem=postmortem,
            actor=request.user,
            summary=form.cleaned_data["summary"],
            section_keys=form.cleaned_data["sections"],
        )
    except sharing.SharingError as refusal:
        return _panel(request, postmortem, status=409, content_form=form, conflict=str(refusal))
    messages.success(request, "Saved. Every share link now shows this summary and sections.")
    return redirect(_sharing_url(postmortem))


@require_action(Action.VIEW)
@postmortem_from_number
@sharing_rights
@require_POST
def share_link_create(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _panel(request, postmortem, status=400, link_form=form)
    try:
        link, plain = sharing.share_link_create(
            postmortem=postmortem,
            actor=request.user,
            label=form.cleaned_data["label"],
            expires_at=form.expires_at(),
        )
    except sharing.SharingError as refusal:
        return _panel(request, postmortem, status=409, link_form=form, conflict=str(refusal))
    url = request.build_absolute_uri(reverse("share_public", kwargs={"token": plain}))
    return _panel(request, postmortem, new_link={"link": link, "url": url})


@require_action(Action.VIEW)
@postmortem_from_number
@sharing_rights
@share_link_from_id
def share_link_revoke(request: HttpRequest, postmortem: Postmortem, link):
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    name = link.label or f"{link.prefix}…"
    if sharing.share_link_revoke(link=link, actor=request.user):
        messages.success(request, f"“{name}” is revoked. Its URL now answers “not found”.")
    else:
        messages.info(request, f"“{name}” was already revoked.")
    return redirect(_sharing_url(postmortem))


def _sharing_url(postmortem: Postmortem) -> str:
    return reverse(
        "postmortem_sharing",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


# --- The public pages ---------------------------------------------------------------------------


def _with_public_headers(response: HttpResponse) -> HttpResponse:
    for name, value in PUBLIC_HEADERS.items():
        response[name] = value
    return response


def not_found() -> HttpResponse:
    """The one answer for every token that does not work, whatever the reason."""
    return HttpResponse(render_to_string("public/not_found.html"), status=404)


def public_view(view):
    """Find the working link of ``token`` (else the 404), enter its organization's scope and
    time zone, count the view, and put the public headers on whatever is answered."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
            return _with_public_headers(response)
        link = sharing.share_link_from_token(token)
        if link is None:
            return _with_public_headers(not_found())
        organization = link.organization
        with scope(organization=organization), timezone.override(organization.time_zone):
            document = public_document(link.postmortem)
            response = view(request, token, document)
        if request.method == "GET":
            sharing.share_link_record_view(link)
        return _with_public_headers(response)

    return wrapper


@public_view
def share_public(request: HttpRequest, token: str, document) -> HttpResponse:
    return render(request, "public/document.html", {"document": document, "token": token})


@public_view
def share_public_json(request: HttpRequest, token: str, document) -> HttpResponse:
    payload = json.dumps(public_json(document), ensure_ascii=False, indent=2)
    return HttpResponse(payload, content_type="application/json; charset=utf-8")


@public_view
def share_public_pdf(request: HttpRequest, token: str, document) -> HttpResponse:
    from postmortems.exports.pdf import PdfError, render_pdf

    context = {"document": document, "token": token, "for_pdf": True, "inline_css": _public_css()}
    html = render_to_string("public/document.html", context)
    try:
        pdf = render_pdf(html)
    except PdfError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"postmortem-{slugify(document.title)[:60] or 'shared'}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@functools.cache
def _public_css() -> str:
    """The public stylesheet, put inline in the PDF's HTML: the renderer fetches nothing."""
    path = finders.find("css/public.css")
    return Path(path).read_text(encoding="utf-8") if path else ""
