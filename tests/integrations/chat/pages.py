"""Driving the chat import page: its URL, an upload, the two steps."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import Incident


def page_url(incident: Incident) -> str:
    return f"/o/{incident.organization.slug}/incidents/{incident.ref}/import-chat/"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def read(client, incident, **data):
    return client.post(page_url(incident), {"step": "read", **data})


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode())[1]


def add(client, incident, payload: str, picks):
    return client.post(page_url(incident), {"step": "add", "payload": payload, "pick": picks})
