"""The Security settings form: the organization's sign-in rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from organizations.models import Organization
from organizations.people import display_name
from organizations.roles import Role

from . import rules
from .models import IdentityProvider, ProviderStatus, SignInPolicy
from .services_policy import tightens_sso

NOT_LIVE = (
    "Company sign-in can only be required once the identity provider is live: set it up, "
    "test it and turn it on under Sign-in settings first."
)
NOT_LIVE_NONE = (
    "Company sign-in can only be required once the organization has an identity provider: set "
    "one up, test it and turn it on under Sign-in settings first."
)
LOCKS_YOU_OUT = (
    "You signed in with a password, so requiring company sign-in would sign you out too. Sign "
    "in through {provider} first, or name yourself the break-glass admin."
)


class AdminChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = display_name(obj)
        return name if name == obj.get_username() else f"{name} ({obj.get_username()})"


class SignInPolicyForm(forms.Form):
    require_sso = forms.BooleanField(
        required=False,
        label="Require company sign-in (SSO)",
        help_text="Members sign in through the identity provider only. Turning this on signs "
        "out, at once, every member's session that did not come through it.",
    )
    break_glass_user = AdminChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody",
        label="Break-glass admin",
        help_text="An admin who keeps a password while company sign-in is required, to get in "
        "during a provider outage.",
    )
    require_mfa = forms.BooleanField(
        required=False,
        label="Require two-factor authentication for members who sign in with a password",
        help_text="They set up an authenticator app before they continue. Members who sign in "
        "through the identity provider are not asked.",
    )

    def __init__(
        self,
        *args,
        organization: Organization,
        policy: SignInPolicy,
        provider: IdentityProvider | None,
        request: HttpRequest,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization, self.policy, self.provider = organization, policy, provider
        self.request = request
        self.fields["break_glass_user"].queryset = (
            get_user_model()
            .objects.filter(memberships__organization=organization, memberships__role=Role.ADMIN)
            .order_by("first_name", "last_name", "username")
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("require_sso") or "break_glass_user" in self.errors:
            return cleaned
        if self.provider is None or self.provider.status != ProviderStatus.LIVE:
            self.add_error("require_sso", NOT_LIVE if self.provider else NOT_LIVE_NONE)
            return cleaned
        break_glass = cleaned.get("break_glass_user")
        before = {
            "require_sso": self.policy.require_sso,
            "break_glass_user": self.policy.break_glass_user_id,
        }
        after = {"require_sso": True, "break_glass_user": break_glass.pk if break_glass else None}
        if tightens_sso(before, after) and not rules.session_admitted_by_sso(
            self.request, self.organization, after["break_glass_user"]
        ):
            self.add_error("require_sso", LOCKS_YOU_OUT.format(provider=self.provider.name))
        return cleaned
