"""The postmortem editor: creating, the editor page, autosave, conflicts, previews, structured
sections and who may write."""

import json
from datetime import datetime, timedelta

import pytest
from django_scopes import scope

from organizations.roles import Role
from postmortems import services
from postmortems.editor import services as editing
from postmortems.editor.services import content_digest
from postmortems.models import Postmortem, PostmortemIncident, Revision, Section, SectionKind
from postmortems.permissions import EDIT_PERMISSION
from tests.postmortems.editor.helpers import (
    HTMX,
    T0,
    make_incident,
    make_postmortem,
    rows_post,
    save_url,
    section,
    tags_of,
    timeline_row,
    url,
)

JSON = {"Accept": "application/json"}


# --- Helpers -----------------------------------------------------------------------------------


@pytest.fixture
def templates(org):
    return services.templates_install_builtins(organization=org)


@pytest.fixture
def incident(org, templates, engineer):
    return make_incident(org, commander=engineer)


@pytest.fixture
def postmortem(org, incident, engineer):
    """A Comprehensive draft (the SEV1 default) authored by ``engineer``."""
    return make_postmortem(org, engineer, incident)


def body_post(client, postmortem, key, body, *, version=None, digest=None):
    postmortem.refresh_from_db()
    current = section(postmortem, key)
    data = {
        "body": body,
        "version": postmortem.version if version is None else version,
        "base_digest": content_digest(current.body) if digest is None else digest,
    }
    return client.post(save_url(postmortem, key), data, headers=JSON)


# --- Creating ----------------------------------------------------------------------------------


class TestCreate:
    def test_the_form_lists_the_templates_and_preselects_the_incident(
        self, client, engineer, incident
    ):
        client.force_login(engineer)
        response = client.get(url("postmortem_create") + f"?incident={incident.ref}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Comprehensive" in html and "Lightweight" in html
        assert f'<option value="{incident.pk}" selected>' in html

    def test_a_blank_postmortem(self, client, engineer, templates):
        client.force_login(engineer)
        standard = next(t for t in templates if t.builtin_key == "standard")
        response = client.post(
            url("postmortem_create"), {"template": standard.pk, "title": "Cache stampede review"}
        )
        postmortem = Postmortem.objects.get()
        assert response.status_code == 302
        assert response["Location"] == url("postmortem_edit", postmortem)
        assert postmortem.title == "Cache stampede review"
        assert postmortem.incident is None and postmortem.author == engineer
        assert postmortem.template == standard
        assert Section.objects.filter(postmortem=postmortem).count() == len(standard.sections.all())

    def test_from_an_incident_with_further_incidents(self, client, org, engineer, incident):
        client.force_login(engineer)
        other = make_incident(org, commander=engineer, severity="SEV3", entries=0)
        response = client.post(
            url("postmortem_create"),
            {"incident": incident.pk, "related_incidents": [other.pk, incident.pk]},
        )
        assert response.status_code == 302
        postmortem = Postmortem.objects.get()
        assert postmortem.incident == incident
        assert postmortem.template.builtin_key == "comprehensive"  # SEV1's default
        assert postmortem.title == f"{incident.ref}: {incident.title}"
        related = PostmortemIncident.objects.filter(postmortem=postmortem)
        assert [r.incident for r in related] == [other]

    def test_bad_input_answers_400_with_field_errors(
        self, client, other_org, engineer, incident, templates
    ):
        foreign = make_incident(other_org, entries=0, links=0, metrics=0)
        client.force_login(engineer)
        response = client.post(
            url("postmortem_create"), {"incident": foreign.pk, "title": "x" * 201}
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_incident_error"' in html and 'id="id_title_error"' in html
        assert not Postmortem.objects.exists()

    def test_further_incidents_need_a_primary_one(self, client, engineer, incident):
        client.force_login(engineer)
        response = client.post(url("postmortem_create"), {"related_incidents": [incident.pk]})
        assert response.status_code == 400
        assert "Choose the primary incident" in response.content.decode()

    def test_viewers_may_not_create(self, client, viewer, incident):
        client.force_login(viewer)
        assert client.get(url("postmortem_create")).status_code == 403
        assert client.post(url("postmortem_create"), {"incident": incident.pk}).status_code == 403
        assert not Postmortem.objects.exists()


# --- The editor page ---------------------------------------------------------------------------


class TestEditorPage:
    def test_every_section_kind_of_the_comprehensive_template_has_its_editor(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        response = client.get(url("postmortem_edit", postmortem))
        assert response.status_code == 200
        html = response.content.decode()
        kinds = set(Section.objects.filter(postmortem=postmortem).values_list("kind", flat=True))
        assert kinds == set(SectionKind.values)
        for key in ("timeline", "five-whys", "contributing-factors", "impact-assessment"):
            assert f'id="editor-{key}"' in html
        for key in Section.objects.filter(postmortem=postmortem).values_list("key", flat=True):
            assert f'id="body-{key}"' in html  # every section has its markdown
        assert "<svg" in html and "Series 0" in html  # the charts
        assert "v2.3.0" in html  # the linked evidence
        assert "Writing tips" in html
        assert "js/editor.js" in html and "<script>" not in html

    def test_a_bounded_number_of_queries_whatever_the_size(
        self, client, org, engineer, templates, count_queries
    ):
        small = make_postmortem(org, engineer, make_incident(org, commander=engineer))
        big_incident = make_incident(org, commander=engineer, entries=40, links=12, metrics=3)
        others = [make_incident(org, commander=engineer, entries=3) for _ in range(3)]
        big = make_postmortem(org, engineer, big_incident, related=others)
        client.force_login(engineer)
        for warm in (small, big):  # warm caches (sessions, content types, generated text)
            client.get(url("postmortem_edit", warm))
        small_count = count_queries(lambda: client.get(url("postmortem_edit", small)))
        big_count = count_queries(lambda: client.get(url("postmortem_edit", big)))
        assert small_count == big_count
        assert big_count <= 25

    def test_a_reader_gets_a_403_page_pointing_to_the_read_view(
        self, client, member_factory, postmortem
    ):
        someone = member_factory(Role.ENGINEER)
        client.force_login(someone)
        response = client.get(url("postmortem_edit", postmortem))
        assert response.status_code == 403
        html = response.content.decode()
        assert "not edit it" in html
        assert url("postmortem_detail", postmortem) in html
        assert 'name="body"' not in html

    def test_unsaved_text_after_a_refusal_stays_on_the_page_without_javascript(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        huge = "a" * (services.MAX_SECTION_BYTES + 1)
        response = client.post(
            save_url(postmortem, "root-cause"),
            {"body": huge, "version": postmortem.version, "base_digest": ""},
        )
        assert response.status_code == 400
        assert huge in response.content.decode()


# --- Autosave ----------------------------------------------------------------------------------


class TestAutosave:
    def test_a_save_bumps_the_version_and_writes_a_revision(self, client, engineer, postmortem):
        client.force_login(engineer)
        before = postmortem.version
        response = body_post(client, postmortem, "root-cause", "A migration locked the table.")
        assert response.status_code == 200
        payload = response.json()
        assert payload["version"] == before + 1
        assert payload["digest"] == content_digest("A migration locked the table.")
        assert datetime.fromisoformat(payload["saved_at"])
        assert section(postmortem, "root-cause").body == "A migration locked the table."
        latest = Revision.objects.filter(postmortem=postmortem).order_by("-number").first()
        assert latest.author == engineer and "root-cause" in latest.changed_sections

    def test_the_title_saves_the_same_way(self, client, engineer, postmortem):
        client.force_login(engineer)
        response = client.post(
            url("postmortem_edit", postmortem),
            {
                "title": "Checkout outage",
                "version": postmortem.version,
                "base_digest": content_digest(postmortem.title),
            },
            headers=JSON,
        )
        assert response.status_code == 200
        postmortem.refresh_from_db()
        assert postmortem.title == "Checkout outage"
        empty = client.post(
            url("postmortem_edit", postmortem),
            {"title": " ", "version": postmortem.version},
            headers=JSON,
        )
        assert empty.status_code == 400 and "title" in empty.json()["message"]

    def test_without_javascript_a_save_redirects_to_the_section(self, client, engineer, postmortem):
        client.force_login(engineer)
        response = client.post(
            save_url(postmortem, "went-well"), {"body": "Alerts.", "version": postmortem.version}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#section-went-well")

    def test_a_stale_save_of_the_same_section_is_a_409_with_both_texts(
        self, client, member_factory, engineer, postmortem
    ):
        colleague = member_factory(Role.ENGINEER, username="colleague")
        with scope(organization=postmortem.organization):
            from guardian.shortcuts import assign_perm

            assign_perm(EDIT_PERMISSION, colleague, postmortem)
        base_version = postmortem.version
        base_digest = content_digest(section(postmortem, "root-cause").body)

        client.force_login(colleague)
        assert body_post(client, postmortem, "root-cause", "Theirs.").status_code == 200

        client.force_login(engineer)
        response = body_post(
            client, postmortem, "root-cause", "Mine.", version=base_version, digest=base_digest
        )
        assert response.status_code == 409
        payload = response.json()
        assert payload["yours"] == "Mine." and payload["current"] == "Theirs."
        assert payload["current_version"] == base_version + 1
        assert payload["current_digest"] == content_digest("Theirs.")
        assert section(postmortem, "root-cause").body == "Theirs."  # nothing overwritten

        merged = body_post(
            client,
            postmortem,
            "root-cause",
            "Theirs. Mine.",
            version=payload["current_version"],
            digest=payload["current_digest"],
        )
        assert merged.status_code == 200
        assert section(postmortem, "root-cause").body == "Theirs. Mine."

    def test_a_change_to_another_section_is_not_a_conflict(self, client, engineer, postmortem):
        client.force_login(engineer)
        base_version = postmortem.version
        summary_digest = content_digest(section(postmortem, "root-cause").body)
        assert body_post(client, postmortem, "went-well", "Alerts fired.").status_code == 200
        response = body_post(
            client,
            postmortem,
            "root-cause",
            "The migration.",
            version=base_version,
            digest=summary_digest,
        )
        assert response.status_code == 200
        assert response.json()["version"] == base_version + 2
        assert section(postmortem, "went-well").body == "Alerts fired."
        assert section(postmortem, "root-cause").body == "The migration."

    def test_a_retry_of_a_save_that_already_happened_succeeds(self, client, engineer, postmortem):
        client.force_login(engineer)
        base_version = postmortem.version
        digest = content_digest(section(postmortem, "root-cause").body)
        first = body_post(client, postmortem, "root-cause", "Same.", version=base_version)
        again = body_post(
            client, postmortem, "root-cause", "Same.", version=base_version, digest=digest
        )
        assert first.status_code == again.status_code == 200
        assert again.json()["version"] == first.json()["version"]

    def test_a_save_without_a_version_is_refused(self, client, engineer, postmortem):
        client.force_login(engineer)
        response = client.post(save_url(postmortem, "root-cause"), {"body": "x"}, headers=JSON)
        assert response.status_code == 400
        assert section(postmortem, "root-cause").body != "x"

    def test_the_size_cap_is_a_400_with_a_clear_message(self, client, engineer, postmortem):
        client.force_login(engineer)
        before = section(postmortem, "root-cause").body
        response = body_post(
            client, postmortem, "root-cause", "a" * (services.MAX_SECTION_BYTES + 1)
        )
        assert response.status_code == 400
        assert "the limit is 200 KB" in response.json()["message"]
        assert section(postmortem, "root-cause").body == before
        preview = client.post(
            url("postmortem_section_preview", postmortem, section_key="root-cause"),
            {"body": "a" * (services.MAX_SECTION_BYTES + 1)},
            headers=HTMX,
        )
        assert preview.status_code == 400 and "the limit is 200 KB" in preview.content.decode()

    def test_a_stale_save_without_javascript_shows_the_conflict_panel(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        base_version = postmortem.version
        digest = content_digest(section(postmortem, "root-cause").body)
        body_post(client, postmortem, "root-cause", "Theirs.")
        response = client.post(
            save_url(postmortem, "root-cause"),
            {"body": "Mine.", "version": base_version, "base_digest": digest},
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "Mine." in html and "Theirs." in html and "Save merged version" in html


# --- Preview -----------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a hx-get="/o/acme/" hx-trigger="load">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '<div style="position:fixed;inset:0">x</div>',
    "[x](JaVaScRiPt:alert(1)) and ![y](javascript:alert(2))",
]


class TestPreview:
    def test_markdown_is_rendered(self, client, engineer, postmortem):
        client.force_login(engineer)
        response = client.post(
            url("postmortem_section_preview", postmortem, section_key="root-cause"),
            {"body": "**Bold** and [a link](https://example.com)"},
            headers=HTMX,
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<strong>Bold</strong>" in html
        assert 'href="https://example.com"' in html and "nofollow" in html

    @pytest.mark.parametrize("payload", XSS)
    def test_xss_renders_inert(self, client, engineer, postmortem, payload):
        client.force_login(engineer)
        response = client.post(
            url("postmortem_section_preview", postmortem, section_key="root-cause"),
            {"body": f"Before\n\n{payload}\n\nAfter"},
            headers=HTMX,
        )
        assert response.status_code == 200
        for tag, attrs in tags_of(response.content.decode()):
            assert tag not in {"script", "iframe", "svg", "object", "embed", "style"}
            if tag == "img":  # only same-origin images (the incident's charts) survive
                src = attrs.get("src") or "/"
                assert src.startswith("/") and not src.startswith("//"), src
            for name, value in attrs.items():
                assert not name.startswith(("on", "hx-", "data-hx")), (tag, name)
                assert name != "style", tag
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)


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


# --- Who may write -----------------------------------------------------------------------------


def every_write(client, postmortem):
    """One request of each kind of write the editor makes."""
    yield client.post(url("postmortem_edit", postmortem), {"title": "T", "version": 1})
    yield client.post(save_url(postmortem, "root-cause"), {"body": "x", "version": 1}, headers=JSON)
    yield client.post(
        save_url(postmortem, "timeline"), rows_post(postmortem, "timeline", []), headers=HTMX
    )
    yield client.post(
        save_url(postmortem, "impact-assessment"),
        {"version": 1, "s-impact-assessment-users_affected": "5"},
        headers=HTMX,
    )
    yield client.post(
        url("postmortem_section_preview", postmortem, section_key="root-cause"), {"body": "x"}
    )


class TestRights:
    @pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.REVIEWER, Role.MANAGER])
    def test_members_who_are_not_author_or_editor_get_403_on_every_write(
        self, client, member_factory, postmortem, role
    ):
        client.force_login(member_factory(role))
        before = postmortem.version
        assert [r.status_code for r in every_write(client, postmortem)] == [403] * 5
        postmortem.refresh_from_db()
        assert postmortem.version == before

    def test_invited_editors_and_admins_may_edit(
        self, client, member_factory, admin_user, postmortem
    ):
        invited = member_factory(Role.ENGINEER)
        with scope(organization=postmortem.organization):
            from guardian.shortcuts import assign_perm

            assign_perm(EDIT_PERMISSION, invited, postmortem)
        for user in (invited, admin_user):
            client.force_login(user)
            assert client.get(url("postmortem_edit", postmortem)).status_code == 200
            assert body_post(client, postmortem, "root-cause", f"By {user}").status_code == 200

    def test_another_organizations_postmortem_is_a_404(
        self, client, other_org, member_factory, postmortem
    ):
        services.templates_install_builtins(organization=other_org)
        outsider = member_factory(Role.ADMIN, organization=other_org)
        make_postmortem(other_org, outsider)
        foreign = make_postmortem(other_org, outsider)  # PM-2: acme has no PM-2
        engineer_of_acme = postmortem.author
        client.force_login(engineer_of_acme)
        for name in ("postmortem_edit",):
            assert client.get(url(name, foreign)).status_code == 404
        assert client.post(save_url(foreign, "root-cause"), {"body": "x"}).status_code == 404
        assert (
            client.post(
                url("postmortem_section_preview", foreign, section_key="root-cause"), {"body": "x"}
            ).status_code
            == 404
        )
        assert client.get(url("postmortem_edit", foreign, org_slug="globex")).status_code == 404

    def test_an_unknown_section_is_a_404(self, client, engineer, postmortem):
        client.force_login(engineer)
        response = client.post(save_url(postmortem, "no-such-section"), {"body": "x"})
        assert response.status_code == 404
