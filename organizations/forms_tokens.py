from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

EXPIRY_CHOICES = [
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("date", "On a date…"),
    ("never", "Never"),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        error_messages={"required": "Give the token a name, so you recognise it later."},
        help_text="What uses it, e.g. “CI pipeline” or “PagerDuty sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "CI pipeline"}),
    )
    expiry = forms.ChoiceField(choices=EXPIRY_CHOICES, initial="90", label="Expires")
    expires_on = forms.DateField(
        required=False,
        label="Expiry date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only when “On a date…” is chosen. The token stops working at midnight.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expiry") == "date":
            expires_on = cleaned.get("expires_on")
            today = timezone.localdate()
            if expires_on is None:
                self.add_error("expires_on", "Choose the day the token should stop working.")
            elif expires_on <= today:
                self.add_error("expires_on", "Choose a day after today.")
            elif expires_on > today + timedelta(days=3 * 365):
                self.add_error("expires_on", "Choose a day within three years.")
        return cleaned

    def expires_at(self) -> datetime | None:
        expiry = self.cleaned_data["expiry"]
        if expiry == "never":
            return None
        if expiry == "date":
            day = self.cleaned_data["expires_on"] + timedelta(days=1)
            return timezone.make_aware(datetime.combine(day, time.min))
        return timezone.now() + timedelta(days=int(expiry))
