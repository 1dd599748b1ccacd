"""Forms of a postmortem's action items: they parse what the browser posts (a username, a date)
and hand the services a dict of changes; the services judge the values and the rights.

``ActionItemForm`` creates (every field) or updates partially: only the fields the browser
posted are changed, so an inline editor posting one field (the status select) touches nothing
else. The full edit form also posts what each field held when it was opened (``was-<name>``);
a field the writer left as it was is not written, so a change made meanwhile in another tab
survives.
"""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from .models import ActionItem, ItemStatus
from .services import EDITABLE

FIELDS = tuple(name for name in EDITABLE if name != "section_key")  # the section is posted apart
CREATE_FIELDS = tuple(name for name in FIELDS if name not in ("status", "wont_do_reason"))
WAS = "was-"  # prefix of the values a field held when the edit form was opened
NOT_A_MEMBER = "Choose a member of this organization as the owner."


def field_text(item: ActionItem, name: str) -> str:
    """The value of ``name`` as the form posts it (a username, an ISO date, text)."""
    if name == "owner":
        return item.owner.get_username() if item.owner_id else ""
    if name == "due_date":
        return item.due_date.isoformat() if item.due_date else ""
    return str(getattr(item, name) or "")


class ActionItemForm(forms.Form):
    section = forms.CharField(required=False)
    description = forms.CharField(required=False, strip=True)
    owner = forms.CharField(required=False, max_length=150)
    due_date = forms.DateField(
        required=False, error_messages={"invalid": "Enter a date as YYYY-MM-DD."}
    )
    priority = forms.CharField(required=False)
    status = forms.CharField(required=False)
    category = forms.CharField(required=False)
    success_criteria = forms.CharField(required=False)
    ticket_url = forms.CharField(required=False, max_length=500)
    wont_do_reason = forms.CharField(required=False)

    def __init__(
        self,
        data,
        *,
        organization,
        item: ActionItem | None = None,
        section_keys: list[str] | None = None,
    ):
        """``item`` given: a partial update of it; else a new item in one of ``section_keys``."""
        super().__init__(data)
        self.organization = organization
        self.item = item
        self.section_keys = section_keys or []
        if item is None:
            keep = {"section", *CREATE_FIELDS}
        else:
            keep = {name for name in FIELDS if name in data and not self._unchanged(name)}
            if "status" in keep and "wont_do_reason" in data:
                keep.add("wont_do_reason")  # the reason goes with the status it explains
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    def _unchanged(self, name: str) -> bool:
        """The edit form posted this field as it was when it was opened."""
        was = self.data.get(WAS + name)
        return was is not None and _same(name, was, self.data.get(name, ""))

    # --- Parsing --------------------------------------------------------------------------

    def clean_section(self) -> str:
        key = self.cleaned_data["section"]
        if key not in self.section_keys:
            raise ValidationError("Choose one of this postmortem's action-item sections.")
        return key

    def clean_owner(self):
        username = self.cleaned_data["owner"].strip()
        if not username:
            return None
        owner = (
            get_user_model()
            .objects.filter(username__iexact=username, memberships__organization=self.organization)
            .first()
        )
        if owner is None:
            raise ValidationError(NOT_A_MEMBER)
        return owner

    def clean_priority(self) -> str:
        return self.cleaned_data["priority"].strip().upper()

    def clean_status(self) -> str:
        return self.cleaned_data["status"].strip().upper()

    def clean_category(self) -> str:
        return self.cleaned_data["category"].strip().upper()

    def clean_ticket_url(self) -> str:
        return self.cleaned_data["ticket_url"].strip()

    def clean(self):
        cleaned = super().clean()
        if self.item is not None and "wont_do_reason" in self.fields:
            status = cleaned.get("status", self.item.status)
            if status != ItemStatus.WONT_DO:  # nothing to explain (a status change clears it)
                del self.fields["wont_do_reason"]
                cleaned.pop("wont_do_reason", None)
        return cleaned

    # --- For the services -----------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """What to write: the posted fields, parsed. A new item's blank priority takes the
        default, and its section is its ``section_key``."""
        changes = {name: self.cleaned_data[name] for name in self.fields if name in FIELDS}
        if self.item is None:
            changes["section_key"] = self.cleaned_data["section"]
            if not changes.get("priority"):
                changes.pop("priority", None)
            for name in ("owner", "due_date"):
                if changes.get(name) is None:
                    changes.pop(name, None)
        return changes

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's refusal, each message under the field it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            if name == "section_key":
                name = "section"
            if name not in self.fields and name in FIELDS:
                self.fields[name] = forms.CharField(required=False)
            self.add_error(name if name in self.fields else None, messages)

    # --- For the templates ----------------------------------------------------------------

    def state(self) -> "FormState":
        """The values to show again (as posted) and the messages, by field name."""
        values = {name: str(self.data.get(name, "")) for name in ("section", *FIELDS)}
        if self.item is not None:  # fields not posted show what is stored
            for name in FIELDS:
                if name not in self.data:
                    values[name] = field_text(self.item, name)
        was = {name: self.data.get(WAS + name) for name in FIELDS if WAS + name in self.data}
        errors = {name: list(messages) for name, messages in self.errors.items()}
        return FormState(
            values=values,
            errors=errors,
            non_field=errors.pop("__all__", []),
            was=was,
        )


def _same(name: str, was: str, value: str) -> bool:
    if name == "description":
        return " ".join(was.split()) == " ".join(value.split())
    if name in ("owner", "priority", "status", "category"):
        return was.strip().lower() == value.strip().lower()
    return was.strip() == value.strip()


class FormState:
    """A form as the templates draw it: ``values.<name>``, ``errors.<name>``, ``was.<name>``."""

    def __init__(self, *, values: dict, errors: dict, non_field: list, was: dict | None = None):
        self.values = values
        self.errors = errors
        self.non_field = non_field
        self.was = was or {}

    @classmethod
    def blank(cls, section_key: str = "") -> "FormState":
        values = dict.fromkeys(("section", *FIELDS), "")
        values.update(section=section_key, priority="MEDIUM")
        return cls(values=values, errors={}, non_field=[])

    @classmethod
    def of(cls, item: ActionItem) -> "FormState":
        values = {name: field_text(item, name) for name in FIELDS}
        was = dict(values)
        values["section"] = item.section_key
        return cls(values=values, errors={}, non_field=[], was=was)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.non_field)
