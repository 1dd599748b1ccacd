"""The review meeting page of a postmortem: schedule, reschedule or cancel it, read the agenda,
download the ``.ics`` and take notes. Rights and rules live in ``meetings``; every view looks
the postmortem up in the request's organization first (404 for another organization's, or one
this member may not read), whatever the method."""

import re
import zoneinfo
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.models import Membership
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.meetings import services as meetings
from postmortems.meetings.invitations import meeting_ics
from postmortems.meetings.selectors import (
    agenda_for,
    attendees_of,
    ends_at,
    is_active,
    meeting_of,
    suggested_attendees,
)
from postmortems.models import Postmortem, PostmortemStatus, ReviewMeeting
from postmortems.permissions import access as access_of

PAGE = "postmortems/meeting/page.html"


# --- Forms ---------------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    """Date and time in the organization's time zone; attendees from the suggestions (and
    the current list) plus others named by username."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.TypedChoiceField(
        coerce=int,
        choices=[(m, f"{m} minutes") for m in meetings.DURATIONS],
        initial=60,
    )
    location = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Room 4.01, or https://meet.example.com/…"}),
        help_text="A room or a video call link.",
    )
    attendees = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    others = forms.CharField(
        required=False,
        max_length=1000,
        label="Invite others",
        help_text="Usernames of other members, separated by commas.",
    )

    def __init__(self, data=None, *, organization, people, initial=None):
        super().__init__(data, initial=initial)
        self.organization = organization
        self.people = {person.user.pk: person for person in people}
        self.fields["attendees"].choices = [(pk, pk) for pk in self.people]

    def clean_others(self) -> list:
        names = [n for n in re.split(r"[\s,;]+", self.cleaned_data["others"]) if n]
        if not names:
            return []
        found = {
            m.user.username.lower(): m.user
            for m in Membership.objects.filter(
                organization=self.organization, user__username__in=names
            ).select_related("user")
        }
        unknown = [n for n in names if n.lower() not in found]
        if unknown:
            raise ValidationError(f"No member here named {', '.join(unknown)}.")
        return list(found.values())

    def starts_at(self) -> datetime:
        zone = zoneinfo.ZoneInfo(self.organization.time_zone or "UTC")
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=zone)

    def chosen(self) -> list:
        users = [self.people[pk].user for pk in self.cleaned_data["attendees"]]
        return users + self.cleaned_data["others"]

    def checked(self) -> set[int]:
        """The attendee ids to show checked (the posted ones, or the initial ones)."""
        if self.is_bound:
            return {int(v) for v in self.data.getlist("attendees") if str(v).isdigit()}
        return set(self.initial.get("attendees", ()))


class NotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=meetings.MAX_NOTES,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


# --- Context -------------------------------------------------------------------------------------


class Person:
    """A row of the attendee picker: a user and why they are suggested."""

    def __init__(self, user, reasons=()):
        self.user = user
        self.reasons = list(reasons)


def people_for(postmortem: Postmortem, attendees: list) -> list[Person]:
    """The picker's rows: the suggestions, then current attendees not suggested."""
    rows = {s.user.pk: Person(s.user, s.reasons) for s in suggested_attendees(postmortem)}
    for attendee in attendees:
        rows.setdefault(attendee.user.pk, Person(attendee.user, ["Invited"]))
    return list(rows.values())


def initial_for(meeting: ReviewMeeting | None, attendees: list, people: list[Person]) -> dict:
    if is_active(meeting):
        local = timezone.localtime(meeting.starts_at)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration": meeting.duration_minutes,
            "location": meeting.location,
            "attendees": [a.user.pk for a in attendees],
        }
    soon = timezone.localtime() + timedelta(days=2)
    return {
        "date": soon.date(),
        "time": soon.replace(hour=10, minute=0).time(),
        "duration": 60,
        "attendees": [p.user.pk for p in people],
    }


def page_context(request: HttpRequest, postmortem: Postmortem, form=None, notes_form=None):
    access = access_of(request.user, request.membership, postmortem)
    meeting = meeting_of(postmortem)
    if meeting is not None:
        meeting.postmortem = postmortem
    attendees = attendees_of(meeting) if meeting is not None else []
    attendee_ids = {a.user_id for a in attendees}
    can_schedule = meetings.may_schedule(access) and postmortem.status != PostmortemStatus.ARCHIVED
    people = people_for(postmortem, attendees) if can_schedule else []
    if can_schedule and form is None:
        form = MeetingForm(
            organization=request.organization,
            people=people,
            initial=initial_for(meeting, attendees, people),
        )
    can_notes = (
        meetings.may_take_notes(access, meeting, attendee_ids)
        and postmortem.status != PostmortemStatus.ARCHIVED
    )
    if can_notes and notes_form is None:
        notes_form = NotesForm(initial={"notes": meeting.notes})
    active = is_active(meeting)
    return {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "meeting": meeting,
        "active": active,
        "is_past": active and ends_at(meeting) < timezone.now(),
        "ends_at": ends_at(meeting) if meeting else None,
        "attendees": attendees,
        "agenda": agenda_for(meeting) if active else [],
        "can_schedule": can_schedule,
        "can_notes": can_notes,
        "form": form,
        "people": people,
        "checked": form.checked() if form is not None else set(),
        "notes_form": notes_form,
        "durations": meetings.DURATIONS,
        "member_search_url": reverse(
            "member_search", kwargs={"org_slug": request.organization.slug}
        ),
    }


def page_url(postmortem: Postmortem) -> str:
    return reverse(
        "postmortem_meeting",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


def refused(request: HttpRequest, postmortem: Postmortem, problem: str) -> HttpResponse:
    messages.error(request, problem)
    context = page_context(request, postmortem)
    context["problem"] = problem
    return render(request, PAGE, context, status=409)


# --- Views ---------------------------------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_http_methods(["GET", "POST"])
def postmortem_meeting(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """GET: the meeting (or the form to schedule it). POST: schedule or reschedule."""
    if request.method == "GET":
        return render(request, PAGE, page_context(request, postmortem))
    access = access_of(request.user, request.membership, postmortem)
    if not meetings.may_schedule(access):
        raise PermissionDenied(
            "Only the author, editors, reviewers, managers and admins schedule the review."
        )
    meeting = meeting_of(postmortem)
    attendees = attendees_of(meeting) if meeting is not None else []
    form = MeetingForm(
        request.POST, organization=request.organization, people=people_for(postmortem, attendees)
    )
    if form.is_valid():
        rescheduling = is_active(meeting)
        try:
            meetings.meeting_schedule(
                postmortem=postmortem,
                actor=request.user,
                starts_at=form.starts_at(),
                duration_minutes=form.cleaned_data["duration"],
                location=form.cleaned_data["location"],
                attendees=form.chosen(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except meetings.MeetingLocked as error:
            return refused(request, postmortem, str(error))
        else:
            messages.success(
                request,
                "Meeting rescheduled: attendees get an updated invitation."
                if rescheduling
                else "Review meeting scheduled: each attendee gets an invitation by email.",
            )
            return redirect(page_url(postmortem))
    context = page_context(request, postmortem, form=form)
    context["reschedule_open"] = True
    return render(request, PAGE, context, status=400)


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def postmortem_meeting_ics(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    meeting = meeting_of(postmortem)
    if meeting is None:
        raise Http404("No review meeting is scheduled.")
    meeting.postmortem = postmortem
    users = [a.user for a in attendees_of(meeting)]
    response = HttpResponse(
        meeting_ics(meeting, users), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="pm-{postmortem.number}-review-meeting.ics"'
    )
    return response


@require_action(Action.VIEW)
@postmortem_from_number
@require_POST
def postmortem_meeting_notes(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """Save the notes: a plain POST returns to the page, htmx (autosave) gets a status line."""
    form = NotesForm(request.POST)
    status, saved = 400, None
    if form.is_valid():
        try:
            saved = meetings.meeting_notes_save(
                postmortem=postmortem, actor=request.user, notes=form.cleaned_data["notes"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        except meetings.MeetingLocked as error:
            if request.htmx:
                return render_notes_status(request, error=str(error), status=409)
            return refused(request, postmortem, str(error))
        else:
            status = 200
    if request.htmx:
        error = " ".join(form.errors.get("notes", []) + form.non_field_errors())
        return render_notes_status(request, saved=saved, error=error, status=status)
    if saved is not None:
        messages.success(request, "Meeting notes saved.")
        return redirect(f"{page_url(postmortem)}#notes")
    context = page_context(request, postmortem, notes_form=form)
    return render(request, PAGE, context, status=status)


def render_notes_status(request, *, saved=None, error="", status=200) -> HttpResponse:
    return render(
        request,
        f"{PAGE}#notes-status",
        {"saved": saved, "notes_error": error},
        status=status,
    )


@require_action(Action.VIEW)
@postmortem_from_number
@require_POST
def postmortem_meeting_cancel(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    access = access_of(request.user, request.membership, postmortem)
    if not meetings.may_schedule(access):
        raise PermissionDenied(
            "Only the author, editors, reviewers, managers and admins cancel the review."
        )
    try:
        meetings.meeting_cancel(postmortem=postmortem, actor=request.user)
    except meetings.MeetingLocked as error:
        return refused(request, postmortem, str(error))
    messages.success(request, "Review meeting cancelled: attendees get a cancellation by email.")
    return redirect(page_url(postmortem))
