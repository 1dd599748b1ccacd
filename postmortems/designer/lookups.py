"""The template designer's guards: ``MANAGE_TEMPLATES``, and templates and sections looked up
within the request's organization (the section within its template), 404 otherwise."""

from django.http import HttpRequest

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.models import Template, TemplateSection

manage_templates = require_action(Action.MANAGE_TEMPLATES)


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
