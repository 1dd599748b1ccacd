"""Readable history: what changed in a structured section between two revisions, as rows added,
removed, changed and moved with local times, on the compare page and the review screen; never
the stored JSON."""

import re
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_scopes import scope

from organizations.models import Organization
from postmortems import services
from postmortems.models import Revision
from postmortems.read.changes import revision_changes
from postmortems.review import transitions
from tests.postmortems.read.helpers import XSS, XSS_CORPUS, assert_inert, new_postmortem, save, url
from tests.postmortems.review.helpers import html_of, in_review, text_of
from tests.postmortems.review.helpers import url as review_url

# --- The presenter ------------------------------------------------------------------------------


def revision(sections=(), title="Checkout outage") -> SimpleNamespace:
    return SimpleNamespace(snapshot={"title": title, "sections": list(sections)})


def section(kind: str, data, key: str | None = None, body: str = "") -> dict:
    key = key or kind.replace("_", "-")
    return {"key": key, "title": key.replace("-", " ").capitalize(), "kind": kind, "body": body,
            "data": data}  # fmt: skip


def changes_of(kind: str, old, new) -> list:
    """The row changes of one section of ``kind`` going from data ``old`` to ``new``."""
    found = revision_changes(revision([section(kind, old)]), revision([section(kind, new)]))
    return found[0].rows if found else []


def summary(rows) -> list[tuple]:
    return [(r.state, r.label, [(f.label, f.old, f.new) for f in r.fields]) for r in rows]


def event(time: str, text: str, actor: str = "", key: bool = False) -> dict:
    return {"time": time, "event": text, "actor": actor, "key": key}


class TestTimeline:
    def test_a_row_added_removed_and_changed_with_times_in_the_local_zone(self):
        old = {
            "rows": [
                event("2026-03-10T14:02:00+00:00", "Error rate above 5%", "Datadog"),
                event("2026-03-10T14:10:00+00:00", "Paged on-call"),
                event("2026-03-10T15:00:00+00:00", "Rolled back", "ann"),
            ]
        }
        new = {
            "rows": [
                event("2026-03-10T14:02:00+00:00", "Error rate above 5%", "Datadog"),
                event("2026-03-10T14:40:00+00:00", "Rolled back v2.3.1", "ann", key=True),
                event("2026-03-10T15:30:00+00:00", "Status page updated", "rita"),
            ]
        }
        with timezone.override("Europe/Berlin"):
            rows = changes_of("timeline", old, new)
        assert summary(rows) == [
            ("removed", "Mar 10, 2026, 15:10 · Paged on-call",
             [("Time", "Mar 10, 2026, 15:10", ""), ("Event", "Paged on-call", "")]),
            ("changed", "Mar 10, 2026, 15:40 · Rolled back v2.3.1",
             [("Time", "Mar 10, 2026, 16:00", "Mar 10, 2026, 15:40"),
              ("Event", "Rolled back", "Rolled back v2.3.1"),
              ("Key event", "", "Key event")]),
            ("added", "Mar 10, 2026, 16:30 · Status page updated",
             [("Time", "", "Mar 10, 2026, 16:30"), ("Event", "", "Status page updated"),
              ("Who", "", "rita")]),
        ]  # fmt: skip

    def test_empty_to_filled_is_every_row_added(self):
        new = {"rows": [event("2026-03-10T14:02:00Z", "A"), event("2026-03-10T14:05:00Z", "B")]}
        rows = changes_of("timeline", {"rows": []}, new)
        assert [(r.state, r.label) for r in rows] == [
            ("added", "Mar 10, 2026, 14:02 · A"),
            ("added", "Mar 10, 2026, 14:05 · B"),
        ]

    def test_unchanged_rows_are_counted_not_listed(self):
        same = [event(f"2026-03-10T14:{m:02d}:00Z", f"Step {m}") for m in range(10)]
        found = revision_changes(
            revision([section("timeline", {"rows": same})]),
            revision([section("timeline", {"rows": [*same, event("2026-03-10T15:00Z", "End")]})]),
        )
        assert [r.state for r in found[0].rows] == ["added"]
        assert found[0].unchanged == 10 and found[0].noun == "event"

    def test_events_at_the_same_minute_put_in_another_order_are_moved(self):
        a, b = event("2026-03-10T14:02:00Z", "Paged"), event("2026-03-10T14:02:00Z", "Declared")
        rows = changes_of("timeline", {"rows": [a, b]}, {"rows": [b, a]})
        assert [(r.state, r.label, r.was) for r in rows] == [
            ("moved", "Mar 10, 2026, 14:02 · Declared", "event 2")
        ]

    def test_a_long_timeline_compares_quickly(self):
        rows = [
            event(f"2026-03-10T{h:02d}:{m:02d}:00Z", f"Step {h}.{m}")
            for h in range(10)
            for m in range(60)
        ]
        shuffled = rows[300:] + rows[:300]
        changed = [
            {**r, "event": r["event"] + "!"} if i % 7 == 0 else r for i, r in enumerate(shuffled)
        ]
        found = changes_of("timeline", {"rows": rows}, {"rows": changed})
        assert sum(r.state == "changed" for r in found) == 86

    def test_an_unreadable_time_is_shown_as_written(self):
        rows = changes_of("timeline", {}, {"rows": [event("around lunch", "Someone noticed")]})
        assert summary(rows)[0][2][0] == ("Time", "", "around lunch")


class TestFiveWhys:
    def test_blank_placeholders_filled_in_are_whys_added(self):
        blank = {"whys": [{"why": "", "because": ""} for _ in range(5)]}
        filled = {
            "whys": [
                {"why": "Why did checkout fail?", "because": "The pool was exhausted."},
                *blank["whys"][1:],
            ]
        }
        assert summary(changes_of("five_whys", blank, filled)) == [
            ("added", "Why 1", [("Why?", "", "Why did checkout fail?"),
                                ("Because", "", "The pool was exhausted.")]),
        ]  # fmt: skip

    def test_a_reworded_answer_is_a_changed_why_with_old_and_new(self):
        first, second = (
            {"why": "Why?", "because": "Pool too small"},
            {"why": "And?", "because": "x"},
        )
        old = {"whys": [first, second]}
        new = {"whys": [{"why": "Why?", "because": "Pool too small for peak"}, old["whys"][1]]}
        assert summary(changes_of("five_whys", old, new)) == [
            ("changed", "Why 1", [("Because", "Pool too small", "Pool too small for peak")]),
        ]

    def test_reordering_says_which_why_moved_where(self):
        a, b, c = ({"why": f"Why {n}?", "because": f"Because {n}"} for n in "abc")
        rows = changes_of("five_whys", {"whys": [a, b, c]}, {"whys": [c, a, b]})
        assert [(r.state, r.label, r.was) for r in rows] == [("moved", "Why 1", "why 3")]

    def test_a_removed_why_shows_where_it_stood(self):
        a, b, c = ({"why": f"Why {n}?", "because": f"Because {n}"} for n in "abc")
        rows = changes_of("five_whys", {"whys": [a, b, c]}, {"whys": [a, c]})
        assert summary(rows) == [
            ("removed", "Why 2", [("Why?", "Why b?", ""), ("Because", "Because b", "")])
        ]


class TestContributingFactors:
    def test_factors_added_removed_and_changed_by_their_labels(self):
        pool = {"title": "Small pool", "description": "20 connections", "category": "config",
                "level": "primary"}  # fmt: skip
        alert = {"title": "No alert", "description": "", "category": "monitoring",
                 "level": "secondary"}  # fmt: skip
        review = {"title": "Rushed review", "description": "Friday", "category": "review",
                  "level": "environmental"}  # fmt: skip
        old = {"factors": [pool, alert]}
        new = {"factors": [{**pool, "level": "secondary", "category": "infrastructure"}, review]}
        assert summary(changes_of("contributing_factors", old, new)) == [
            ("changed", "Small pool",
             [("Level", "Primary", "Secondary"), ("Category", "Config", "Infrastructure")]),
            ("removed", "No alert",
             [("Factor", "No alert", ""), ("Level", "Secondary", ""),
              ("Category", "Monitoring", "")]),
            ("added", "Rushed review",
             [("Factor", "", "Rushed review"), ("Level", "", "Environmental"),
              ("Category", "", "Review"), ("What happened", "", "Friday")]),
        ]  # fmt: skip

    def test_reordered_factors_are_moved(self):
        one, two = ({"title": t, "description": "", "category": "code", "level": "primary"}
                    for t in ("One", "Two"))  # fmt: skip
        rows = changes_of("contributing_factors", {"factors": [one, two]}, {"factors": [two, one]})
        assert [(r.state, r.label, r.was) for r in rows] == [("moved", "Two", "factor 2")]


class TestImpact:
    def test_figures_show_old_and_new_in_words(self):
        old = {"users_affected": 1200, "revenue_impact": None, "sla_breached": False,
               "support_tickets": 4}  # fmt: skip
        new = {"users_affected": 3400, "revenue_impact": "12000.00", "sla_breached": True,
               "support_tickets": 4}  # fmt: skip
        assert summary(changes_of("impact", old, new)) == [
            ("changed", "Figures", [("Users affected", "1,200", "3,400"),
                                    ("Revenue impact", "", "$12,000"),
                                    ("SLA", "Met", "Breached")]),
        ]  # fmt: skip

    def test_empty_to_filled_is_figures_added(self):
        rows = changes_of("impact", {}, {"users_affected": 10, "sla_breached": None})
        assert summary(rows) == [("added", "Figures", [("Users affected", "", "10")])]


class TestUnknownAndBadData:
    @pytest.mark.parametrize(
        ("kind", "old", "new"),
        [
            ("timeline", {"rows": "not a list"}, {"rows": [1, None, {"time": {"x": 1}}]}),
            ("five_whys", None, {"whys": [{"why": ["a", {"b": 2}]}]}),
            ("contributing_factors", [], {"factors": [{"title": "T", "extra": {"k": [1, None]}}]}),
            ("impact", "text", {"users_affected": "many", "revenue_impact": "lots"}),
            ("links", {}, {"nested": {"deep": [{"a": 1}]}, "count": 3}),
            ("no_such_kind", {"a": 1}, [{"b": 2}]),
        ],
    )
    def test_whatever_the_data_no_error_and_no_json(self, kind, old, new):
        found = revision_changes(revision([section(kind, old)]), revision([section(kind, new)]))
        assert found and found[0].rows
        for row in found[0].rows:
            texts = [row.label, row.was, *(t for f in row.fields for t in (f.label, f.old, f.new))]
            assert row.label
            assert not [t for t in texts if re.search(r"[{}\[\]\"]|': ", t)], texts

    def test_a_snapshot_that_is_not_a_document_compares_as_empty(self):
        broken = SimpleNamespace(snapshot=["nonsense"])
        found = revision_changes(broken, revision([section("markdown", None, "summary", "Hi")]))
        assert [(c.key, c.lines) for c in found] == [
            ("title", [("-", ""), ("+", "Checkout outage")]),
            ("summary", [("+", "Hi")]),
        ]

    def test_a_markdown_section_keeps_its_line_diff(self):
        found = revision_changes(
            revision([section("markdown", {}, "summary", "One\nTwo")]),
            revision([section("markdown", {}, "summary", "One\nTwo, more")]),
        )
        assert found[0].lines == [(" ", "One"), ("-", "Two"), ("+", "Two, more")]
        assert found[0].rows == []


# --- The pages ----------------------------------------------------------------------------------

FACTORS = {
    "factors": [
        {
            "title": "Small pool",
            "description": "20 connections",
            "category": "config",
            "level": "primary",
        }  # fmt: skip
    ]
}
TIMELINE = {"rows": [event("2026-03-10T14:02:00+00:00", "Error rate above 5%", "Datadog")]}


def changes_region(html: str) -> str:
    """The changes the page shows: from the legend to the end of the last section's box."""
    start = html.index('class="diff-legend')
    return html[start : html.rindex("</section>")]


@pytest.fixture
def berlin(org) -> Organization:
    Organization.objects.filter(pk=org.pk).update(time_zone="Europe/Berlin")
    org.refresh_from_db()
    return org


def test_the_compare_page_shows_rows_with_local_times_and_no_json(eng_client, berlin, engineer):
    postmortem = new_postmortem(berlin, engineer)
    postmortem = save(
        postmortem,
        engineer,
        section_data={"contributing-factors": FACTORS, "timeline": TIMELINE},
    )
    response = eng_client.get(url("postmortem_diff", berlin, number=postmortem.number))
    assert response.status_code == 200
    region = changes_region(html_of(response))
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", region))
    assert "Added Small pool" in page and "Category Config" in page and "Level Primary" in page
    assert "Added Mar 10, 2026, 15:02 · Error rate above 5%" in page  # Berlin, not UTC
    assert "Times in Europe/Berlin" in page
    assert "{" not in region and '"factors"' not in region and "&quot;" not in region


def test_the_review_screen_shows_the_same_rows_since_the_last_review(
    client, draft, author, reviewer
):
    in_review(draft, author, reviewer)
    transitions.postmortem_request_changes(
        postmortem=draft, actor=reviewer, comment="Name the factors."
    )
    draft.refresh_from_db()
    with scope(organization=draft.organization):
        services.postmortem_save(
            postmortem=draft,
            actor=author,
            base_version=draft.version,
            section_data={"contributing-factors": FACTORS},
            sections={"root-cause": "The pool was too small."},
        )
    draft.refresh_from_db()
    transitions.postmortem_submit(postmortem=draft, actor=author)
    client.force_login(reviewer)
    response = client.get(review_url("postmortem_review", draft))
    assert response.status_code == 200
    region = html_of(response)
    region = region[region.index('id="rv-since-title"') : region.index('id="rv-doc-title"')]
    assert "row-change--added" in region and "Small pool" in region
    assert "The pool was too small." in region  # the written section keeps its line diff
    assert "{" not in region and "&quot;" not in region
    assert "What changed since your last review" in text_of(response)


def test_a_revision_with_broken_data_still_compares(eng_client, org, engineer):
    postmortem = new_postmortem(org, engineer)
    postmortem = save(postmortem, engineer, sections={"root-cause": "Written"})
    latest = Revision.objects.filter(postmortem=postmortem).order_by("-number").first()
    snapshot = latest.snapshot
    for entry in snapshot["sections"]:
        entry["data"] = {"rows": [None, "x", {"time": {"a": 1}}], "whys": "?", "z": [[1]]}
    Revision.objects.filter(pk=latest.pk).update(snapshot=snapshot)
    response = eng_client.get(url("postmortem_diff", org, number=postmortem.number))
    assert response.status_code == 200
    assert "{" not in changes_region(html_of(response))


def test_comparing_costs_the_same_queries_however_many_rows(
    eng_client, org, engineer, django_assert_max_num_queries
):
    postmortem = new_postmortem(org, engineer)
    many = {"rows": [event(f"2026-03-10T14:{m:02d}:00Z", f"Step {m}") for m in range(60)]}
    postmortem = save(postmortem, engineer, section_data={"timeline": many})
    with django_assert_max_num_queries(20):
        response = eng_client.get(url("postmortem_diff", org, number=postmortem.number))
    assert response.status_code == 200
    assert html_of(response).count("row-change--added") == 60


def test_each_revision_in_the_history_links_to_what_it_changed(eng_client, org, engineer):
    postmortem = new_postmortem(org, engineer)
    postmortem = save(postmortem, engineer, section_data={"contributing-factors": FACTORS})
    html = html_of(eng_client.get(url("postmortem_history", org, number=postmortem.number)))
    compare = url("postmortem_diff", org, number=postmortem.number)
    assert f'href="{compare}?from=1&amp;to=2" aria-label="Changes in revision 2"' in html
    assert "to=1" not in html  # the first revision has nothing before it
    response = eng_client.get(compare, {"from": 1, "to": 2})
    assert "row-change--added" in html_of(response) and "Small pool" in html_of(response)


def test_hostile_text_in_rows_stays_inert(eng_client, org, engineer):
    postmortem = new_postmortem(org, engineer)
    hostile = {"factors": [{"title": text, "description": XSS, "category": "code",
                            "level": "primary"} for text in XSS_CORPUS]}  # fmt: skip
    postmortem = save(postmortem, engineer, section_data={"contributing-factors": hostile})
    response = eng_client.get(url("postmortem_diff", org, number=postmortem.number))
    assert response.status_code == 200
    assert "&lt;script&gt;" in html_of(response)
    assert_inert(html_of(response))
