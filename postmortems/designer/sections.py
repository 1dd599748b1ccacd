"""Writes of a template's sections: add, change, remove, reorder and move. Each runs in one
transaction with the template row locked, bumps the template's ``updated_at`` and writes its
audit entry. A section's key comes from its title when it is added and never changes after:
postmortems made from the template keep theirs.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import Truncator, slugify

from organizations import audit
from postmortems.designer.services import audit_change, touch
from postmortems.models import SectionKind, Template, TemplateSection
from postmortems.services import template_section_validate

SECTION_FIELDS = ("title", "kind", "required", "default_text", "helper_prompt")
KEY_MAX = TemplateSection._meta.get_field("key").max_length


def _unique_key(title: str, taken: set[str]) -> str:
    base = slugify(title)[:KEY_MAX].strip("-") or "section"
    key, number = base, 2
    while key in taken:
        suffix = f"-{number}"
        key, number = base[: KEY_MAX - len(suffix)] + suffix, number + 1
    return key


def _short(value):
    """Long texts shortened for the audit log's details."""
    return Truncator(value).chars(120) if isinstance(value, str) else value


def _locked_sections(template: Template) -> list[TemplateSection]:
    """The template's sections in order, with the template row locked (one writer at a time)."""
    Template.objects.select_for_update().filter(pk=template.pk).first()
    return list(
        TemplateSection.objects.filter(organization_id=template.organization_id, template=template)
    )


def _clean_section(values: dict) -> dict:
    values = {**values}
    values["title"] = (values.get("title") or "").strip()
    if not values["title"]:
        raise ValidationError({"title": "Give the section a title."})
    if values.get("kind", SectionKind.MARKDOWN) not in SectionKind.values:
        raise ValidationError({"kind": "Choose one of the section kinds."})
    template_section_validate(
        default_text=values.get("default_text", ""), helper_prompt=values.get("helper_prompt", "")
    )
    return values


@transaction.atomic
def template_section_add(
    *,
    template: Template,
    actor: AbstractBaseUser | None,
    title: str,
    kind: str = SectionKind.MARKDOWN,
    required: bool = False,
    default_text: str = "",
    helper_prompt: str = "",
) -> TemplateSection:
    """A new section at the end of the template; its key comes from its title."""
    values = _clean_section(
        {
            "title": title,
            "kind": kind,
            "required": required,
            "default_text": default_text,
            "helper_prompt": helper_prompt,
        }
    )
    sections = _locked_sections(template)
    section = TemplateSection.objects.create(
        organization_id=template.organization_id,
        template=template,
        key=_unique_key(values["title"], {s.key for s in sections}),
        position=max((s.position for s in sections), default=-1) + 1,
        **values,
    )
    touch(template)
    audit.record(
        organization=template.organization,
        actor=actor,
        action="template.section_added",
        target=f"{template.name} › {section.title}",
        details={"key": section.key, "kind": section.kind, "required": section.required},
    )
    return section


@transaction.atomic
def template_section_update(
    *, section: TemplateSection, actor: AbstractBaseUser | None, **values
) -> TemplateSection:
    """Change a section's title, kind, required flag, default text or helper prompt (its key
    stays: postmortems made from the template keep theirs)."""
    unknown = set(values) - set(SECTION_FIELDS)
    if unknown:
        raise TypeError(f"Not a section field: {', '.join(sorted(unknown))}")
    before = {field: getattr(section, field) for field in SECTION_FIELDS}
    values = _clean_section({**before, **values})
    changed = audit.changes(before, values)
    if not changed:
        return section
    for field, value in values.items():
        setattr(section, field, value)
    section.save(update_fields=list(changed))
    touch(section.template)
    audit.record(
        organization=section.template.organization,
        actor=actor,
        action="template.section_updated",
        target=f"{section.template.name} › {section.title}",
        details={
            "key": section.key,
            **{f: audit_change(_short(c["from"]), _short(c["to"])) for f, c in changed.items()},
        },
    )
    return section


@transaction.atomic
def template_section_remove(*, section: TemplateSection, actor: AbstractBaseUser | None) -> None:
    """Remove a section from the template (postmortems that have it keep it)."""
    template = section.template
    remaining = [s for s in _locked_sections(template) if s.pk != section.pk]
    TemplateSection.objects.filter(pk=section.pk).delete()
    _renumber(remaining)
    touch(template)
    audit.record(
        organization=template.organization,
        actor=actor,
        action="template.section_removed",
        target=f"{template.name} › {section.title}",
        details={"key": section.key},
    )


def _renumber(sections: list[TemplateSection]) -> None:
    moved = []
    for position, section in enumerate(sections):
        if section.position != position:
            section.position = position
            moved.append(section)
    TemplateSection.objects.bulk_update(moved, ["position"])


@transaction.atomic
def template_sections_reorder(
    *, template: Template, actor: AbstractBaseUser | None, order: list[int]
) -> list[TemplateSection]:
    """Put the sections in ``order`` (every section id of the template, once each)."""
    sections = _locked_sections(template)
    by_pk = {s.pk: s for s in sections}
    if sorted(order) != sorted(by_pk):
        raise ValidationError(
            "The sections changed while you were ordering them; reload the page and try again."
        )
    before = [s.key for s in sections]
    ordered = [by_pk[pk] for pk in order]
    after = [s.key for s in ordered]
    if after != before:
        _renumber(ordered)
        touch(template)
        audit.record(
            organization=template.organization,
            actor=actor,
            action="template.sections_reordered",
            target=template.name,
            details={"order": audit_change(before, after)},
        )
    return ordered


@transaction.atomic
def template_section_move(
    *, section: TemplateSection, actor: AbstractBaseUser | None, direction: str
) -> list[TemplateSection]:
    """One place up or down (a no-op at either end)."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a section up or down.")
    order = [s.pk for s in _locked_sections(section.template)]
    if section.pk not in order:
        raise ValidationError("This section was removed in the meantime.")
    index = order.index(section.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return template_sections_reorder(template=section.template, actor=actor, order=order)
