"""An optional expiry chosen from presets or a date: API tokens and public share links."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

LONGEST = timedelta(days=3 * 365)


class ExpiryForm(forms.Form):
    """Subclasses set ``expiry``'s choices and initial (day counts, ``"date"``, ``"never"``)
    and ``THING`` ("token", "link") for the messages."""

    THING = "it"

    expiry = forms.ChoiceField(choices=(), label="Expires")
    expires_on = forms.DateField(
        required=False,
        label="Expiry date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only with “On a date…”. It stops working at midnight.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expiry") == "date":
            day, today = cleaned.get("expires_on"), timezone.localdate()
            if day is None:
                self.add_error(
                    "expires_on", f"Choose the day the {self.THING} should stop working."
                )
            elif day <= today:
                self.add_error("expires_on", "Choose a day after today.")
            elif day > today + LONGEST:
                self.add_error("expires_on", "Choose a day within three years.")
        return cleaned

    def expires_at(self) -> datetime | None:
        """None for "never"; midnight after the chosen day (in the current time zone); or now
        plus the preset's days."""
        expiry = self.cleaned_data["expiry"]
        if expiry == "never":
            return None
        if expiry == "date":
            day = self.cleaned_data["expires_on"] + timedelta(days=1)
            return timezone.make_aware(datetime.combine(day, time.min))
        return timezone.now() + timedelta(days=int(expiry))
