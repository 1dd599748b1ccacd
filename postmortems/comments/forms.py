"""The comment form: a new thread on a section (or on the whole document), or a reply.

The form checks the shape of the input and finds the parent among this postmortem's threads;
``comments.services.comment_add`` decides the rest (rights, status, length, the section) and its
``ValidationError`` is put back on the form's fields, so every refusal reads the same.
"""

from django import forms

from postmortems.comments.services import MAX_COMMENT_CHARS
from postmortems.models import Comment, Postmortem

SCOPES = ("section", "all")  # which threads an answer shows: one section's, or all


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=MAX_COMMENT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a comment first.",
            "max_length": f"Keep a comment under {MAX_COMMENT_CHARS:,} characters.",
        },
    )
    section = forms.CharField(required=False, max_length=60)
    parent = forms.ModelChoiceField(
        queryset=Comment.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Reply to a comment of this postmortem."},
    )

    def __init__(self, *args, postmortem: Postmortem, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this postmortem's threads (top-level comments) can be replied to: another
        # postmortem's or organization's comment id is an unknown choice.
        self.fields["parent"].queryset = Comment.objects.filter(
            postmortem=postmortem, parent__isnull=True
        )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise forms.ValidationError("Write a comment first.")
        return body
