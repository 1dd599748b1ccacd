"""The shipped templates: shape, valid kinds and variables, the Comprehensive structure (DESIGN §2)
and the severity defaults. Plain data, no database."""

import dataclasses
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from incidents.models import Severity
from postmortems.builtin_templates import (
    BUILTIN_TEMPLATES,
    BuiltinSection,
    BuiltinTemplate,
    builtin_default_for_severity,
    get_builtin_template,
)
from postmortems.models import SectionKind
from postmortems.variables import VARIABLE_PATTERN, VARIABLES, validate_template_text

SECTIONS = [
    pytest.param(template, section, id=f"{template.key}/{section.key}")
    for template in BUILTIN_TEMPLATES
    for section in template.sections
]
SUMMARY_KEYS = {"summary", "executive-summary"}


def sections_by_key(template: BuiltinTemplate) -> dict[str, BuiltinSection]:
    return {section.key: section for section in template.sections}


def test_the_four_builtins_exist_with_distinct_names():
    keys = [template.key for template in BUILTIN_TEMPLATES]
    assert keys == ["standard", "comprehensive", "lightweight", "security"]
    names = [template.name for template in BUILTIN_TEMPLATES]
    assert len(set(names)) == len(names)
    assert get_builtin_template("security").name == "Security incident"
    with pytest.raises(KeyError):
        get_builtin_template("nope")


def test_builtins_fit_the_model_fields():
    for template in BUILTIN_TEMPLATES:
        assert slugify(template.key) == template.key and len(template.key) <= 40
        assert 0 < len(template.name) <= 120
        assert 0 < len(template.description) <= 300
        assert template.sections
        assert isinstance(template.sections, tuple)


def test_builtins_are_immutable():
    template = BUILTIN_TEMPLATES[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.name = "Changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.sections[0].title = "Changed"


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t.key)
def test_section_keys_are_unique_slugs(template):
    keys = [section.key for section in template.sections]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert slugify(key) == key
        assert 0 < len(key) <= 60


@pytest.mark.parametrize(("template", "section"), SECTIONS)
def test_section_is_well_formed(template, section):
    assert section.kind in SectionKind.values
    assert 0 < len(section.title) <= 120
    assert section.default_text.strip()
    assert section.helper_prompt.strip()
    # A helper prompt is a short nudge, one to three sentences.
    assert len(section.helper_prompt) <= 420
    assert len(re.findall(r"[.?!][\"']?(?:\s+[A-Z\"]|$)", section.helper_prompt)) <= 3


@pytest.mark.parametrize(("template", "section"), SECTIONS)
def test_texts_use_only_known_variables_and_no_engine_syntax(template, section):
    validate_template_text(section.default_text, field="default_text")
    validate_template_text(section.helper_prompt, field="helper_prompt")
    # Every {{ … }} is spelled exactly as in the table, without inner spaces.
    for match in VARIABLE_PATTERN.finditer(section.default_text + section.helper_prompt):
        assert match.group(0) == "{{" + match.group(1) + "}}"
        assert match.group(1) in VARIABLES


def test_validation_would_catch_a_bad_variable():
    """The check the texts pass is a real one."""
    with pytest.raises(ValidationError):
        validate_template_text("{{incident.owner}}")
    with pytest.raises(ValidationError):
        validate_template_text("{% if x %}")


def test_severity_defaults():
    expected = {"SEV1": "comprehensive", "SEV2": "standard", "SEV3": "lightweight"}
    expected["SEV4"] = "lightweight"
    for severity in Severity.values:
        owners = [t.key for t in BUILTIN_TEMPLATES if severity in t.default_for_severities]
        assert owners == [expected[severity]], severity
        assert builtin_default_for_severity(severity).key == expected[severity]
    assert get_builtin_template("security").default_for_severities == ()
    assert builtin_default_for_severity("SEV9") is None
    for template in BUILTIN_TEMPLATES:
        assert set(template.default_for_severities) <= set(Severity.values)


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda t: t.key)
def test_every_template_requires_summary_timeline_and_action_items(template):
    required = [section for section in template.sections if section.required]
    assert any(section.key in SUMMARY_KEYS for section in required)
    assert any(
        section.kind == SectionKind.TIMELINE and "{{incident.timeline}}" in section.default_text
        for section in required
    )
    assert any(section.kind == SectionKind.ACTION_ITEMS for section in required)
    assert template.sections[0].key in SUMMARY_KEYS


def test_standard_structure():
    sections = sections_by_key(get_builtin_template("standard"))
    expected_kinds = {
        "summary": SectionKind.MARKDOWN,
        "impact": SectionKind.IMPACT,
        "timeline": SectionKind.TIMELINE,
        "root-cause": SectionKind.MARKDOWN,
        "contributing-factors": SectionKind.CONTRIBUTING_FACTORS,
        "five-whys": SectionKind.FIVE_WHYS,
        "lessons-learned": SectionKind.MARKDOWN,
        "action-items": SectionKind.ACTION_ITEMS,
        "linked-evidence": SectionKind.LINKS,
    }
    assert {key: s.kind for key, s in sections.items()} == expected_kinds
    assert {key for key, s in sections.items() if s.required} == {
        "summary",
        "timeline",
        "root-cause",
        "action-items",
    }
    for heading in ("What went well", "What went poorly", "Where we got lucky"):
        assert heading in sections["lessons-learned"].default_text
    evidence = sections["linked-evidence"].default_text
    for variable in ("{{incident.alerts}}", "{{incident.errors}}", "{{incident.releases}}"):
        assert variable in evidence


def test_comprehensive_follows_design_section_2():
    template = get_builtin_template("comprehensive")
    sections = sections_by_key(template)
    expected = [
        ("executive-summary", "Executive summary", SectionKind.MARKDOWN),
        ("impact-assessment", "Impact assessment", SectionKind.IMPACT),
        ("timeline", "Timeline", SectionKind.TIMELINE),
        ("contributing-factors", "Contributing factors", SectionKind.CONTRIBUTING_FACTORS),
        ("five-whys", "Five whys", SectionKind.FIVE_WHYS),
        ("root-cause", "Root cause summary", SectionKind.MARKDOWN),
        ("went-well", "What went well", SectionKind.MARKDOWN),
        ("went-poorly", "What went poorly", SectionKind.MARKDOWN),
        ("got-lucky", "Where we got lucky", SectionKind.MARKDOWN),
        ("actions-immediate", "Immediate actions", SectionKind.ACTION_ITEMS),
        ("actions-short-term", "Short-term actions", SectionKind.ACTION_ITEMS),
        ("actions-long-term", "Long-term actions", SectionKind.ACTION_ITEMS),
        ("prevention-measures", "Prevention measures", SectionKind.MARKDOWN),
        ("participants", "Participants", SectionKind.MARKDOWN),
        ("linked-evidence", "Linked evidence", SectionKind.LINKS),
        ("metrics", "Metrics", SectionKind.METRICS),
        ("document-history", "Document history", SectionKind.MARKDOWN),
    ]
    assert [section.key for section in template.sections] == [key for key, _, _ in expected]
    for key, title, kind in expected:
        assert sections[key].title.startswith(title), key
        assert sections[key].kind == kind, key

    # The three levels of contributing factors are explained to the writer.
    factors = sections["contributing-factors"].helper_prompt.lower()
    for level in ("primary", "secondary", "environmental"):
        assert level in factors
    # Prevention measures by detection, prevention and response.
    prevention = sections["prevention-measures"].default_text
    for heading in ("### Detection", "### Prevention", "### Response"):
        assert heading in prevention
    assert "- [ ]" in prevention
    # Participants and metrics are pre-filled from the incident.
    participants = sections["participants"].default_text
    assert "{{incident.commander}}" in participants
    assert "{{incident.participants}}" in participants
    metrics = sections["metrics"].default_text
    assert "{{metrics.errorRate}}" in metrics
    assert "{{metrics.latency}}" in metrics
    # History is kept by Hindsight, not by hand.
    assert "History page" in sections["document-history"].helper_prompt
    # More than the essentials are required in the comprehensive review.
    required = {key for key, section in sections.items() if section.required}
    assert {
        "executive-summary",
        "impact-assessment",
        "timeline",
        "contributing-factors",
        "five-whys",
        "root-cause",
        "actions-immediate",
    } <= required


def test_action_item_prompts_ask_for_smart_items():
    for template in BUILTIN_TEMPLATES:
        prompts = " ".join(
            s.helper_prompt for s in template.sections if s.kind == SectionKind.ACTION_ITEMS
        )
        assert "SMART" in prompts or "owner" in prompts, template.key


def test_lightweight_is_short():
    template = get_builtin_template("lightweight")
    assert [section.key for section in template.sections] == [
        "summary",
        "timeline",
        "what-happened-and-why",
        "action-items",
    ]
    assert all(section.required for section in template.sections)


def test_security_structure():
    sections = sections_by_key(get_builtin_template("security"))
    for key in (
        "summary",
        "detection-and-scope",
        "timeline",
        "attack-vector",
        "containment-and-eradication",
        "data-and-customer-impact",
        "notification-obligations",
        "root-cause",
        "contributing-factors",
        "action-items",
        "lessons-learned",
    ):
        assert key in sections
    assert sections["data-and-customer-impact"].kind == SectionKind.IMPACT
    assert sections["contributing-factors"].kind == SectionKind.CONTRIBUTING_FACTORS
    notifications = sections["notification-obligations"]
    assert notifications.required
    assert notifications.default_text.count("- [ ]") >= 5
    assert "Regulators" in notifications.default_text
    assert "customers" in notifications.default_text


def test_prompts_are_blameless():
    """No prompt asks who did it; several ask what allowed it or how it made sense."""
    prompts = [s.helper_prompt for t in BUILTIN_TEMPLATES for s in t.sections]
    joined = " ".join(prompts).lower()
    assert "who caused" not in joined
    assert "what allowed" in joined
    assert "made sense at the time" in joined or "make sense at the time" in joined
