"""The editor's outline (each section's state beside the document) and the template's prompts
shown as hints, never as text the writer has to delete."""

import json
import re
from html import unescape

from django_scopes import scope

from postmortems.comments import services as comments
from postmortems.models import Section
from postmortems.placeholders import prompt_hints
from tests.postmortems.editor.helpers import (
    HTMX,
    body_post,
    make_incident,
    make_postmortem,
    rows_post,
    save_url,
    section,
    url,
)


def editor_html(client, postmortem) -> str:
    response = client.get(url("postmortem_edit", postmortem))
    assert response.status_code == 200
    return response.content.decode()


def outline_states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-outline-item="([^"]+)" data-state="([^"]+)"', html))


def outline_entry(html: str, key: str) -> str:
    start = html.index(f'data-outline-item="{key}"')
    return html[start : html.index("</li>", start)]


def textarea(html: str, key: str) -> tuple[str, str]:
    """A section's textarea: (its placeholder, its text)."""
    match = re.search(
        rf'<textarea id="body-{re.escape(key)}"[^>]*placeholder="([^"]*)">\n?(.*?)</textarea>',
        html,
        re.S,
    )
    assert match, f"no textarea for {key}"
    return unescape(match.group(1)), unescape(match.group(2))


class TestOutlineStates:
    def test_a_new_draft_shows_required_sections_as_not_written(self, client, engineer, postmortem):
        client.force_login(engineer)
        states = outline_states(editor_html(client, postmortem))
        keys = list(
            Section.objects.filter(postmortem=postmortem)
            .order_by("position")
            .values_list("key", flat=True)
        )
        assert list(states) == keys  # every section, in document order
        assert states["root-cause"] == "required"
        assert states["executive-summary"] == "required"  # its generated lines are not writing
        assert states["went-well"] == "empty"  # not required
        assert states["timeline"] == "written"  # rows pulled from the incident
        entry = outline_entry(editor_html(client, postmortem), "root-cause")
        assert "Required, empty" in entry  # in words, not only the dot's colour

    def test_states_follow_what_was_written(self, client, engineer, postmortem):
        client.force_login(engineer)
        assert body_post(client, postmortem, "root-cause", "The pool ran dry.").status_code == 200
        assert body_post(client, postmortem, "went-well", "- Alerts helped.").status_code == 200
        factors = [
            {"title": "No pool limit", "description": "", "level": "primary", "category": "code"}
        ]
        saved = client.post(
            save_url(postmortem, "contributing-factors"),
            rows_post(postmortem, "contributing-factors", factors),
            headers=HTMX,
        )
        assert saved.status_code == 200
        states = outline_states(editor_html(client, postmortem))
        assert states["root-cause"] == "written"
        assert states["went-well"] == "written"
        assert states["contributing-factors"] == "written"
        assert states["executive-summary"] == "required"

    def test_open_comment_threads_are_counted_resolved_ones_not(self, client, engineer, postmortem):
        with scope(organization=postmortem.organization):
            for _ in range(2):
                comments.comment_add(
                    postmortem=postmortem,
                    actor=engineer,
                    body="Which pool?",
                    section_key="executive-summary",
                )
            done = comments.comment_add(
                postmortem=postmortem, actor=engineer, body="Typo", section_key="root-cause"
            )
            comments.comment_resolve(comment=done, actor=engineer)
        client.force_login(engineer)
        html = editor_html(client, postmortem)
        summary = outline_entry(html, "executive-summary")
        assert "data-outline-comments hidden" not in summary
        assert "<span data-outline-comments-count>2</span>" in summary
        assert '2</span><span class="visually-hidden"> open comments' in summary
        assert "data-outline-comments hidden" in outline_entry(html, "root-cause")

    def test_the_wording_findings_carry_their_count_for_the_outline(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        body_post(client, postmortem, "root-cause", "Bob should have known better and failed.")
        findings = client.get(url("postmortem_language_findings", postmortem))
        html = findings.content.decode()
        slot = re.search(
            r'id="lg-root-cause" data-lg-findings="root-cause" data-lg-count="(\d+)"', html
        )
        assert slot and int(slot.group(1)) >= 1
        assert 'id="lg-went-well" data-lg-findings="went-well" data-lg-count="0"' in html

    def test_no_query_per_section_or_comment(self, client, org, engineer, templates, count_queries):
        quiet = make_postmortem(org, engineer, make_incident(org, commander=engineer))
        busy = make_postmortem(org, engineer, make_incident(org, commander=engineer))
        with scope(organization=org):
            comments.comment_add(postmortem=quiet, actor=engineer, body="?", section_key="metrics")
            for key in Section.objects.filter(postmortem=busy).values_list("key", flat=True):
                comments.comment_add(postmortem=busy, actor=engineer, body="?", section_key=key)
        client.force_login(engineer)
        for warm in (quiet, busy):
            editor_html(client, warm)
        quiet_count = count_queries(lambda: editor_html(client, quiet))
        busy_count = count_queries(lambda: editor_html(client, busy))
        assert quiet_count == busy_count == 19  # the editor's, and the first open thread


class TestSavesAnswerTheOutlineState:
    def test_a_text_save_says_whether_the_section_is_now_written(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        written = body_post(client, postmortem, "root-cause", "The pool ran dry.")
        assert written.json()["filled"] is True
        emptied = body_post(client, postmortem, "root-cause", "   ")
        assert emptied.json()["filled"] is False

    def test_a_structured_save_says_it_in_its_event(self, client, engineer, postmortem):
        client.force_login(engineer)
        whys = [{"why": "Why did checkout fail?", "because": "Inserts failed."}]
        response = client.post(
            save_url(postmortem, "five-whys"),
            rows_post(postmortem, "five-whys", whys),
            headers=HTMX,
        )
        assert json.loads(response["HX-Trigger"])["pm:saved"]["filled"] is True


class TestPromptsAreHints:
    def test_a_prompt_only_section_opens_empty_with_its_prompts_as_placeholder(
        self, client, engineer, postmortem
    ):
        assert section(postmortem, "went-poorly").body == ""  # the prompt is not stored text
        client.force_login(engineer)
        placeholder, text = textarea(editor_html(client, postmortem), "went-poorly")
        assert text.strip() == ""  # nothing for the writer to delete
        assert placeholder == "A gap in detection, response, tooling or communication"

    def test_the_hint_comes_from_the_sections_placeholder_not_its_body(
        self, client, engineer, postmortem
    ):
        Section.objects.filter(postmortem=postmortem, key="went-poorly").update(
            placeholder="What slowed the response down?\nWho had to be woken up?"
        )
        client.force_login(engineer)
        placeholder, _ = textarea(editor_html(client, postmortem), "went-poorly")
        assert placeholder == "What slowed the response down?\nWho had to be woken up?"
        Section.objects.filter(postmortem=postmortem, key="went-poorly").update(
            body="- _An old italic line_", placeholder=""
        )
        placeholder, text = textarea(editor_html(client, postmortem), "went-poorly")
        assert text.strip() == "- _An old italic line_"  # the body is shown as stored
        assert "An old italic line" not in placeholder

    def test_generated_facts_stay_and_the_prompt_becomes_a_hint(self, client, engineer, postmortem):
        client.force_login(engineer)
        html = editor_html(client, postmortem)
        _, text = textarea(html, "executive-summary")
        assert postmortem.incident.ref in text  # the generated lines are the writer's to keep
        assert "**Time to detect:**" in text
        assert "_What happened" not in text
        hint = re.search(
            r'<ul class="pm-prompts" id="prompts-executive-summary"[^>]*>(.*?)</ul>', html, re.S
        )
        assert hint and "What happened, what the impact was" in hint.group(1)
        assert 'aria-describedby="prompts-executive-summary"' in html

    def test_saving_what_the_editor_shows_keeps_the_section_unwritten(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        _, text = textarea(editor_html(client, postmortem), "executive-summary")
        response = body_post(client, postmortem, "executive-summary", text.strip())
        assert response.json()["filled"] is False
        assert outline_states(editor_html(client, postmortem))["executive-summary"] == "required"
        detail = client.get(url("postmortem_detail", postmortem)).content.decode()
        assert "What happened, what the impact was" not in detail

    def test_prompt_hints_read_as_plain_sentences(self):
        default_text = (
            "**Users affected:** _number or percentage_\n"
            "### What went well\n\n- _An alert, runbook or habit that helped_\n\n"
            "Keep snake_case_names as they are: _a prompt_"
        )
        assert prompt_hints(default_text) == [
            "Users affected: number or percentage",
            "What went well — An alert, runbook or habit that helped",
            "What went well — Keep snake_case_names as they are: a prompt",
        ]
        assert prompt_hints("") == []
