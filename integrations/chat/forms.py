"""The chat import's forms: the upload or paste, and the choice of messages to add."""

from django import forms
from django.core import signing
from django.utils import timezone

from incidents.models import Incident

from . import pasted, slack
from .messages import ChatInputError, ChatMessage, from_data, to_data
from .selectors import window_days

MAX_UPLOAD = 10 * 1024 * 1024
MAX_LOG = 500_000
PROPOSALS_MAX_AGE = 3600  # seconds the proposals page may wait before adding


class ChatSourceForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="Slack export",
        help_text="A channel-day's JSON file, or the whole export ZIP (up to 10 MB).",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,.zip,application/json,application/zip"}
        ),
    )
    channel = forms.CharField(
        required=False,
        max_length=200,
        help_text="Which channel of the ZIP to import (asked when it holds several).",
    )
    log = forms.CharField(
        required=False,
        label="Or paste a chat log",
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": (
                    "[10:42] alice: rolled back\n2026-03-04 10:43:11 <bob> restarting pods"
                ),
            }
        ),
    )
    log_date = forms.DateField(
        required=False,
        label="Date of the log",
        help_text="For lines with a time only. Empty: the day the impact began.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, incident: Incident, channels=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.messages: list[ChatMessage] = []
        self.source = ""
        if channels:
            self.fields["channel"].widget = forms.Select(choices=[("", "Choose…"), *channels])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        upload, log = cleaned.get("file"), cleaned.get("log") or ""
        if upload and log.strip():
            self.add_error("log", "Upload an export or paste a log, not both.")
        elif upload:
            self._read_upload(upload, cleaned.get("channel") or "")
        elif log.strip():
            self._read_log(log, cleaned.get("log_date"))
        else:
            self.add_error("file", "Upload a Slack export or paste a chat log.")
        return cleaned

    def _read_upload(self, upload, channel: str) -> None:
        if upload.size > MAX_UPLOAD:
            self.add_error("file", f"The file is larger than {MAX_UPLOAD // 2**20} MB.")
            return
        data = upload.read(MAX_UPLOAD + 1)
        try:
            if data[:4] == b"PK\x03\x04" or upload.name.lower().endswith(".zip"):
                export = slack.parse_export(data, channel=channel, days=window_days(self.incident))
                self.messages = export.messages
                chosen = channel or export.channels[0][0]
                self.source = f"Slack #{chosen}"
            else:
                self.messages = slack.parse_channel_file(data)
                self.source = f"Slack {upload.name}"[:120]
        except slack.ChannelChoiceNeeded as error:
            self.fields["channel"].widget = forms.Select(choices=[("", "Choose…"), *error.channels])
            self.add_error("channel", error.message)
            self.add_error("file", "Choose the file again with the channel.")
        except ChatInputError as error:
            self.add_error(error.field, error.message)
        else:
            if not self.messages:
                self.add_error("file", "No messages found in the export for the incident's days.")

    def _read_log(self, log: str, day) -> None:
        if len(log) > MAX_LOG:
            self.add_error("log", f"The log is longer than {MAX_LOG:,} characters.")
            return
        zone = timezone.get_current_timezone()
        day = day or timezone.localtime(self.incident.started_at, zone).date()
        try:
            self.messages = pasted.parse_log(log, day=day, zone=zone)
        except ChatInputError as error:
            self.add_error(error.field, error.message)
        self.source = "Pasted chat log"


def _salt(incident: Incident) -> str:
    return f"integrations.chat:{incident.organization_id}:{incident.pk}"


def sign_proposals(incident: Incident, *, messages: list[ChatMessage], source: str) -> str:
    return signing.dumps({"m": to_data(messages), "s": source}, salt=_salt(incident), compress=True)


class ChatChoiceForm(forms.Form):
    """The proposals (signed by the previous step) and the messages picked from them."""

    payload = forms.CharField(required=False, widget=forms.HiddenInput)
    pick = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, incident: Incident, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.messages: list[ChatMessage] = []
        self.source = ""
        self.fields["pick"].choices = []
        raw = self.data.get("payload", "")
        try:
            content = signing.loads(raw, salt=_salt(incident), max_age=PROPOSALS_MAX_AGE)
            self.messages, self.source = from_data(content["m"]), str(content["s"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            self.messages = []
        self.fields["pick"].choices = [(str(i), str(i)) for i in range(len(self.messages))]

    def clean_payload(self):
        if not self.messages:
            raise forms.ValidationError("The proposals expired or were changed: import again.")
        return self.cleaned_data["payload"]

    def clean_pick(self):
        picked = self.cleaned_data["pick"]
        if self.messages and not picked:
            raise forms.ValidationError("Choose the messages to add to the timeline.")
        return picked

    def chosen(self) -> list[ChatMessage]:
        return [self.messages[i] for i in sorted(set(self.cleaned_data["pick"]))]
