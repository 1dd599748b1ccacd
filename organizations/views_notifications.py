"""Notification pages: the member's list under the bell, marking read, email settings."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods, require_POST

from .decorators import require_action
from .lookups import object_from_url
from .models import Notification, NotificationKind, NotificationSetting
from .notifications import email_settings_set, notifications_mark_read
from .roles import Action

PAGE_SIZE = 25
PANEL_SIZE = 8  # the newest notifications in the bell's panel

# "Email me when …"
EMAIL_WHEN = {
    NotificationKind.REVIEW_REQUESTED: "someone asks me to review a postmortem",
    NotificationKind.CHANGES_REQUESTED: "a reviewer requests changes on a postmortem I write",
    NotificationKind.APPROVED: "a reviewer approves my postmortem",
    NotificationKind.PUBLISHED: "a postmortem I worked on is published",
    NotificationKind.MENTIONED: "someone @mentions me in a comment",
    NotificationKind.COMMENTED: "someone comments on a postmortem I write",
    NotificationKind.DRAFT_GENERATED: "a postmortem draft is started for an incident I worked on",
    NotificationKind.REMINDER: "action items I own are due or overdue, or a draft I write waits",
    NotificationKind.READING_REQUESTED: "someone asks me to read a published postmortem",
}


class IdListField(forms.Field):
    """Several whole numbers (``ids=3&ids=7``); empty means none were given."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError):
            raise ValidationError(
                "Notification ids must be whole numbers.", code="invalid"
            ) from None


class MarkReadForm(forms.Form):
    ids = IdListField(required=False)
    next = forms.CharField(required=False)
    panel = forms.BooleanField(required=False)  # sent from the bell's panel: answer with it


class EmailSettingsForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label="Email me when …",
        choices=[(kind.value, EMAIL_WHEN[kind]) for kind in NotificationKind],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _member_notifications(request: HttpRequest):
    return Notification.objects.filter(
        organization=request.organization, recipient=request.user
    ).select_related("actor")


notification_from_id = object_from_url(
    "notification_id",
    lambda request, pk: _member_notifications(request).filter(pk=pk).first(),
    missing="No such notification.",
)


def _safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    """``target`` when it is a path in this site, else ``fallback`` (no open redirects)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return fallback


def _when(moment: datetime, now: datetime) -> tuple[str, str]:
    """("3 hours ago", "Today") for a notification's time, in the organization's zone."""
    ago = (
        "just now"
        if now - moment < timedelta(minutes=1)
        else f"{timesince(moment, now, depth=1)} ago"
    )
    day = timezone.localtime(moment).date()
    today = timezone.localtime(now).date()
    if day == today:
        label = "Today"
    elif day == today - timedelta(days=1):
        label = "Yesterday"
    elif day.year == today.year:
        label = f"{day:%A, %B} {day.day}"
    else:
        label = f"{day:%B} {day.day}, {day.year}"
    return ago, label


@require_http_methods(["GET"])
@require_action(Action.VIEW)
def notification_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    notifications = _member_notifications(request)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for notification in page.object_list:
        notification.ago, notification.day_label = _when(notification.created_at, now)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "notifications": page.object_list, "unread_only": unread_only},
    )


def _render_panel(request: HttpRequest, *, caught_up: bool = False) -> HttpResponse:
    notifications = list(_member_notifications(request)[:PANEL_SIZE])
    now = timezone.now()
    for notification in notifications:
        notification.ago, notification.day_label = _when(notification.created_at, now)
    return render(
        request,
        "notifications/_panel.html",
        {"notifications": notifications, "caught_up": caught_up, "bell_oob": caught_up},
    )


@require_http_methods(["GET"])
@require_action(Action.VIEW)
def notification_panel(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The bell's panel, loaded by htmx when it opens: the newest notifications (two queries
    however many there are). Without htmx the bell is a link to the list, and so is this."""
    if not request.htmx:
        return redirect("notification_list", org_slug=request.organization.slug)
    return _render_panel(request)


@require_POST
@require_action(Action.VIEW)
def notifications_mark_read_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Mark all the member's notifications read, or only ``ids``; htmx gets the updated row."""
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return render(request, "notifications/_mark_read_error.html", {"form": form}, status=400)
    ids = form.cleaned_data["ids"] or None
    marked = notifications_mark_read(organization=request.organization, user=request.user, ids=ids)
    if request.htmx and form.cleaned_data["panel"]:
        return _render_panel(request, caught_up=ids is None)
    if request.htmx and ids is not None and len(ids) == 1:
        notification = _member_notifications(request).filter(pk=ids[0]).first()
        if notification is None:
            raise Http404("No such notification.")
        notification.ago, notification.day_label = _when(notification.created_at, timezone.now())
        return render(
            request,
            "notifications/_row_update.html",
            {"notification": notification},
        )
    if marked:
        messages.success(
            request,
            f"Marked {marked} notification{'s' if marked != 1 else ''} as read."
            if ids
            else "All caught up: every notification is marked as read.",
        )
    list_url = reverse("notification_list", kwargs={"org_slug": request.organization.slug})
    return redirect(_safe_next(request, form.cleaned_data["next"], list_url))


@require_action(Action.VIEW)
@notification_from_id
def notification_open(request: HttpRequest, notification: Notification) -> HttpResponse:
    """Mark one of the member's notifications read and go to what it is about. Someone else's
    notification does not exist here (404, whatever the method)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    notifications_mark_read(
        organization=request.organization, user=request.user, ids=[notification.pk]
    )
    list_url = reverse("notification_list", kwargs={"org_slug": request.organization.slug})
    return redirect(_safe_next(request, notification.url, list_url))


@require_http_methods(["GET", "POST"])
@require_action(Action.VIEW)
def notification_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    saved = dict(
        NotificationSetting.objects.filter(
            organization=request.organization, user=request.user
        ).values_list("kind", "email")
    )
    current = [kind.value for kind in NotificationKind if saved.get(kind.value, True)]
    form = EmailSettingsForm(
        request.POST if request.method == "POST" else None, initial={"email_kinds": current}
    )
    if request.method == "POST" and form.is_valid():
        email_settings_set(
            organization=request.organization,
            user=request.user,
            email_kinds=form.cleaned_data["email_kinds"],
        )
        messages.success(request, "Your email settings are saved.")
        return redirect("notification_settings", org_slug=request.organization.slug)
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "has_email": bool(request.user.email)},
        status=400 if form.errors else 200,
    )
