"""The sign-in page's first step when company sign-in exists: who is signing in."""

from django import forms

LOGIN_MAX_LENGTH = 254


class IdentifyForm(forms.Form):
    """One field: an email (which may lead to a company's identity provider) or a username."""

    login = forms.CharField(
        label="Email or username",
        max_length=LOGIN_MAX_LENGTH,
        error_messages={
            "required": "Enter your email address or username.",
            "max_length": f"An email address or username has at most {LOGIN_MAX_LENGTH} "
            "characters.",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def clean_login(self) -> str:
        return self.cleaned_data["login"].strip()
