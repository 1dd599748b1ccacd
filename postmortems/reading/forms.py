"""Forms of reading that spreads: the digest subscription and the required readers picker."""

from django import forms

from organizations.models import Organization
from postmortems.review.forms import members_named, split_usernames, unknown_message

from .subscriptions import DigestChoice, service_choices, severity_choices, team_choices


class SubscriptionForm(forms.Form):
    """The member's digest filters; nothing chosen in a group means all of it."""

    teams = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Teams"
    )
    services = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Services"
    )
    severities = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Severities"
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = team_choices(organization)
        self.fields["services"].choices = service_choices(organization)
        self.fields["severities"].choices = severity_choices()

    def choice(self) -> DigestChoice:
        data = self.cleaned_data
        return DigestChoice(
            team_ids=data["teams"], service_ids=data["services"], severities=data["severities"]
        )


class ReadersForm(forms.Form):
    """``readers``: one or more members' usernames, separated by commas or spaces."""

    readers = forms.CharField(max_length=2000, strip=True)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["readers"].error_messages["required"] = "Type a username, or pick a member."

    def clean_readers(self) -> list:
        names = split_usernames([self.cleaned_data["readers"]])
        found = members_named(self.organization, names)
        missing = [name for name in names if name not in found]
        if missing:
            raise forms.ValidationError(unknown_message(missing))
        return [found[name] for name in names]


class ReaderForm(forms.Form):
    """One required reader to take off the list, by username."""

    user = forms.CharField(max_length=150, strip=True)
