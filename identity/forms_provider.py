"""The "Sign-in" settings forms: the identity provider, and its group → role mapping."""

from django import forms
from django.forms import formset_factory

from organizations.roles import Role

from .models import IdentityProvider, Protocol
from .services_provider import CONNECTION_FIELDS, OTHER_FIELDS

SECRET_HELP = "Saved, and never shown again. Type a new one to replace it; leave blank to keep it."  # noqa: S105


class HttpsURLField(forms.URLField):
    """A URL typed without its scheme is taken as https (an identity provider's always is)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class ProviderForm(forms.ModelForm):
    """What an admin says about their provider. The client secret is write-only: it is never
    rendered back, and left blank it keeps the saved one."""

    protocol = forms.ChoiceField(
        choices=Protocol.choices, widget=forms.RadioSelect, label="Protocol"
    )
    client_secret = forms.CharField(
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label="Client secret",
    )

    class Meta:
        model = IdentityProvider
        fields = OTHER_FIELDS + CONNECTION_FIELDS
        labels = {
            "name": "Display name",
            "groups_claim": "Groups claim or attribute",
            "issuer_url": "Issuer URL",
            "client_id": "Client ID",
            "idp_metadata_url": "IdP metadata URL",
            "idp_metadata_xml": "IdP metadata XML",
            "idp_entity_id": "IdP entity ID",
            "idp_sso_url": "IdP single sign-on URL",
            "idp_certificate": "IdP signing certificate",
        }
        help_texts = {
            "issuer_url": "Its discovery document is read when you save.",
            "scopes": "Space-separated; openid is required.",
            "idp_metadata_url": "Or paste the metadata below, or give the three fields after it.",
            "idp_metadata_xml": "Read into the entity ID, SSO URL and certificate when saved.",
        }
        widgets = {
            "idp_metadata_xml": forms.Textarea(attrs={"rows": 4}),
            "idp_certificate": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {
            "issuer_url": HttpsURLField,
            "idp_metadata_url": HttpsURLField,
            "idp_sso_url": HttpsURLField,
        }

    def __init__(self, *args, has_secret: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret
        if has_secret:
            self.fields["client_secret"].help_text = SECRET_HELP
        self.initial.pop("client_secret", None)

    def clean(self) -> dict:
        data = super().clean()
        protocol = data.get("protocol")
        if protocol == Protocol.OIDC:
            self._require("issuer_url", "Give the provider's issuer URL.")
            self._require("client_id", "Give the client ID the provider issued.")
            if not self.has_secret:
                self._require("client_secret", "Give the client secret the provider issued.")
            scopes = (data.get("scopes") or "").split()
            if scopes and "openid" not in scopes:
                self.add_error("scopes", "Include the openid scope.")
            data["scopes"] = " ".join(scopes) or "openid email profile"
        elif protocol == Protocol.SAML and not (
            data.get("idp_metadata_url") or data.get("idp_metadata_xml")
        ):
            for field in ("idp_entity_id", "idp_sso_url", "idp_certificate"):
                self._require(
                    field,
                    "Give the metadata URL or XML, or the entity ID, SSO URL and certificate.",
                )
        return data

    def _require(self, field: str, message: str) -> None:
        if not self.cleaned_data.get(field) and field not in self.errors:
            self.add_error(field, message)


class MappingForm(forms.Form):
    group = forms.CharField(max_length=255, required=False, label="Group")
    role = forms.CharField(max_length=16, required=False, label="Role")

    def clean(self) -> dict:
        data = super().clean()
        group, role = data.get("group", "").strip(), data.get("role", "")
        if not group and not role:
            return data
        if not group:
            self.add_error("group", "Name the group.")
        if role not in Role.values:
            self.add_error("role", f"Choose one of: {', '.join(Role.labels)}.")
        data["group"] = group
        return data


class BaseMappingFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen = set()
        for form in self.forms:
            group = form.cleaned_data.get("group") if form.cleaned_data else None
            if not group or self._should_delete_form(form):
                continue
            if group in seen:
                form.add_error("group", f"“{group}” is mapped twice.")
            seen.add(group)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["group"], form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data.get("group") and not self._should_delete_form(form)
        ]


MappingFormSet = formset_factory(
    MappingForm, formset=BaseMappingFormSet, extra=1, can_delete=True, max_num=100
)
