"""The template designer (admins): the list, defaults per severity, one template's sections,
the variable palette and a live preview.

Every view needs ``MANAGE_TEMPLATES`` (403 for other members; non-members already got 404).
Templates and sections are looked up within the request's organization before the method is
checked, so another organization's ids answer 404 whatever the method. htmx requests get the
changed fragment (``postmortems/designer/_*.html``); without JavaScript every form posts and the
page answers with a redirect, or the page again with the errors (status 400).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.designer import selectors, services
from postmortems.designer.forms import (
    DefaultsForm,
    MoveForm,
    PreviewForm,
    ReorderForm,
    SectionForm,
    TemplateCreateForm,
    TemplateDetailsForm,
)
from postmortems.models import Postmortem, Template, TemplateSection
from postmortems.variables import variable_catalogue

LIST = "postmortems/designer/list.html"
CREATE = "postmortems/designer/create.html"
EDIT = "postmortems/designer/edit.html"
RETIRE = "postmortems/designer/retire.html"
PREVIEW_PAGE = "postmortems/designer/preview.html"
SECTIONS = "postmortems/designer/_sections.html"
SECTION = "postmortems/designer/_section.html"
PREVIEW = "postmortems/designer/_preview.html"
CHANGED = "template-changed"  # the preview panel refreshes on this event

manage_templates = require_action(Action.MANAGE_TEMPLATES)


# --- Plumbing ----------------------------------------------------------------------------------


def _template(request: HttpRequest, template_id: int) -> Template | None:
    return Template.objects.filter(organization=request.organization, pk=template_id).first()


def _section(request: HttpRequest, template: Template, section_id: int) -> TemplateSection | None:
    section = TemplateSection.objects.filter(
        organization=request.organization, template=template, pk=section_id
    ).first()
    if section is not None:
        section.template = template
    return section


template_from_id = object_from_url("template_id", _template, missing="No such template.")
"""Replace ``template_id`` by the organization's template."""
section_from_id = object_from_url("section_id", _section, missing="No such section.")
"""Replace ``section_id`` by the template's section."""


def edit_url(template: Template, anchor: str = "") -> str:
    url = reverse(
        "template_edit",
        kwargs={"org_slug": template.organization.slug, "template_id": template.pk},
    )
    return f"{url}#{anchor}" if anchor else url


def list_url(request: HttpRequest) -> str:
    return reverse("template_list", kwargs={"org_slug": request.organization.slug})


def go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


@dataclass
class SectionItem:
    """One section as the designer shows it."""

    section: TemplateSection
    form: SectionForm
    number: int
    first: bool
    last: bool
    open: bool = False
    saved: bool = False


def section_items(
    sections: list[TemplateSection],
    *,
    forms: dict[int, SectionForm] | None = None,
    open_pk: int | None = None,
    saved_pk: int | None = None,
) -> list[SectionItem]:
    forms = forms or {}
    return [
        SectionItem(
            section=section,
            form=forms.get(section.pk) or SectionForm(section=section),
            number=index + 1,
            first=index == 0,
            last=index == len(sections) - 1,
            open=section.pk in (open_pk, saved_pk) or section.pk in forms,
            saved=section.pk == saved_pk,
        )
        for index, section in enumerate(sections)
    ]


def sections_context(
    template: Template,
    *,
    add_form: SectionForm | None = None,
    forms: dict[int, SectionForm] | None = None,
    open_pk: int | None = None,
    saved_pk: int | None = None,
    error: str = "",
) -> dict:
    sections = selectors.sections_of_template(template)
    return {
        "template": template,
        "items": section_items(sections, forms=forms, open_pk=open_pk, saved_pk=saved_pk),
        "add_form": add_form or SectionForm(),
        "sections_error": error,
        "_sections": sections,
    }


def preview_context(
    request: HttpRequest, template: Template, sections: list[TemplateSection], data=None
) -> dict:
    incidents = list(selectors.preview_incidents(organization=request.organization))
    form = PreviewForm(data, incidents=incidents)
    ref = form.ref() if data is not None and form.is_valid() else selectors.SAMPLE
    ctx = selectors.preview_context(organization=request.organization, ref=ref)
    if ctx is None:  # gone since the list was read
        ctx, ref = selectors.sample_context(organization=request.organization), selectors.SAMPLE
    return {
        "template": template,
        "preview_form": form,
        "preview_incident": None if ref == selectors.SAMPLE else ctx.incident,
        "preview": selectors.preview_sections(sections, ctx),
    }


def edit_context(request: HttpRequest, template: Template, **kwargs) -> dict:
    details_form = kwargs.pop("details_form", None) or TemplateDetailsForm(template=template)
    context = sections_context(template, **kwargs)
    return {
        **context,
        **preview_context(request, template, context["_sections"]),
        "details_form": details_form,
        "palette": variable_catalogue(),
        "usage": Postmortem.objects.filter(
            organization=request.organization, template=template
        ).count(),
        "severities": [
            s for s in selectors.SEVERITIES if s in (template.default_for_severities or [])
        ],
    }


def render_sections(request: HttpRequest, template: Template, status: int = 200, **kwargs):
    response = render(request, SECTIONS, sections_context(template, **kwargs), status=status)
    if status == 200:
        response["HX-Trigger"] = CHANGED
    return response


# --- The list and defaults ---------------------------------------------------------------------


def list_context(request: HttpRequest, defaults_form: DefaultsForm | None = None) -> dict:
    rows = selectors.template_rows(organization=request.organization)
    templates = [row.template for row in rows]
    current = selectors.effective_defaults(templates)
    explicit = {s for row in rows if row.template.retired_at is None for s in row.severities}
    form = defaults_form or DefaultsForm(templates=templates, current=current)
    return {
        "active_rows": [r for r in rows if r.template.retired_at is None],
        "retired_rows": [r for r in rows if r.template.retired_at is not None],
        "defaults_form": form,
        "default_fields": [  # (the select, the template used while none is chosen)
            (form[s], None if s in explicit else current[s]) for s in selectors.SEVERITIES
        ],
    }


@manage_templates
@require_GET
def template_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, LIST, list_context(request))


@manage_templates
@require_POST
def template_defaults(request: HttpRequest, org_slug: str) -> HttpResponse:
    rows = selectors.template_rows(organization=request.organization)
    templates = [row.template for row in rows]
    form = DefaultsForm(
        request.POST, templates=templates, current=selectors.effective_defaults(templates)
    )
    if form.is_valid():
        try:
            services.template_defaults_set(
                organization=request.organization, actor=request.user, defaults=form.defaults()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Default templates saved.")
            return go(request, list_url(request) + "#defaults")
    return render(request, LIST, list_context(request, defaults_form=form), status=400)


@manage_templates
@require_POST
def template_install(request: HttpRequest, org_slug: str) -> HttpResponse:
    try:
        services.templates_install(organization=request.organization, actor=request.user)
    except ValidationError as error:
        messages.error(request, first_error(error))
    else:
        messages.success(request, "The built-in templates are installed.")
    return go(request, list_url(request))


@manage_templates
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    templates = list(Template.objects.filter(organization=request.organization))
    form = TemplateCreateForm(
        request.POST or None,
        organization=request.organization,
        templates=templates,
        initial={"start_from": request.GET.get("from", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                organization=request.organization,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                copy_from=form.cleaned_data["start_from"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Template “{template.name}” created.")
            return go(request, edit_url(template))
    status = 400 if form.errors else 200
    return render(request, CREATE, {"form": form}, status=status)


# --- One template ------------------------------------------------------------------------------


@manage_templates
@template_from_id
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template: Template) -> HttpResponse:
    """GET: the designer. POST: the name and description."""
    form = None
    if request.method == "POST":
        form = TemplateDetailsForm(request.POST, template=template)
        if form.is_valid():
            try:
                services.template_update(
                    template=template,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Name and description saved.")
                return go(request, edit_url(template))
    status = 400 if form is not None and form.errors else 200
    return render(request, EDIT, edit_context(request, template, details_form=form), status=status)


@manage_templates
@template_from_id
@require_POST
def template_duplicate(request: HttpRequest, template: Template) -> HttpResponse:
    copy = services.template_duplicate(template=template, actor=request.user)
    messages.success(request, f"“{copy.name}” created with the sections of “{template.name}”.")
    return go(request, edit_url(copy))


@manage_templates
@template_from_id
@require_http_methods(["GET", "POST"])
def template_retire(request: HttpRequest, template: Template) -> HttpResponse:
    """GET: what retiring means, and a confirmation. POST: retire."""
    error = ""
    if request.method == "POST":
        try:
            services.template_retire(template=template, actor=request.user)
        except ValidationError as exc:
            error = first_error(exc)
        else:
            messages.success(
                request,
                f"“{template.name}” is retired: it is offered no more. Postmortems made from "
                "it keep their content.",
            )
            return go(request, list_url(request))
    others = list(
        Template.objects.filter(organization=request.organization, retired_at__isnull=True)
        .exclude(pk=template.pk)
        .order_by("pk")
    )
    context = {
        "template": template,
        "error": error,
        "is_last": template.retired_at is None and not others,
        "fallback": selectors.effective_defaults(others)[selectors.SEVERITIES[0]],
        "usage": Postmortem.objects.filter(
            organization=request.organization, template=template
        ).count(),
        "severities": [
            s for s in selectors.SEVERITIES if s in (template.default_for_severities or [])
        ],
    }
    return render(request, RETIRE, context, status=409 if error else 200)


@manage_templates
@template_from_id
@require_POST
def template_restore(request: HttpRequest, template: Template) -> HttpResponse:
    services.template_restore(template=template, actor=request.user)
    messages.success(request, f"“{template.name}” is offered again for new postmortems.")
    return go(request, list_url(request))


@manage_templates
@template_from_id
@require_GET
def template_preview(request: HttpRequest, template: Template) -> HttpResponse:
    """The template filled from an incident of the organization (``?incident=<ref>``) or the
    sample: a panel for htmx, a page otherwise."""
    sections = selectors.sections_of_template(template)
    context = preview_context(request, template, sections, request.GET)
    status = 400 if context["preview_form"].errors else 200
    return render(request, PREVIEW if request.htmx else PREVIEW_PAGE, context, status=status)


# --- Sections ----------------------------------------------------------------------------------


@manage_templates
@template_from_id
@require_POST
def section_add(request: HttpRequest, template: Template) -> HttpResponse:
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            section = services.template_section_add(
                template=template, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return render_sections(request, template, open_pk=section.pk)
            messages.success(request, f"Section “{section.title}” added.")
            return redirect(edit_url(template, f"section-{section.pk}"))
    if request.htmx:
        return render_sections(request, template, status=400, add_form=form)
    return render(request, EDIT, edit_context(request, template, add_form=form), status=400)


@manage_templates
@template_from_id
@section_from_id
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, template: Template, section: TemplateSection):
    """GET: the section (a fragment for htmx). POST: save its fields."""
    if request.method == "GET":
        if not request.htmx:
            return redirect(edit_url(template, f"section-{section.pk}"))
        return render_section(request, template, section, open_pk=section.pk)
    form = SectionForm(request.POST, section=section)
    if form.is_valid():
        try:
            services.template_section_update(
                section=section, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                response = render_section(request, template, section, saved_pk=section.pk)
                response["HX-Trigger"] = CHANGED
                return response
            messages.success(request, f"Section “{section.title}” saved.")
            return redirect(edit_url(template, f"section-{section.pk}"))
    if request.htmx:
        return render_section(request, template, section, status=400, forms={section.pk: form})
    context = edit_context(request, template, forms={section.pk: form})
    return render(request, EDIT, context, status=400)


def render_section(
    request: HttpRequest, template: Template, section: TemplateSection, status: int = 200, **kw
) -> HttpResponse:
    items = section_items(selectors.sections_of_template(template), **kw)
    item = next((i for i in items if i.section.pk == section.pk), None)
    if item is None:  # removed in the meantime
        return render_sections(request, template, status=409, error="This section was removed.")
    return render(request, SECTION, {"template": template, "item": item}, status=status)


@manage_templates
@template_from_id
@section_from_id
@require_POST
def section_move(request: HttpRequest, template: Template, section: TemplateSection):
    form = MoveForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.template_section_move(
                section=section, actor=request.user, direction=form.cleaned_data["direction"]
            )
        except ValidationError as exc:
            error = first_error(exc)
    else:
        error = "Move a section up or down."
    if request.htmx:
        return render_sections(request, template, status=400 if error else 200, error=error)
    if error:
        messages.error(request, error)
    return redirect(edit_url(template, f"section-{section.pk}"))


@manage_templates
@template_from_id
@section_from_id
@require_POST
def section_delete(request: HttpRequest, template: Template, section: TemplateSection):
    services.template_section_remove(section=section, actor=request.user)
    if request.htmx:
        return render_sections(request, template)
    messages.success(
        request,
        f"Section “{section.title}” removed. Postmortems already made from the template keep it.",
    )
    return redirect(edit_url(template, "sections"))


@manage_templates
@template_from_id
@require_POST
def sections_reorder(request: HttpRequest, template: Template) -> HttpResponse:
    """The whole order at once (drag and drop): ``order=<section id>`` once per section."""
    form = ReorderForm(request.POST, sections=selectors.sections_of_template(template))
    error = ""
    if form.is_valid():
        try:
            services.template_sections_reorder(
                template=template, actor=request.user, order=form.cleaned_data["order"]
            )
        except ValidationError as exc:
            error = first_error(exc)
    else:
        error = "The sections changed while you were ordering them; reload the page."
    if request.htmx:
        return render_sections(request, template, status=400 if error else 200, error=error)
    if error:
        messages.error(request, error)
    return redirect(edit_url(template, "sections"))
