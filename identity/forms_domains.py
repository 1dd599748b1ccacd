"""The form that adds an email domain."""

from django import forms

from .domains import MAX_DOMAIN_LENGTH, is_public_mail_domain, normalize_domain


class EmailDomainForm(forms.Form):
    domain = forms.CharField(
        label="Domain",
        help_text="The part after the @ in your people's email addresses, e.g. example.com.",
        error_messages={"required": "Enter a domain, such as example.com."},
        widget=forms.TextInput(
            attrs={
                "maxlength": MAX_DOMAIN_LENGTH,
                "autocapitalize": "none",
                "spellcheck": "false",
                "placeholder": "example.com",
            }
        ),
    )

    def clean_domain(self) -> str:
        domain = normalize_domain(self.cleaned_data["domain"])
        if is_public_mail_domain(domain):
            raise forms.ValidationError(
                f"{domain} is a public mail domain: anyone can have an address there."
            )
        return domain
