"""Helpers of the settings, webhook, notification and members administration tests: the
settings URLs and form data, a Slack-like webhook address, a local HTTP server standing for the
chat webhook, a member's unread notifications, the members page's address and a user's role."""

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.urls import reverse
from django_scopes import scopes_disabled

from organizations.models import Membership, Notification, PostmortemPolicy
from organizations.selectors import policy_for

SECRET = "T0001/B0001/abcdefghijklmnopqrstuvwx"
SLACK_URL = f"https://hooks.slack.com/services/{SECRET}"
MEMBERS = "/o/acme/settings/members/"


def url(name="settings_general", slug="acme"):
    return reverse(name, kwargs={"org_slug": slug})


def form_data(**overrides) -> dict:
    """Every field, as the page posts it (the defaults of a new organization)."""
    data = {
        "name": "Acme Corporation",
        "time_zone": "Europe/Paris",
        "severities": ["SEV1", "SEV2"],
        "min_duration_minutes": "60",
        "customer_impact": "on",
        "data_loss": "on",
        "security": "on",
        "auto_generate": "on",
        "required_approvals": "1",
        "draft_target_days": "5",
        "review_target_days": "3",
        "publish_target_days": "14",
        "remind_days_before_due": "3",
        "overdue_repeat_days": "7",
        "escalate_after_days": "14",
        "webhook_url": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def policy_of(org) -> PostmortemPolicy:
    return policy_for(org)


class Hook:
    """A local webhook receiver: records every request, answers from a script."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, bytes]] = []  # answers in turn; the last one repeats
        self.delay = 0.0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                hook.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                if hook.delay:
                    time.sleep(hook.delay)
                status, headers, body = (
                    hook.script.pop(0) if len(hook.script) > 1 else hook.script[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T1/B1/secret-token-123456"
        self.answer(200, b"ok")

    def answer(self, *answers):
        """Each answer is a status, or ``(status, body)``, or ``(status, body, headers)``."""
        self.script = []
        for answer in answers:
            status, body, headers = (
                (*answer, {}, {})[:3]
                if isinstance(answer, tuple)
                else (
                    answer,
                    b"",
                    {},
                )
            )
            self.script.append((status, headers, body))

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


def settings_url(organization):
    return reverse("notification_settings", kwargs={"org_slug": organization.slug})


def unread(user, organization=None):
    """The user's unread notifications in every organization (or in ``organization``): tests
    check that another organization's were left alone."""
    with scopes_disabled():
        qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return qs.filter(organization=organization) if organization else qs


def role_of(user, organization) -> str | None:
    with scopes_disabled():  # any organization's, the other one's too
        membership = Membership.objects.filter(user=user, organization=organization).first()
    return membership.role if membership else None
