"""Creating postmortems: by hand from a template, and generated for a resolved incident that
the policy says needs one (one primary postmortem per incident)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from guardian.shortcuts import assign_perm

from incidents.models import Incident, IncidentParticipant, TimelineEntry
from incidents.selectors import policy_requires
from organizations.models import Organization
from organizations.people import display_name
from organizations.selectors import policy_for
from organizations.services import next_number
from postmortems import selectors
from postmortems.search import indexing as search

from .models import (
    Postmortem,
    PostmortemIncident,
    PostmortemStatus,
    Section,
    SectionKind,
    Template,
    TemplateSection,
)
from .permissions import EDIT_PERMISSION
from .placeholders import template_parts
from .services import write_revision
from .variables import IncidentContext, substitute


class IncidentHasPostmortem(Exception):
    """The incident is already the primary incident of a postmortem (the API answers 409)."""

    def __init__(self, incident: Incident, postmortem: Postmortem):
        self.incident = incident
        self.postmortem = postmortem
        super().__init__(
            f"{incident.ref} already has a postmortem, PM-{postmortem.number}. Open it, or "
            f"cover {incident.ref} as a further incident of another postmortem."
        )


def primary_postmortem_of(incident: Incident) -> Postmortem | None:
    return Postmortem.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).first()


def incident_context(incident: Incident) -> IncidentContext:
    """Everything the template variables read, in a handful of queries."""
    participants = IncidentParticipant.objects.filter(incident=incident).select_related("user")
    return IncidentContext(
        incident=incident,
        services=[link.service.name for link in incident.service_links.select_related("service")],
        participants=[display_name(p.user) for p in participants],
        timeline=list(TimelineEntry.objects.filter(incident=incident).select_related("actor")),
        links=list(incident.links.all()),
        metrics={series.key: series for series in incident.metrics.all()},
    )


def _timeline_rows(ctx: IncidentContext | None) -> list[dict]:
    if ctx is None:
        return []
    return [
        {
            "time": entry.occurred_at.isoformat(),
            "event": entry.description,
            "actor": entry.actor_display,
            "key": entry.is_key_event,
        }
        for entry in ctx.timeline
    ]


def _initial_data(kind: str, ctx: IncidentContext | None) -> dict:
    if kind == SectionKind.TIMELINE:
        return {"rows": _timeline_rows(ctx)}
    if kind == SectionKind.FIVE_WHYS:
        return {"whys": [{"why": "", "because": ""} for _ in range(5)]}
    if kind == SectionKind.CONTRIBUTING_FACTORS:
        return {"factors": []}
    return {}


def _new_section(
    postmortem: Postmortem, ts: TemplateSection, ctx: IncidentContext | None
) -> Section:
    """A section as the template starts it: the default text's generated facts as its body,
    the default text's prompts as its placeholder (never text the writer must delete)."""
    parts = template_parts(ts.default_text)
    return Section(
        organization_id=postmortem.organization_id,
        postmortem=postmortem,
        key=ts.key,
        title=ts.title,
        kind=ts.kind,
        required=ts.required,
        body=substitute(parts.body, ctx),
        data=_initial_data(ts.kind, ctx),
        helper_prompt=substitute(ts.helper_prompt, ctx),
        placeholder=substitute(parts.placeholder, ctx),
        position=ts.position,
    )


@transaction.atomic
def postmortem_create(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    template: Template | None = None,
    incident: Incident | None = None,
    related_incidents: Iterable[Incident] = (),
    title: str = "",
    author: AbstractBaseUser | None = None,
    editors: Iterable[AbstractBaseUser] = (),
    generated: bool = False,
) -> Postmortem:
    """A new draft from a template, its variables filled from the primary incident.

    Raises ``IncidentHasPostmortem`` when the incident is the primary incident of a postmortem
    already (checked first, and held by the database when two people start one at once).
    """
    if incident is not None and (existing := primary_postmortem_of(incident)):
        raise IncidentHasPostmortem(incident, existing)
    template = template or selectors.template_for_severity(
        organization=organization, severity=incident.severity if incident else "SEV2"
    )
    ctx = incident_context(incident) if incident else None
    title = (title or (f"{incident.ref}: {incident.title}" if incident else "Untitled")).strip()
    try:
        with transaction.atomic():
            postmortem = Postmortem.objects.create(
                organization=organization,
                number=next_number(organization=organization, name="postmortem"),
                title=title[:200],
                incident=incident,
                generated=generated,
                template=template,
                author=author or actor,
            )
    except IntegrityError:
        existing = primary_postmortem_of(incident) if incident is not None else None
        if existing is None:
            raise
        raise IncidentHasPostmortem(incident, existing) from None
    sections = [
        _new_section(postmortem, ts, ctx) for ts in (template.sections.all() if template else [])
    ]
    Section.objects.bulk_create(sections)
    for other in related_incidents:
        if other != incident:
            PostmortemIncident.objects.get_or_create(
                organization=organization, postmortem=postmortem, incident=other
            )
    for editor in editors:
        if editor != postmortem.author:
            assign_perm(EDIT_PERMISSION, editor, postmortem)
    write_revision(
        postmortem,
        actor,
        changed=[s.key for s in sections],
        summary=f"Created from the {template.name} template" if template else "Created",
        coalesce=False,
    )
    return postmortem


def postmortem_generate_for_incident(*, incident: Incident) -> Postmortem | None:
    """The draft for a resolved incident, when the policy asks for one; the incident's
    postmortem when it has one already (generated or started by people). Safe to run twice or
    concurrently: an incident is the primary incident of one postmortem at most."""
    organization = incident.organization
    with scope(organization=organization), timezone.override(organization.time_zone):
        existing = primary_postmortem_of(incident)
        if existing:
            return existing
        policy = policy_for(organization)
        if not (policy.auto_generate and policy_requires(policy, incident)):
            return None
        participants = [
            p.user
            for p in IncidentParticipant.objects.filter(incident=incident).select_related("user")
        ]
        author = incident.commander or incident.created_by
        try:
            with transaction.atomic():
                postmortem = postmortem_create(
                    organization=organization,
                    actor=None,
                    incident=incident,
                    author=author,
                    editors=participants,
                    generated=True,
                )
                _notify_generated(postmortem, [author, *participants])
        except IncidentHasPostmortem as taken:
            return taken.postmortem
        return postmortem


# How far a postmortem got: the one that stays primary when duplicates are resolved.
PROGRESS = {
    PostmortemStatus.PUBLISHED: 3,
    PostmortemStatus.IN_REVIEW: 2,
    PostmortemStatus.DRAFT: 1,
    PostmortemStatus.ARCHIVED: 0,
}


@transaction.atomic
def duplicate_primary_demote(*, incident: Incident, postmortems: list[Postmortem]) -> Postmortem:
    """Keep one of the postmortems whose primary incident is ``incident`` (the furthest along,
    then the oldest) and make it a further incident of the others. Nothing is deleted: every
    postmortem keeps its content and still covers the incident. Returns the one kept."""
    keep = min(postmortems, key=lambda p: (-PROGRESS.get(p.status, 0), p.number))
    for postmortem in postmortems:
        if postmortem == keep:
            continue
        PostmortemIncident.objects.get_or_create(
            organization_id=postmortem.organization_id, postmortem=postmortem, incident=incident
        )
        postmortem.incident = None
        postmortem.save(update_fields=["incident", "updated_at"])
        search.search_document_refresh(postmortem)
    return keep


def _notify_generated(postmortem: Postmortem, recipients: list[AbstractBaseUser | None]) -> None:
    """Tell the author and the editors that their draft is waiting (in-app, and by email after
    commit unless they turned that kind of email off)."""
    from organizations.models import NotificationKind
    from organizations.notifications import notify

    notify(
        organization=postmortem.organization,
        kind=NotificationKind.DRAFT_GENERATED,
        recipients=recipients,
        actor=None,
        title=f"Postmortem draft ready: PM-{postmortem.number} {postmortem.title}",
        url=reverse(
            "postmortem_edit",
            kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
        ),
        body=(
            "The incident is resolved and a postmortem draft has been started for it. The "
            "timeline, linked evidence and charts are filled in; the analysis sections are "
            "waiting for you."
        ),
    )
