from django import forms

from .forms_expiry import ExpiryForm

EXPIRY_CHOICES = [
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("date", "On a date…"),
    ("never", "Never"),
]


class ApiTokenForm(ExpiryForm):
    THING = "token"

    name = forms.CharField(
        max_length=80,
        error_messages={"required": "Give the token a name, so you recognise it later."},
        help_text="What uses it, e.g. “CI pipeline” or “PagerDuty sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "CI pipeline"}),
    )
    expiry = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires")
    field_order = ["name", "expiry", "expires_on"]
