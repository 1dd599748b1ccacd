"""The "Postmortem published" message for the organization's chat webhook.

What it says is decided here, next to the postmortem it describes; ``organizations.webhooks``
records and delivers it. Titles of postmortems not visible to the whole organization never
leave Hindsight.
"""

from django.urls import reverse

from organizations.models import WebhookDelivery
from organizations.people import display_name
from organizations.site import absolute_url
from organizations.webhooks import Event, escape, link, webhook_queue

from .models import Postmortem, Visibility


def postmortem_published_queue(postmortem: Postmortem) -> WebhookDelivery | None:
    """Queue “Postmortem published: PM-12 Title”, linked; call inside the publishing
    transaction."""
    organization = postmortem.organization
    if not organization.webhook_url:
        return None
    path = reverse(
        "postmortem_detail", kwargs={"org_slug": organization.slug, "number": postmortem.number}
    )
    public = postmortem.visibility == Visibility.ORGANIZATION
    label = f"PM-{postmortem.number} {postmortem.title}" if public else f"PM-{postmortem.number}"
    text = f"Postmortem published: {link(absolute_url(path), label)}"
    if not public:
        text += " (restricted: open it in Hindsight to read it)"
    elif postmortem.incident_id:
        incident = postmortem.incident
        author = display_name(postmortem.author, missing="no owner")
        text += f"\n{incident.severity} · {incident.ref} · by {escape(author)}"
    return webhook_queue(organization=organization, event=Event.PUBLISHED, text=text)
