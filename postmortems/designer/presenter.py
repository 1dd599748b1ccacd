"""What the template designer's pages show: the list, the designer (details, sections,
variable palette, preview) and the sections fragment, and where its views send the admin next."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from postmortems.designer import selectors
from postmortems.designer.forms import DefaultsForm, PreviewForm, SectionForm, TemplateDetailsForm
from postmortems.models import Postmortem, Template, TemplateSection
from postmortems.variables import variable_catalogue

EDIT = "postmortems/designer/edit.html"
SECTIONS = "postmortems/designer/_sections.html"
CHANGED = "template-changed"  # the preview panel refreshes on this event


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
