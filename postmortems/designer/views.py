"""The template designer (admins): the list, defaults per severity, one template
(details, duplicate, retire, restore), the variable palette and a live preview. Its sections
are edited in ``views_sections``.

Every view needs ``MANAGE_TEMPLATES`` (403 for other members; non-members already got 404).
Templates and sections are looked up within the request's organization before the method is
checked, so another organization's ids answer 404 whatever the method. htmx requests get the
changed fragment (``postmortems/designer/_*.html``); without JavaScript every form posts and the
page answers with a redirect, or the page again with the errors (status 400).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from postmortems.designer import selectors, services
from postmortems.designer.forms import DefaultsForm, TemplateCreateForm, TemplateDetailsForm
from postmortems.designer.lookups import manage_templates, template_from_id
from postmortems.designer.presenter import (
    EDIT,
    edit_context,
    edit_url,
    first_error,
    go,
    list_context,
    list_url,
    preview_context,
)
from postmortems.models import Postmortem, Template

LIST = "postmortems/designer/list.html"
CREATE = "postmortems/designer/create.html"
RETIRE = "postmortems/designer/retire.html"
PREVIEW_PAGE = "postmortems/designer/preview.html"
PREVIEW = "postmortems/designer/_preview.html"


# --- The list and defaults ---------------------------------------------------------------------


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
