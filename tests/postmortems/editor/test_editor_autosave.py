"""Autosave of sections and the title: versions, revisions, conflicts, limits; previews."""

from datetime import datetime

import pytest
from django_scopes import scope

from organizations.roles import Role
from postmortems import services
from postmortems.editor.services import content_digest
from postmortems.models import Revision
from postmortems.permissions import EDIT_PERMISSION
from tests.markup import tags_of
from tests.postmortems.editor.helpers import HTMX, JSON, body_post, save_url, section, url

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
