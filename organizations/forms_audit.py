from django import forms

from .audit import AUDIT_GROUPS
from .validators import refuse_reversed_range


class AuditFilterForm(forms.Form):
    group = forms.ChoiceField(
        required=False, choices=[("", "All changes"), *AUDIT_GROUPS.items()], label="Kind"
    )
    actor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, actors: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", "Anyone"), *actors]

    def clean(self):
        cleaned = super().clean()
        refuse_reversed_range(self, "since", "until")
        return cleaned
