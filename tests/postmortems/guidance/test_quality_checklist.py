"""The postmortem quality checklist, computed from plain data: each item passing and failing,
what the details say, and the score."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from postmortems import builtin_templates
from postmortems.guidance.quality import (
    ChecklistItem,
    count_language_findings,
    failing,
    lessons_in_body,
    quality_checklist,
    quality_score,
)
from postmortems.guidance.section_text import has_prose, section_written
from postmortems.models import Section

T0 = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
INCIDENT_TIMES = {
    "detected_at": T0,
    "acknowledged_at": T0,
    "mitigated_at": T0,
    "resolved_at": T0,
}
ROOT_CAUSE = (
    "**What failed:** the payments database rejected inserts.\n\n"
    "**Why it failed:** a migration added a NOT NULL column without a default.\n\n"
    "**Why it wasn't caught sooner:** CI runs migrations against an empty database."
)
LESSONS = (
    "### What went well\n\n- The error-rate alert paged within three minutes.\n\n"
    "### What went poorly\n\n- The canary could not see a partial failure.\n\n"
    "### Where we got lucky\n\n- The migration had reached only some replicas."
)
OWNED = (7, date(2026, 4, 1), "Alert fires on a 2% error rate for 5 minutes", "OPEN")


def sections(**overrides) -> list[dict]:
    """A Standard postmortem, written out; ``key=None`` drops a section, ``key={...}`` changes
    some of its fields."""
    base = {
        "summary": {"kind": "markdown", "body": "Checkout payments failed for 43 minutes."},
        "timeline": {
            "kind": "timeline",
            "body": "",
            "data": {"rows": [{"time": "", "event": "Deploy of v2.3.1", "actor": "CI"}]},
        },
        "root-cause": {"kind": "markdown", "title": "Root cause", "body": ROOT_CAUSE},
        "contributing-factors": {
            "kind": "contributing_factors",
            "title": "Contributing factors",
            "body": "",
            "data": {
                "factors": [
                    {"title": "Migrations tested on an empty database", "description": ""},
                    {"title": "", "description": "Canary threshold blind to partial failure"},
                    {"title": "", "description": ""},
                ]
            },
        },
        "lessons-learned": {"kind": "markdown", "title": "Lessons learned", "body": LESSONS},
        "action-items": {"kind": "action_items", "title": "Action items", "body": ""},
        "linked-evidence": {"kind": "links", "title": "Linked evidence", "body": ""},
    }
    for key, change in overrides.items():
        key = key.replace("_", "-")
        if change is None:
            base.pop(key)
        else:
            base[key] = {**base[key], **change}
    return [{"key": key, "title": key.title(), **fields} for key, fields in base.items()]


def checklist(**kwargs) -> dict[str, ChecklistItem]:
    arguments = {
        "sections": sections(),
        "timeline_kinds": {"ALERT", "ACTION", "STATUS_CHANGE"},
        "incident_status_times": INCIDENT_TIMES,
        "action_items": [OWNED],
        "root_cause_category": "CONFIGURATION_ERROR",
        "evidence_link_count": 2,
        "language_findings_count": 0,
        **kwargs,
    }
    return {item.key: item for item in quality_checklist(**arguments)}


def test_a_complete_postmortem_passes_every_item_in_order():
    items = quality_checklist(
        sections=sections(),
        timeline_kinds={"ALERT", "ACTION"},
        incident_status_times=INCIDENT_TIMES,
        action_items=[OWNED],
        root_cause_category="CONFIGURATION_ERROR",
        evidence_link_count=1,
        language_findings_count=0,
    )
    assert [item.key for item in items] == [
        "blameless",
        "timeline",
        "root_cause",
        "contributing_factors",
        "action_items",
        "lessons",
        "evidence",
    ]
    assert all(item.passed for item in items), failing(items)
    assert all(item.label and item.detail for item in items)
    assert quality_score(items) == 100
    assert failing(items) == []


# --- Blameless wording -------------------------------------------------------------------------


def test_blameless_wording_fails_with_undismissed_findings():
    assert checklist()["blameless"].passed
    item = checklist(language_findings_count=2)["blameless"]
    assert not item.passed
    assert item.detail.startswith("2 phrases read as blame or hindsight")
    assert checklist(language_findings_count=1)["blameless"].detail.startswith("1 phrase reads")


def test_language_findings_are_counted_over_bodies_and_structured_rows():
    document = sections(
        summary={"body": "The root cause was human error."},
        timeline={"data": {"rows": [{"event": "Bob broke the build", "actor": "Bob"}]}},
        root_cause={"body": "```\nhuman error\n```"},
    )
    assert count_language_findings(document) == 2
    assert count_language_findings(document, people=["Bob"]) == 2
    from postmortems.language.rules import check, dismissal_key

    [finding] = check("The root cause was human error.")
    assert count_language_findings(document, dismissed={dismissal_key(finding)}) == 1


# --- Timeline ----------------------------------------------------------------------------------


def test_timeline_complete_from_the_incident_timestamps_alone():
    item = checklist(timeline_kinds=set(), sections=sections(timeline=None))["timeline"]
    assert item.passed
    assert item.detail == "Detection, response and resolution are all on the timeline."


def test_timeline_complete_from_entry_kinds_and_row_words():
    rows = [
        {"event": "Error rate above 5% alert fired"},
        {"event": "Rolled back to v2.3.0"},
        {"event": "Checkout recovered; incident resolved"},
    ]
    item = checklist(
        timeline_kinds=set(),
        incident_status_times=None,
        sections=sections(timeline={"data": {"rows": rows}}),
    )["timeline"]
    assert item.passed
    item = checklist(
        timeline_kinds={"DETECTION", "DECISION"},
        incident_status_times={"resolved_at": T0},
        sections=sections(timeline=None),
    )["timeline"]
    assert item.passed


def test_timeline_names_the_missing_phases():
    item = checklist(
        timeline_kinds={"ALERT", "DEPLOY", "NOTE"},
        incident_status_times={"detected_at": T0, "acknowledged_at": None},
    )["timeline"]
    assert not item.passed
    assert item.detail == "Missing from the timeline: response and resolution."
    item = checklist(timeline_kinds=set(), incident_status_times=None)["timeline"]
    assert not item.passed
    assert item.detail.startswith("No timeline yet")


def test_timeline_accepts_the_incident_object():
    incident = SimpleNamespace(
        detected_at=T0, acknowledged_at=None, mitigated_at=T0, resolved_at=None
    )
    item = checklist(timeline_kinds=set(), incident_status_times=incident)["timeline"]
    assert not item.passed
    assert item.detail == "Missing from the timeline: resolution."


# --- Root cause --------------------------------------------------------------------------------


def test_root_cause_needs_a_category_and_written_text():
    assert checklist()["root_cause"].detail == "Category: Configuration error."
    item = checklist(root_cause_category="")["root_cause"]
    assert not item.passed and item.detail == "Choose a root-cause category."
    template_text = builtin_templates.ROOT_CAUSE.default_text
    item = checklist(sections=sections(root_cause={"body": template_text}))["root_cause"]
    assert not item.passed and item.detail == "Write the root cause."  # scaffolding is no answer
    item = checklist(sections=sections(root_cause={"body": ""}))["root_cause"]
    assert not item.passed and item.detail == "Write the root cause."
    item = checklist(sections=sections(root_cause=None), root_cause_category="")["root_cause"]
    assert item.detail == "Choose a root-cause category; add a root-cause section."


def test_root_cause_answered_in_the_five_whys_or_the_lightweight_section():
    whys = {"whys": [{"why": "Why did checkout fail?", "because": "Inserts were rejected."}]}
    five_whys = {"key": "five-whys", "kind": "five_whys", "body": "", "data": whys}
    document = [*sections(root_cause={"body": ""}), five_whys]
    assert checklist(sections=document)["root_cause"].passed
    lightweight = [s for s in sections() if s["key"] != "root-cause"] + [
        {"key": "what-happened-and-why", "kind": "markdown", "body": "The pool filled up."}
    ]
    assert checklist(sections=lightweight)["root_cause"].passed


def test_a_body_still_as_generated_is_not_written():
    generated = "Payments failed after release v2.3.1."
    document = sections(root_cause={"body": generated})
    assert checklist(sections=document)["root_cause"].passed
    item = checklist(sections=document, created_bodies={"root-cause": generated})["root_cause"]
    assert not item.passed


# --- Contributing factors ----------------------------------------------------------------------


def test_contributing_factors_count_rows_with_content():
    item = checklist()["contributing_factors"]
    assert item.passed and item.detail == "2 factors listed."


def test_contributing_factors_fail_when_empty_or_missing():
    empty = sections(
        contributing_factors={
            "body": builtin_templates.CONTRIBUTING_FACTORS_SECTION.default_text,
            "data": {"factors": []},
        }
    )
    item = checklist(sections=empty)["contributing_factors"]
    assert not item.passed and item.detail == "No contributing factors listed yet."
    item = checklist(sections=sections(contributing_factors=None))["contributing_factors"]
    assert not item.passed and item.detail.startswith("No contributing-factors section")


def test_contributing_factors_written_as_markdown():
    markdown = sections(
        contributing_factors={
            "kind": "markdown",
            "body": "- Migrations are tested on an empty database\n- No canary on relative rates",
            "data": {},
        }
    )
    item = checklist(sections=markdown)["contributing_factors"]
    assert item.passed and item.detail == "Described in the section text."


# --- Action items ------------------------------------------------------------------------------


def test_action_items_each_need_an_owner_a_due_date_and_success_criteria():
    items = [
        OWNED,
        (None, date(2026, 4, 1), "Runbook exists", "IN_PROGRESS"),
        (3, None, "Alert exists", "OPEN"),
        (4, None, "  ", "COMPLETED"),
    ]
    item = checklist(action_items=items)["action_items"]
    assert not item.passed
    assert item.detail == (
        "1 action item has no owner; 2 action items have no due date; "
        "1 action item has no success criteria."
    )


def test_wont_do_items_are_left_out():
    wont_do = (None, None, "", "WONT_DO")
    item = checklist(action_items=[OWNED, wont_do])["action_items"]
    assert item.passed
    assert item.detail == "1 action item, with an owner, a due date and success criteria."
    item = checklist(action_items=[wont_do])["action_items"]
    assert not item.passed and item.detail == "Every action item is marked won't do."
    item = checklist(action_items=[])["action_items"]
    assert not item.passed and item.detail == "No action items yet."


def test_action_items_as_dicts_or_objects():
    as_dict = dict(zip(("owner_id", "due_date", "success_criteria", "status"), OWNED, strict=True))
    as_object = SimpleNamespace(owner_id=None, due_date=date(2026, 4, 1), success_criteria="x")
    as_object.status = "OPEN"
    item = checklist(action_items=[as_dict, as_dict, as_object])["action_items"]
    assert item.detail == "1 action item has no owner."


# --- Lessons learned ---------------------------------------------------------------------------


def test_lessons_learned_under_headings():
    assert checklist()["lessons"].passed
    assert lessons_in_body(LESSONS) == {"what went well", "what went poorly", "where we got lucky"}


def test_lessons_learned_names_the_parts_still_placeholder():
    body = builtin_templates.LESSONS_LEARNED.default_text.replace(
        "- _An alert, runbook or habit that helped_", "- Paging worked within two minutes"
    )
    item = checklist(sections=sections(lessons_learned={"body": body}))["lessons"]
    assert not item.passed
    assert item.detail == "Not written yet: what went poorly, where we got lucky."
    untouched = builtin_templates.LESSONS_LEARNED.default_text
    item = checklist(sections=sections(lessons_learned={"body": untouched}))["lessons"]
    assert item.detail == ("Not written yet: what went well, what went poorly, where we got lucky.")


def test_lessons_learned_as_labels_on_the_same_line():
    body = (
        "**What went well:** detection took two minutes.\n"
        "**What went poorly:** the runbook had no rollback step.\n"
        "**Where we got lucky:**\n- It happened outside the evening peak."
    )
    assert lessons_in_body(body) == {"what went well", "what went poorly", "where we got lucky"}
    assert lessons_in_body("**What went well:**\n\n### Next\n\nSomething else.") == set()


def test_lessons_learned_in_separate_sections_like_comprehensive():
    comprehensive = [s for s in sections() if s["key"] != "lessons-learned"] + [
        {"key": "went-well", "title": "What went well", "kind": "markdown", "body": "- Fast page"},
        {"key": "went-poorly", "title": "What went poorly", "kind": "markdown", "body": "- Slow"},
        {"key": "got-lucky", "title": "Where we got lucky", "kind": "markdown", "body": "- _x_"},
    ]
    item = checklist(sections=comprehensive)["lessons"]
    assert not item.passed and item.detail == "Not written yet: where we got lucky."
    comprehensive[-1]["body"] = "- Low traffic at the time"
    assert checklist(sections=comprehensive)["lessons"].passed


def test_no_lessons_section_at_all():
    item = checklist(sections=sections(lessons_learned=None))["lessons"]
    assert not item.passed and item.detail.startswith("No lessons-learned section")


# --- Evidence ----------------------------------------------------------------------------------


def test_evidence_from_incident_links_or_a_links_section():
    assert checklist(evidence_link_count=2)["evidence"].detail == "2 links to supporting evidence."
    item = checklist(evidence_link_count=0)["evidence"]
    assert not item.passed and item.detail.startswith("No evidence linked")
    written = sections(
        linked_evidence={"body": "- [Error-rate dashboard](https://grafana.example.com/d/1)"}
    )
    item = checklist(evidence_link_count=0, sections=written)["evidence"]
    assert item.passed and item.detail == "1 link to supporting evidence."


def test_generated_links_are_not_counted_twice():
    body = "### Alerts\n\n- [Checkout 5xx](https://alerts.example.com/1) — caused by"
    document = sections(linked_evidence={"body": body + "\n- https://logs.example.com/q"})
    item = checklist(
        evidence_link_count=1, sections=document, created_bodies={"linked-evidence": body}
    )["evidence"]
    assert item.detail == "2 links to supporting evidence."


# --- Sections, score ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "prose"),
    [
        ("", False),
        ("_What happened, who was affected and how it was resolved._", False),
        ("**What failed:** _the component_\n\n**Why it failed:** _the reason_", False),
        ("### What went well\n\n- _An alert_\n\n- [ ] _date_", False),
        ("[Name] — [Date]", False),
        ("**What failed:** the payments database", True),
        ("The pool filled up at 18:02.", True),
        ("**Rolling back beat hotfixing.**", True),
    ],
)
def test_scaffolding_is_not_prose(body, prose):
    assert has_prose(body) is prose


def test_sections_may_be_model_instances():
    section = Section(key="root-cause", title="Root cause", kind="markdown", body=ROOT_CAUSE)
    assert section_written(section)
    assert not section_written(section, created_body=ROOT_CAUSE)
    timeline = Section(key="timeline", kind="timeline", body="", data={"rows": [{"event": "x"}]})
    assert section_written(timeline)
    assert checklist(sections=[section, timeline])["root_cause"].passed


def test_an_untouched_standard_template_fails_the_writing_items():
    document = [
        {"key": s.key, "title": s.title, "kind": s.kind, "body": s.default_text}
        for s in builtin_templates.STANDARD.sections
    ]
    items = checklist(sections=document, action_items=[], evidence_link_count=0)
    assert [key for key, item in items.items() if not item.passed] == [
        "root_cause",
        "contributing_factors",
        "action_items",
        "lessons",
        "evidence",
    ]
    assert quality_score(items.values()) == 29


def test_the_score_is_the_share_passed_rounded_half_up():
    def items(passed: int, total: int) -> list[ChecklistItem]:
        return [ChecklistItem(str(i), "x", i < passed, "") for i in range(total)]

    assert quality_score(items(7, 7)) == 100
    assert quality_score(items(5, 7)) == 71
    assert quality_score(items(1, 8)) == 13
    assert quality_score(items(0, 7)) == 0
    assert quality_score([]) == 0
    assert [item.key for item in failing(items(5, 7))] == ["5", "6"]
