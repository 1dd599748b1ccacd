"""Forms of the review workflow's pages: the submit form's reviewer picker, a review's comment,
the people pickers and the visibility form.

People are named by username (what the ``<datalist>`` pickers fill in, and what a person types
without JavaScript) and looked up among the organization's members only: another
organization's users do not exist here.
"""

import re

from django import forms
from django.db.models import Q

from organizations.models import Membership, Organization, Team
from postmortems.models import Visibility

SEPARATORS = re.compile(r"[,;\s]+")


def split_usernames(values: list[str]) -> list[str]:
    """Usernames from picker values: each may hold several ("rita, max"), with or without @."""
    names: list[str] = []
    for raw in values:
        for part in SEPARATORS.split(raw or ""):
            name = part.strip().lstrip("@")
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
    return names


def members_named(organization: Organization, names: list[str]) -> dict[str, object]:
    """{typed name: user} for the names that are members' usernames (exact match first, then
    case-insensitive), in one query."""
    if not names:
        return {}
    matches = Q()
    for name in names:
        matches |= Q(user__username__iexact=name)
    users = [
        m.user
        for m in Membership.objects.filter(organization=organization)
        .filter(matches)
        .select_related("user")
    ]
    exact = {u.get_username(): u for u in users}
    folded: dict[str, list] = {}
    for user in users:
        folded.setdefault(user.get_username().lower(), []).append(user)
    found = {}
    for name in names:
        if name in exact:
            found[name] = exact[name]
        elif len(folded.get(name.lower(), [])) == 1:
            found[name] = folded[name.lower()][0]
    return found


def unknown_message(missing: list[str]) -> str:
    quoted = ", ".join(f"“{name}”" for name in missing)
    if len(missing) == 1:
        return f"{quoted} is not a member of this organization."
    return f"{quoted} are not members of this organization."


class UsernameList(forms.Widget):
    """Every value posted under the name (checked boxes plus the typed name), or None when the
    form did not carry the field at all."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if name in data else None

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class SubmitForm(forms.Form):
    """``reviewers``: zero or more usernames. When some are given they replace the assigned
    reviewers; none given keeps the assigned ones, unless the page's picker says it lists them
    all (``replace_reviewers``), in which case an empty pick means none."""

    reviewers = forms.Field(required=False, widget=UsernameList)
    replace_reviewers = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean(self):
        cleaned = super().clean()
        names = split_usernames(cleaned.get("reviewers") or [])
        if not names and not cleaned.get("replace_reviewers"):
            cleaned["reviewers"] = None  # keep the assigned reviewers
            return cleaned
        found = members_named(self.organization, names)
        missing = [name for name in names if name not in found]
        if missing:
            self.add_error("reviewers", unknown_message(missing))
            return cleaned
        cleaned["reviewers"] = [found[name] for name in names]
        return cleaned


class ReviewForm(forms.Form):
    """A reviewer's decision: the comment is optional to approve, required to request changes."""

    comment = forms.CharField(
        required=False,
        max_length=10_000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, comment_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = (
                "Say what should change: the author will read it."
            )


class PersonForm(forms.Form):
    """One person by username (``user``): a member of the organization to add, or, to remove
    them, one of the people in ``among`` (those holding the role on the postmortem)."""

    user = forms.CharField(max_length=150, strip=True)

    def __init__(self, *args, organization: Organization, among=None, noun: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.among = None if among is None else list(among)
        self.noun = noun
        self.fields["user"].error_messages["required"] = "Type a username, or pick a member."

    def clean_user(self):
        names = split_usernames([self.cleaned_data["user"]])
        if len(names) != 1:
            raise forms.ValidationError("Name one person at a time.")
        name = names[0]
        if self.among is not None:
            for person in self.among:
                if person.get_username().lower() == name.lower():
                    return person
            raise forms.ValidationError(f"“{name}” is not {self.noun} of this postmortem.")
        found = members_named(self.organization, names)
        if name not in found:
            raise forms.ValidationError(unknown_message([name]))
        return found[name]


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        error_messages={
            "required": "Choose private, team or organization.",
            "invalid_choice": "Choose private, team or organization.",
        },
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "Choose teams of this organization.",
            "invalid_pk_value": "Choose teams of this organization.",
        },
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(organization=organization).order_by(
            "name"
        )

    def clean(self):
        cleaned = super().clean()
        team_chosen = cleaned.get("teams") or "teams" in self.errors
        if cleaned.get("visibility") == Visibility.TEAM and not team_chosen:
            self.add_error("teams", "Choose at least one team that may read it.")
        return cleaned
