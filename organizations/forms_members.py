"""Forms of the members, invitations and teams administration, and of accepting an invitation."""

from django import forms
from django.contrib.auth import get_user_model, password_validation

from . import selectors_members
from .models import Membership, Organization, Team
from .people import name_and_handle
from .roles import Role
from .services_invitations import DEFAULT_INVITATION_DAYS, INVITATION_DAYS

User = get_user_model()


def add_errors(form: forms.Form, error) -> None:
    """Put a service's ``ValidationError`` on the form (by field when it names one)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class InvitationForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"placeholder": "name@company.com", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ENGINEER)
    days = forms.TypedChoiceField(
        label="Link valid for",
        choices=[(d, f"{d} day{'s' if d != 1 else ''}") for d in INVITATION_DAYS],
        coerce=int,
        initial=DEFAULT_INVITATION_DAYS,
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if selectors_members.member_with_email_exists(organization=self.organization, email=email):
            raise forms.ValidationError(f"{email} is already a member of {self.organization.name}.")
        return email


class TeamNameForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Team name",
        widget=forms.TextInput(attrs={"placeholder": "Payments, SRE, Mobile…"}),
    )


class TeamMemberAddForm(forms.Form):
    """Pick one of the organization's members who is not on the team yet."""

    username = forms.ChoiceField(label="Member")

    def __init__(self, *args, candidates: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].choices = [("", "Choose a member…")] + [
            (m.user.get_username(), name_and_handle(m.user)) for m in candidates
        ]
        self.fields["username"].error_messages["invalid_choice"] = (
            "Choose a member of the organization who is not on this team yet."
        )


class TeamRenameForm(TeamNameForm):
    def __init__(self, *args, team: Team, **kwargs):
        kwargs.setdefault("initial", {"name": team.name})
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Name"


class AccountForm(forms.Form):
    """A new account for the invited address (the address itself is fixed by the invitation)."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. People mention you with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    full_name = forms.CharField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean_username(self) -> str:
        username = User.normalize_username(self.cleaned_data["username"].strip())
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken; choose another.")
        return username

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Tell your colleagues who you are.")
        return name

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            first_name, _, last_name = cleaned.get("full_name", "").partition(" ")
            candidate = User(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=first_name,
                last_name=last_name,
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
