"""Pages of reading that spreads: the member's digest subscription and the required readers
of a published postmortem (their panel sits on the read view)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem
from postmortems.permissions import Access

from . import required, subscriptions
from .forms import ReaderForm, ReadersForm, SubscriptionForm

SUBSCRIPTION = "postmortems/reading/subscription.html"
READERS = "postmortems/reading/required_readers.html"


# --- The digest subscription -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_action(Action.VIEW)
def digest_subscription(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    current = subscriptions.subscription_of(organization=organization, user=request.user)
    if request.method == "POST" and request.POST.get("action") == "unsubscribe":
        subscriptions.digest_unsubscribe(organization=organization, user=request.user)
        messages.success(request, "You are unsubscribed from the weekly learning digest.")
        return redirect("digest_subscription", org_slug=organization.slug)
    initial = (
        {
            "teams": current.team_ids,
            "services": current.service_ids,
            "severities": current.severities,
        }
        if current
        else {}
    )
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        organization=organization,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        subscriptions.digest_subscribe(
            organization=organization, user=request.user, choice=form.choice()
        )
        messages.success(
            request,
            "Subscription saved: the digest arrives on Monday mornings when something you "
            "follow was published."
            if current is None
            else "Your digest filters are saved.",
        )
        return redirect("digest_subscription", org_slug=organization.slug)
    context = {"form": form, "subscription": current, "has_email": bool(request.user.email)}
    return render(request, SUBSCRIPTION, context, status=400 if form.errors else 200)


# --- Required readers --------------------------------------------------------------------------


def _access(request: HttpRequest, postmortem: Postmortem) -> Access:
    access = Access(user=request.user, membership=request.membership, postmortem=postmortem)
    if not required.may_require_reading(access):
        raise PermissionDenied("Only the author and admins name required readers.")
    return access


def _answer(
    request: HttpRequest, postmortem: Postmortem, access: Access, *, errors=None, value=""
) -> HttpResponse:
    """The panel (htmx) or the readers page (with errors) or back to the document."""
    if not errors and not request.htmx:
        url = reverse(
            "postmortem_detail",
            kwargs={"org_slug": request.organization.slug, "number": postmortem.number},
        )
        return redirect(f"{url}#required-reading")
    context = {
        "postmortem": postmortem,
        "reading_panel": required.reading_panel(postmortem, access),
        "reading_errors": errors or [],
        "reading_value": value,
    }
    template = "postmortems/reading/_required_readers.html" if request.htmx else READERS
    return render(request, template, context, status=400 if errors else 200)


@require_action(Action.VIEW)
@postmortem_from_number
@require_POST
def required_readers_add(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    access = _access(request, postmortem)
    form = ReadersForm(request.POST, organization=request.organization)
    value = request.POST.get("readers", "")
    if not form.is_valid():
        return _answer(request, postmortem, access, errors=form.errors["readers"], value=value)
    try:
        added = required.required_readers_add(
            postmortem=postmortem, actor=request.user, users=form.cleaned_data["readers"]
        )
    except ValidationError as error:
        return _answer(
            request, postmortem, access, errors=error.message_dict[required.FIELD], value=value
        )
    except required.ReadingClosed as error:
        return render(
            request, READERS, {"postmortem": postmortem, "closed": str(error)}, status=409
        )
    if not request.htmx:
        messages.success(
            request,
            f"{len(added)} required reader{'s' if len(added) != 1 else ''} named and notified."
            if added
            else "They were already on the list.",
        )
    return _answer(request, postmortem, access)


@require_action(Action.VIEW)
@postmortem_from_number
@require_POST
def required_reader_remove(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    access = _access(request, postmortem)
    form = ReaderForm(request.POST)
    reader = None
    if form.is_valid():
        reader = required.required_reader_named(postmortem, form.cleaned_data["user"])
    if reader is None:
        return _answer(
            request, postmortem, access, errors=["Not one of this postmortem's required readers."]
        )
    try:
        required.required_reader_remove(postmortem=postmortem, actor=request.user, user=reader.user)
    except required.ReadingClosed as error:
        return render(
            request, READERS, {"postmortem": postmortem, "closed": str(error)}, status=409
        )
    return _answer(request, postmortem, access)
