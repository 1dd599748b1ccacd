"""Forms of the template designer. They parse and check input; the services write."""

from django import forms
from django.core.exceptions import ValidationError

from incidents.models import Incident
from postmortems.designer.selectors import SAMPLE, SEVERITIES
from postmortems.designer.services import name_taken
from postmortems.models import SectionKind, Template, TemplateSection
from postmortems.variables import validate_template_text

DEFAULT_TEXT_MAX = 20_000
HELPER_PROMPT_MAX = 2_000


def _text_area(rows: int, placeholder: str) -> forms.Textarea:
    return forms.Textarea(
        attrs={
            "rows": rows,
            "placeholder": placeholder,
            "class": "designer-text",
            "data-variable-target": "",
            "spellcheck": "true",
        }
    )


class TemplateNameMixin:
    """Names are unique in the organization, whatever their case."""

    organization = None
    instance: Template | None = None

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if name_taken(organization=self.organization, name=name, exclude=self.instance):
            raise ValidationError(f"A template named “{name}” already exists.")
        return name


class TemplateCreateForm(TemplateNameMixin, forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        max_length=300,
        required=False,
        help_text="What the template is for, shown when writers pick a template.",
    )
    start_from = forms.TypedChoiceField(
        label="Start from",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Copy another template's sections, or start with none.",
    )

    def __init__(self, *args, organization, templates: list[Template], **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.templates = {t.pk: t for t in templates}
        self.fields["start_from"].choices = [("", "A blank template")] + [
            (t.pk, f"{t.name} (retired)" if t.retired_at else t.name) for t in templates
        ]

    def clean_start_from(self) -> Template | None:
        pk = self.cleaned_data["start_from"]
        return self.templates.get(pk) if pk is not None else None


class TemplateDetailsForm(TemplateNameMixin, forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, template: Template, **kwargs):
        kwargs.setdefault("initial", {"name": template.name, "description": template.description})
        super().__init__(*args, **kwargs)
        self.organization = template.organization
        self.instance = template


class SectionForm(forms.Form):
    title = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=SectionKind.choices, initial=SectionKind.MARKDOWN)
    required = forms.BooleanField(
        required=False, label="Required", help_text="Must be filled before submitting for review."
    )
    default_text = forms.CharField(
        label="Default text",
        required=False,
        max_length=DEFAULT_TEXT_MAX,
        strip=False,
        widget=_text_area(6, "Markdown; variables such as {{incident.title}} are filled in."),
        help_text="Starts the section in every new postmortem, variables filled in.",
    )
    helper_prompt = forms.CharField(
        label="Helper prompt",
        required=False,
        max_length=HELPER_PROMPT_MAX,
        widget=_text_area(3, "A question or hint shown to writers next to the section."),
        help_text="Shown to writers beside the section; never part of the document.",
    )

    def __init__(self, *args, section: TemplateSection | None = None, **kwargs):
        if section is not None:
            kwargs.setdefault("prefix", f"s{section.pk}")
            kwargs.setdefault(
                "initial",
                {
                    "title": section.title,
                    "kind": section.kind,
                    "required": section.required,
                    "default_text": section.default_text,
                    "helper_prompt": section.helper_prompt,
                },
            )
        else:
            kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)

    def _template_text(self, field: str) -> str:
        text = self.cleaned_data[field]
        try:
            validate_template_text(text, field=field)
        except ValidationError as error:
            raise ValidationError(error.message_dict[field]) from None
        return text

    def clean_default_text(self) -> str:
        return self._template_text("default_text")

    def clean_helper_prompt(self) -> str:
        return self._template_text("helper_prompt")


class DefaultsForm(forms.Form):
    """One active template per severity."""

    def __init__(self, *args, templates: list[Template], current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.active = {t.pk: t for t in templates if t.retired_at is None}
        choices = [(pk, t.name) for pk, t in self.active.items()]
        for severity in SEVERITIES:
            default = current.get(severity)
            self.fields[severity] = forms.TypedChoiceField(
                label=severity,
                choices=choices,
                coerce=int,
                initial=default.pk if default else None,
            )

    def defaults(self) -> dict[str, Template]:
        return {severity: self.active[self.cleaned_data[severity]] for severity in SEVERITIES}


class PreviewForm(forms.Form):
    incident = forms.ChoiceField(label="Fill from", required=False)

    def __init__(self, *args, incidents: list[Incident], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [(SAMPLE, "Sample incident (made up)")] + [
            (i.ref, f"{i.ref} · {i.severity} · {i.title}") for i in incidents
        ]

    def ref(self) -> str:
        return self.cleaned_data.get("incident") or SAMPLE


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ReorderForm(forms.Form):
    order = forms.TypedMultipleChoiceField(coerce=int)

    def __init__(self, *args, sections: list[TemplateSection], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [(s.pk, s.pk) for s in sections]
