"""Writes of the template designer's templates (the sections of a template are written in
``sections``). Each runs in one transaction and writes its audit entry.

Postmortems copy their template's sections when they are created (``creation.postmortem_create``),
so nothing here ever changes a postmortem already made: templates are retired, never deleted,
and a section removed from a template stays in the postmortems that have it.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations import audit
from organizations.models import Organization
from postmortems.builtin_templates import BUILTIN_TEMPLATES
from postmortems.designer.selectors import SEVERITIES
from postmortems.models import Template, TemplateSection
from postmortems.services import templates_install_builtins

NAME_MAX = Template._meta.get_field("name").max_length


# --- Helpers -----------------------------------------------------------------------------------


def name_taken(*, organization: Organization, name: str, exclude: Template | None = None) -> bool:
    """Is this name (ignoring case and surrounding spaces) another template's?"""
    others = Template.objects.filter(organization=organization, name__iexact=name.strip())
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def _check_name(organization: Organization, name: str, exclude: Template | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if name_taken(organization=organization, name=name, exclude=exclude):
        raise ValidationError({"name": f"A template named “{name}” already exists."})
    return name


def unique_copy_name(*, organization: Organization, name: str) -> str:
    """``Copy of <name>``, then ``Copy of <name> (2)``… the first one no template has."""
    taken = {
        n.lower()
        for n in Template.objects.filter(
            organization=organization, name__istartswith="Copy of"
        ).values_list("name", flat=True)
    }
    base = f"Copy of {name}"
    for number in range(1, len(taken) + 2):
        suffix = f" ({number})" if number > 1 else ""
        candidate = base[: NAME_MAX - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
    raise AssertionError("unreachable: one of len(taken) + 1 names is free")


def audit_change(old, new) -> dict:
    """One change in the audit log's shape (``organizations.audit.changes``)."""
    return {"from": old, "to": new}


def touch(template: Template) -> None:
    """The template changed now (the list shows when each was last edited)."""
    template.updated_at = timezone.now()
    template.save(update_fields=["updated_at"])


def _copy_sections(source: Template, target: Template) -> None:
    TemplateSection.objects.bulk_create(
        TemplateSection(
            organization_id=target.organization_id,
            template=target,
            key=section.key,
            title=section.title,
            kind=section.kind,
            required=section.required,
            default_text=section.default_text,
            helper_prompt=section.helper_prompt,
            position=position,
        )
        for position, section in enumerate(
            TemplateSection.objects.filter(organization_id=source.organization_id, template=source)
        )
    )


# --- Templates ---------------------------------------------------------------------------------


@transaction.atomic
def template_create(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    name: str,
    description: str = "",
    copy_from: Template | None = None,
) -> Template:
    """A new template, blank or with a copy of another template's sections."""
    if copy_from is not None and copy_from.organization_id != organization.pk:
        raise ValidationError({"start_from": "No such template."})
    template = Template.objects.create(
        organization=organization,
        name=_check_name(organization, name),
        description=description.strip(),
    )
    if copy_from is not None:
        _copy_sections(copy_from, template)
    audit.record(
        organization=organization,
        actor=actor,
        action="template.created",
        target=template.name,
        details={"copied_from": copy_from.name} if copy_from else {},
    )
    return template


@transaction.atomic
def template_duplicate(*, template: Template, actor: AbstractBaseUser | None) -> Template:
    """``Copy of <name>`` with the same sections; not a built-in, default for nothing."""
    organization = template.organization
    copy = Template.objects.create(
        organization=organization,
        name=unique_copy_name(organization=organization, name=template.name),
        description=template.description,
    )
    _copy_sections(template, copy)
    audit.record(
        organization=organization,
        actor=actor,
        action="template.duplicated",
        target=copy.name,
        details={"copied_from": template.name},
    )
    return copy


@transaction.atomic
def template_update(
    *, template: Template, actor: AbstractBaseUser | None, name: str, description: str
) -> Template:
    """Rename the template and/or change its description."""
    before = {"name": template.name, "description": template.description}
    template.name = _check_name(template.organization, name, exclude=template)
    template.description = description.strip()
    after = {"name": template.name, "description": template.description}
    changed = audit.changes(before, after)
    if changed:
        template.save(update_fields=["name", "description", "updated_at"])
        audit.record(
            organization=template.organization,
            actor=actor,
            action="template.renamed",
            target=template.name,
            details=changed,
        )
    return template


@transaction.atomic
def template_retire(*, template: Template, actor: AbstractBaseUser | None) -> Template:
    """Offer the template no more. It stays for the postmortems made from it; the severities
    it was the default for fall back to the standard template."""
    active = list(
        Template.objects.select_for_update()
        .filter(organization_id=template.organization_id, retired_at__isnull=True)
        .order_by("pk")
    )
    locked = next((t for t in active if t.pk == template.pk), None)
    if locked is None:
        return Template.objects.get(pk=template.pk)  # already retired: nothing to do
    if len(active) == 1:
        raise ValidationError(
            f"“{locked.name}” is the only active template: new postmortems need one. "
            "Create or restore another template before retiring this one."
        )
    severities = list(locked.default_for_severities or [])
    locked.retired_at = timezone.now()
    locked.default_for_severities = []
    locked.save(update_fields=["retired_at", "default_for_severities", "updated_at"])
    audit.record(
        organization=locked.organization,
        actor=actor,
        action="template.retired",
        target=locked.name,
        details={"default_for_severities": audit_change(severities, [])} if severities else {},
    )
    return locked


@transaction.atomic
def template_restore(*, template: Template, actor: AbstractBaseUser | None) -> Template:
    """Offer a retired template again (default for no severity until one is given to it)."""
    locked = Template.objects.select_for_update().get(pk=template.pk)
    if locked.retired_at is None:
        return locked
    locked.retired_at = None
    locked.save(update_fields=["retired_at", "updated_at"])
    audit.record(
        organization=locked.organization,
        actor=actor,
        action="template.restored",
        target=locked.name,
    )
    return locked


@transaction.atomic
def template_defaults_set(
    *, organization: Organization, actor: AbstractBaseUser | None, defaults: dict[str, Template]
) -> None:
    """Make each severity of ``defaults`` belong to its template, and to no other."""
    unknown = set(defaults) - set(SEVERITIES)
    if unknown:
        raise ValidationError(f"Unknown severity: {', '.join(sorted(unknown))}.")
    templates = list(
        Template.objects.select_for_update().filter(organization=organization).order_by("pk")
    )
    by_pk = {t.pk: t for t in templates}
    for severity, template in defaults.items():
        current = by_pk.get(template.pk)
        if current is None or current.retired_at is not None:
            raise ValidationError({severity: "Choose one of the active templates."})
    changed, details = [], {}
    for template in templates:
        before = [s for s in SEVERITIES if s in (template.default_for_severities or [])]
        kept = [s for s in before if s not in defaults]
        given = [s for s, t in defaults.items() if t.pk == template.pk]
        after = [s for s in SEVERITIES if s in kept or s in given]
        if after != list(template.default_for_severities or []):
            template.default_for_severities = after
            changed.append(template)
        if after != before:
            details[template.name] = audit_change(before, after)
    Template.objects.bulk_update(changed, ["default_for_severities"])
    if details:
        audit.record(
            organization=organization,
            actor=actor,
            action="template.defaults_changed",
            target="Default template per severity",
            details=details,
        )


@transaction.atomic
def templates_install(*, organization: Organization, actor: AbstractBaseUser | None) -> list:
    """Install the built-in templates the organization does not have yet."""
    existing = set(
        Template.objects.filter(organization=organization)
        .exclude(builtin_key="")
        .values_list("builtin_key", flat=True)
    )
    missing = [b.name for b in BUILTIN_TEMPLATES if b.key not in existing]
    clashes = list(
        Template.objects.filter(organization=organization, name__in=missing).values_list(
            "name", flat=True
        )
    )
    if clashes:
        raise ValidationError(
            f"Your own template “{clashes[0]}” has the name of a built-in one: rename it, "
            "then install the built-in templates."
        )
    installed = templates_install_builtins(organization=organization)
    for template in installed:
        if template.builtin_key not in existing:
            audit.record(
                organization=organization,
                actor=actor,
                action="template.created",
                target=template.name,
                details={"builtin": template.builtin_key},
            )
    return installed
