"""The structured sections in the editor: timeline rows, five whys, factors and impact."""

import json
from datetime import timedelta

import pytest

from postmortems.editor import services as editing
from postmortems.editor.services import content_digest
from postmortems.models import Revision
from tests.postmortems.editor.helpers import (
    HTMX,
    T0,
    rows_post,
    save_url,
    section,
    timeline_row,
    url,
)

# --- Structured sections -----------------------------------------------------------------------


class TestTimeline:
    def test_rows_are_added_reordered_marked_and_deleted(self, client, engineer, postmortem):
        client.force_login(engineer)
        rows = [timeline_row(2, "First"), timeline_row(5, "Second", actor="bob")]
        response = client.post(
            save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
        )
        assert response.status_code == 200 and response["HX-Reswap"] == "none"
        event = json.loads(response["HX-Trigger"])["pm:saved"]
        postmortem.refresh_from_db()
        assert event["version"] == postmortem.version and event["section"] == "timeline"
        stored = section(postmortem, "timeline").data["rows"]
        assert [r["event"] for r in stored] == ["First", "Second"]
        assert stored[0]["time"] == (T0 + timedelta(minutes=2)).isoformat()
        assert event["digest"] == content_digest(section(postmortem, "timeline").data)

        rows[1]["key"] = True
        rows[1]["time"] = rows[0]["time"]  # rows keep time order; "up" orders equal times
        response = client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", rows, op="up:1"),
            headers=HTMX,
        )
        assert response.status_code == 200 and 'id="editor-timeline"' in response.content.decode()
        stored = section(postmortem, "timeline").data["rows"]
        assert [(r["event"], r["key"]) for r in stored] == [("Second", True), ("First", False)]

        rows = [rows[1], rows[0]]
        client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", rows, op="add"),
            headers=HTMX,
        )
        assert len(section(postmortem, "timeline").data["rows"]) == 3
        rows.append(timeline_row(5, "Third"))
        client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", rows, op="delete:0"),
            headers=HTMX,
        )
        assert [r["event"] for r in section(postmortem, "timeline").data["rows"]] == [
            "First",
            "Third",
        ]

    def test_pulling_in_adds_only_the_incident_entries_not_there_yet(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        rows = [timeline_row(2, "Event 0", key=True), timeline_row(30, "Our own note")]
        client.post(
            save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
        )
        response = client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", rows, op="pull"),
            headers=HTMX,
        )
        assert response.status_code == 200
        events = [r["event"] for r in section(postmortem, "timeline").data["rows"]]
        assert events.count("Event 0") == 1 and "Event 1" in events
        assert events.index("Event 0") < events.index("Event 1") < events.index("Our own note")
        assert len(events) == 2 + len(editing.incident_timeline_rows(postmortem)) - 1
        assert "Every incident entry is in" in response.content.decode()

    def test_a_bad_time_is_a_400_with_the_writers_rows_kept(self, client, engineer, postmortem):
        client.force_login(engineer)
        before = section(postmortem, "timeline").data
        rows = [{"time": "yesterday-ish", "event": "Kept text", "actor": "", "key": False}]
        response = client.post(
            save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "Enter a date and time." in html and "Kept text" in html
        assert section(postmortem, "timeline").data == before

    def test_the_editor_shows_the_rows_as_saved_last(self, client, engineer, postmortem):
        """Rows are drawn from a fragment cache keyed by their content: a save shows at once."""
        client.force_login(engineer)
        for event in ("Cache check one", "Cache check two"):
            rows = [timeline_row(5, event, key=True, actor="Ann")]
            client.post(
                save_url(postmortem, "timeline"),
                rows_post(postmortem, "timeline", rows),
                headers=HTMX,
            )
            html = client.get(url("postmortem_edit", postmortem)).content.decode()
            assert html.count("Cache check") == 1 and event in html
        assert 'name="s-timeline-0-key" id="id_s-timeline-0-key" checked' in html
        assert 'value="Ann"' in html and 'name="s-timeline-TOTAL_FORMS" value="1"' in html

    def test_a_bad_row_shows_its_message_beside_the_field(self, client, engineer, postmortem):
        client.force_login(engineer)
        rows = [timeline_row(5, "Fine row"), {"time": "", "event": "No time", "actor": ""}]
        response = client.post(
            save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", rows), headers=HTMX
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_s-timeline-1-time_error">Enter the time.</span>' in html
        assert 'class="pm-tl__row has-errors"' in html and "id_s-timeline-0-time_error" not in html

    def test_someone_elses_change_is_a_409_with_both_versions(
        self, client, engineer, admin_user, postmortem
    ):
        base_version = postmortem.version
        digest = content_digest(section(postmortem, "timeline").data)
        client.force_login(admin_user)
        theirs = [timeline_row(1, "Their row")]
        client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", theirs),
            headers=HTMX,
        )
        client.force_login(engineer)
        mine = [timeline_row(4, "My row")]
        response = client.post(
            save_url(postmortem, "timeline"),
            rows_post(postmortem, "timeline", mine, version=base_version, digest=digest),
            headers=HTMX,
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "Their row" in html and "My row" in html and "Save my version over it" in html
        stored = section(postmortem, "timeline").data["rows"]
        assert [r["event"] for r in stored] == ["Their row"]


class TestFiveWhysAndFactors:
    def test_whys_save_add_and_remove(self, client, engineer, postmortem):
        client.force_login(engineer)
        whys = [{"why": "Why did checkout fail?", "because": "Inserts failed."}]
        response = client.post(
            save_url(postmortem, "five-whys"),
            rows_post(postmortem, "five-whys", whys, op="add"),
            headers=HTMX,
        )
        assert response.status_code == 200
        stored = section(postmortem, "five-whys").data["whys"]
        assert stored == [whys[0], {"why": "", "because": ""}]
        client.post(
            save_url(postmortem, "five-whys"),
            rows_post(postmortem, "five-whys", [*whys, {"why": "", "because": ""}], op="delete:1"),
            headers=HTMX,
        )
        assert section(postmortem, "five-whys").data["whys"] == whys

    def test_factors_save_with_level_and_category(self, client, engineer, postmortem):
        client.force_login(engineer)
        factor = {
            "title": "No default",
            "description": "The column had no default.",
            "level": "secondary",
            "category": "review",
        }
        response = client.post(
            save_url(postmortem, "contributing-factors"),
            rows_post(postmortem, "contributing-factors", [factor]),
            headers=HTMX,
        )
        assert response.status_code == 200
        assert section(postmortem, "contributing-factors").data["factors"] == [factor]

    @pytest.mark.parametrize(
        ("field", "value"), [("level", "tertiary"), ("category", "luck"), ("level", "")]
    )
    def test_a_bad_level_or_category_is_a_400_naming_it(
        self, client, engineer, postmortem, field, value
    ):
        client.force_login(engineer)
        factor = {"title": "X", "description": "", "level": "primary", "category": "code"}
        factor[field] = value
        response = client.post(
            save_url(postmortem, "contributing-factors"),
            rows_post(postmortem, "contributing-factors", [factor]),
            headers=HTMX,
        )
        assert response.status_code == 400
        assert f"Choose a {field}" in response.content.decode()
        assert section(postmortem, "contributing-factors").data == {"factors": []}


class TestImpact:
    def impact_post(self, postmortem, **values):
        postmortem.refresh_from_db()
        prefix = "s-impact-assessment"
        figures = {
            "users_affected": postmortem.users_affected,
            "revenue_impact": postmortem.revenue_impact,
            "sla_breached": postmortem.sla_breached,
            "support_tickets": postmortem.support_tickets,
        }
        data = {
            "version": postmortem.version,
            "base_digest": content_digest(
                {
                    **figures,
                    "revenue_impact": None
                    if figures["revenue_impact"] is None
                    else f"{figures['revenue_impact']:.2f}",
                }
            ),
        }
        for name, value in values.items():
            data[f"{prefix}-{name}"] = value
        return data

    def test_the_figures_save_versioned_and_revisioned(self, client, engineer, postmortem):
        client.force_login(engineer)
        before = postmortem.version
        data = self.impact_post(
            postmortem,
            users_affected="1284",
            revenue_impact="12000.50",
            sla_breached="breached",
            support_tickets="214",
        )
        response = client.post(save_url(postmortem, "impact-assessment"), data, headers=HTMX)
        assert response.status_code == 200
        postmortem.refresh_from_db()
        assert postmortem.version == before + 1
        assert postmortem.users_affected == 1284 and str(postmortem.revenue_impact) == "12000.50"
        assert postmortem.sla_breached is True and postmortem.support_tickets == 214
        assert section(postmortem, "impact-assessment").data["revenue_impact"] == "12000.50"
        latest = Revision.objects.filter(postmortem=postmortem).order_by("-number").first()
        assert "impact-assessment" in latest.changed_sections

        again = self.impact_post(
            postmortem, users_affected="1300", revenue_impact="", sla_breached="met"
        )
        assert (
            client.post(save_url(postmortem, "impact-assessment"), again, headers=HTMX).status_code
            == 200
        )
        postmortem.refresh_from_db()
        assert postmortem.users_affected == 1300 and postmortem.revenue_impact is None
        assert postmortem.sla_breached is False and postmortem.support_tickets is None

    def test_negative_figures_are_refused(self, client, engineer, postmortem):
        client.force_login(engineer)
        data = self.impact_post(postmortem, users_affected="-3")
        response = client.post(save_url(postmortem, "impact-assessment"), data, headers=HTMX)
        assert response.status_code == 400
        postmortem.refresh_from_db()
        assert postmortem.users_affected is None

    def test_the_duration_of_impact_is_shown_from_the_incident(self, client, engineer, postmortem):
        client.force_login(engineer)
        html = client.get(url("postmortem_edit", postmortem)).content.decode()
        assert "Duration of impact" in html and "2h" in html
