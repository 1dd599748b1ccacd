from django import forms
from django.utils.text import slugify

from . import selectors
from .models import TIME_ZONE_CHOICES

RESERVED_SLUGS = {"admin", "api", "new", "static", "media", "accounts", "share", "o"}


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "Acme Corporation"}),
    )
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Address",
        help_text="Lower-case letters, digits and hyphens; used in URLs. Left empty, it is "
        "made from the name.",
        widget=forms.TextInput(attrs={"placeholder": "acme"}),
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        initial="UTC",
        help_text="Incident times are shown in this time zone.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the organization a name.")
        return name

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        slug = cleaned.get("slug") or slugify(cleaned["name"])[:50].strip("-")
        if not slug:
            self.add_error("slug", "Choose an address made of letters, digits or hyphens.")
        elif slug in RESERVED_SLUGS:
            self.add_error("slug", f"“{slug}” is reserved; choose another address.")
        elif selectors.slug_is_taken(slug):
            self.add_error("slug", f"The address “{slug}” is already taken.")
        cleaned["slug"] = slug
        return cleaned
