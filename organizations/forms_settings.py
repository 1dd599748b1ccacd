"""The organization settings form: organization, postmortem policy, review, targets, reminders
and webhook, validated together so that nothing typed is lost when one field is wrong."""

from django import forms

from . import webhooks
from .models import TIME_ZONE_CHOICES, Severity


def _number(label: str, low: int, high: int, help_text: str = "", unit: str = "days"):
    """A whole number from ``low`` to ``high``, with messages that say so."""
    out_of_range = f"Enter a number from {low} to {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": f"Enter a number of {unit} ({low} to {high}).",
            "invalid": f"Enter a whole number of {unit}.",
            "min_value": out_of_range,
            "max_value": out_of_range,
        },
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


class OrganizationSettingsForm(forms.Form):
    # Organization
    name = forms.CharField(
        max_length=120, error_messages={"required": "Give the organization a name."}
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Times are shown in this zone, and reminders follow its calendar days.",
    )
    # Postmortem policy
    severities = forms.MultipleChoiceField(
        label="Severities",
        choices=Severity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_duration_minutes = forms.IntegerField(
        label="Incidents lasting longer than",
        required=False,
        min_value=1,
        max_value=10080,
        help_text="Leave empty for no duration rule.",
        error_messages={
            "invalid": "Enter a whole number of minutes, or leave it empty.",
            "min_value": "Enter a number of minutes from 1 to 10080 (a week), or leave it empty.",
            "max_value": "Enter a number of minutes from 1 to 10080 (a week), or leave it empty.",
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": 10080, "placeholder": "No limit"}),
    )
    customer_impact = forms.BooleanField(label="Customer impact", required=False)
    data_loss = forms.BooleanField(label="Data loss", required=False)
    security = forms.BooleanField(label="Security incident", required=False)
    auto_generate = forms.BooleanField(
        label="Generate a draft automatically when such an incident is resolved",
        required=False,
        help_text="From the default template, with the timeline and linked evidence filled in; "
        "the commander becomes its author.",
    )
    # Review
    required_approvals = _number(
        "Approvals needed to publish",
        1,
        5,
        "In one review round, from assigned reviewers other than the author.",
        unit="approvals",
    )
    # Targets
    draft_target_days = _number(
        "Draft written within", 1, 365, "Days after it is created; its author is reminded."
    )
    review_target_days = _number("Review finished within", 1, 365, "Days in review.")
    publish_target_days = _number(
        "Published within", 1, 365, "Days from the incident's resolution."
    )
    # Reminders
    remind_days_before_due = _number(
        "First reminder", 0, 30, "Days before an action item is due (0: only on the due date)."
    )
    overdue_repeat_days = _number(
        "Repeat while overdue every", 0, 90, "Days between reminders of an overdue item (0: once)."
    )
    escalate_after_days = _number(
        "Escalate after",
        1,
        365,
        "Days overdue before the postmortem's author and the managers are told.",
    )
    # Webhook
    webhook_url = forms.URLField(
        label="Incoming webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat…). "
        "Leave empty to send nothing.",
        error_messages={"invalid": "Enter a full https:// address."},
        widget=forms.URLInput(
            attrs={"placeholder": "https://hooks.slack.com/services/…", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, approvers: int | None = None, current_approvals: int = 1, **kwargs):
        """``approvers``: how many members may approve (checked when the count changes)."""
        super().__init__(*args, **kwargs)
        self.approvers = approvers
        self.current_approvals = current_approvals

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the organization a name.")
        return name

    def clean_severities(self) -> list[str]:
        chosen = set(self.cleaned_data["severities"])
        return [value for value in Severity.values if value in chosen]

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        if url and (problem := webhooks.url_problem(url)):
            raise forms.ValidationError(problem)
        return url

    def clean_required_approvals(self) -> int:
        wanted = self.cleaned_data["required_approvals"]
        if (
            self.approvers is not None
            and wanted != self.current_approvals
            and wanted > self.approvers
        ):
            raise forms.ValidationError(
                f"Only {self.approvers} member{'s' if self.approvers != 1 else ''} may approve "
                "postmortems (reviewers, managers and admins): nothing could be published. "
                "Give more members a reviewer role first."
            )
        return wanted

    def clean(self):
        cleaned = super().clean()
        draft, review, publish = (
            cleaned.get("draft_target_days"),
            cleaned.get("review_target_days"),
            cleaned.get("publish_target_days"),
        )
        if None not in (draft, review, publish) and draft + review > publish:
            self.add_error(
                "publish_target_days",
                f"Leave time to write and review: at least {draft + review} days "
                f"(draft {draft} + review {review}).",
            )
        return cleaned
