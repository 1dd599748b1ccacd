"""The template designer's sections: add, edit, move, remove and reorder (drag and drop).

htmx requests get the changed fragment (the section or the whole list, and ``CHANGED`` so the
preview follows); without JavaScript every form posts and the page answers with a redirect, or
the designer again with the errors (status 400).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from postmortems.designer import sections, selectors
from postmortems.designer.forms import MoveForm, ReorderForm, SectionForm
from postmortems.designer.lookups import manage_templates, section_from_id, template_from_id
from postmortems.designer.presenter import (
    CHANGED,
    EDIT,
    edit_context,
    edit_url,
    first_error,
    render_sections,
    section_items,
)
from postmortems.models import Template, TemplateSection

SECTION = "postmortems/designer/_section.html"


@manage_templates
@template_from_id
@require_POST
def section_add(request: HttpRequest, template: Template) -> HttpResponse:
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            section = sections.template_section_add(
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
            sections.template_section_update(
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
            sections.template_section_move(
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
    sections.template_section_remove(section=section, actor=request.user)
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
            sections.template_sections_reorder(
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
