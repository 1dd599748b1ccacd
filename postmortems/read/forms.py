"""The read pages' query strings: the list's filters (also what a bulk export takes) and the
two revisions a diff compares."""

from django import forms

from incidents.models import Severity
from organizations.people import display_name
from organizations.validators import refuse_reversed_range
from postmortems.models import PostmortemStatus


class PostmortemFilterForm(forms.Form):
    """The list page's query string. Invalid values are ignored rather than refused."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Search titles…"}),
    )
    status = forms.ChoiceField(choices=[("", "Any"), *PostmortemStatus.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any"), *Severity.choices], required=False)
    service = forms.ChoiceField(required=False)
    author = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        required=False, label="Incident from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="Incident to", widget=forms.DateInput(attrs={"type": "date"})
    )
    mine = forms.BooleanField(required=False, label="My drafts")

    FILTERS = ("q", "status", "severity", "service", "author", "date_from", "date_to", "mine")

    def __init__(self, data, *, service_names: list[str], authors):
        super().__init__(data)
        self.fields["service"].choices = [("", "Any")] + [(n, n) for n in service_names]
        self.fields["author"].choices = [("", "Anyone")] + [
            (user.get_username(), display_name(user)) for user in authors
        ]

    def clean(self):
        cleaned = super().clean()
        refuse_reversed_range(self, "date_from", "date_to")
        return cleaned

    def to_filters(self, user) -> dict:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.FILTERS}
        filters = {key: value for key, value in data.items() if value and key != "mine"}
        if data["mine"]:
            filters["drafts_of"] = user
        return filters

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        return any(self.cleaned_data.get(name) for name in self.FILTERS)


class DiffRequest(forms.Form):
    """``?from=<revision>&to=<revision>``: revision numbers within the postmortem."""

    from_ = forms.IntegerField(min_value=1)
    to = forms.IntegerField(min_value=1)

    def __init__(self, data):
        super().__init__({"from_": data.get("from"), "to": data.get("to")})

    def problem(self) -> str:
        """Why the request cannot be served, in words; "" when it can."""
        if self.is_valid():
            return ""
        return "Choose two revisions to compare: “from” and “to” must be revision numbers."


class RecurrenceDismissForm(forms.Form):
    """A manager's reason for marking a recurrence as unrelated (required, audited)."""

    reason = forms.CharField(
        label="Why is this not a recurrence?",
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why this incident is not a recurrence."},
    )
