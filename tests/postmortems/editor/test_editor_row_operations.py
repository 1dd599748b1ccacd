"""Row operations in the structured editors: a row deleted or moved is a revision of its own (the
history always holds the rows just before it), a deleted row can be undone in place, and a plain
save (Enter in a field) never presses a row button."""

import json

import pytest

from postmortems import services
from postmortems.editor import services as editing
from postmortems.editor.services import content_digest
from postmortems.models import Revision
from tests.markup import tags_of
from tests.postmortems.editor.helpers import (
    HTMX,
    make_incident,
    make_postmortem,
    rows_post,
    save_url,
    section,
    timeline_row,
    url,
)


@pytest.fixture
def postmortem(org, engineer):
    """A Comprehensive draft (the SEV1 default) authored by ``engineer``."""
    services.templates_install_builtins(organization=org)
    return make_postmortem(org, engineer, make_incident(org, commander=engineer))


WHYS = [
    {"why": "Why did checkout fail?", "because": "The pool was exhausted."},
    {"why": "Why was it exhausted?", "because": "Retries held connections."},
    {"why": "Why did retries hold them?", "because": "No timeout on the client."},
]


def whys_data(whys: list[dict]) -> dict:
    return {"whys": whys}


def latest_revisions(postmortem, count: int) -> list[Revision]:
    return list(Revision.objects.filter(postmortem=postmortem).order_by("-number")[:count])[::-1]


def rows_in(revision: Revision, key: str, field: str) -> list[dict]:
    return next(s for s in revision.snapshot["sections"] if s["key"] == key)["data"][field]


def save_whys(postmortem, actor, whys: list[dict]):
    postmortem.refresh_from_db()
    return editing.section_data_save(
        postmortem=postmortem,
        actor=actor,
        key="five-whys",
        data=whys_data(whys),
        base_version=postmortem.version,
        base_digest=content_digest(section(postmortem, "five-whys").data),
    )


# --- Services ----------------------------------------------------------------------------------


class TestRowChangesInTheHistory:
    def change(self, postmortem, actor, edited, changed, summary="Five whys: why 2 deleted"):
        postmortem.refresh_from_db()
        return editing.section_rows_change(
            postmortem=postmortem,
            actor=actor,
            key="five-whys",
            edited=whys_data(edited),
            changed=whys_data(changed),
            summary=summary,
            base_version=postmortem.version,
            base_digest=content_digest(section(postmortem, "five-whys").data),
        )

    def test_a_delete_is_its_own_revision_after_the_rows_as_they_were(self, engineer, postmortem):
        save_whys(postmortem, engineer, WHYS[:1])
        save_whys(postmortem, engineer, WHYS)  # autosaves coalesce into one revision
        before = Revision.objects.filter(postmortem=postmortem).count()

        # The second row's text was edited and not saved yet when it was deleted.
        edited = [WHYS[0], {**WHYS[1], "because": "Retries held connections for 30 s."}, WHYS[2]]
        self.change(postmortem, engineer, edited, [edited[0], edited[2]])

        revisions = latest_revisions(postmortem, 2)
        assert Revision.objects.filter(postmortem=postmortem).count() == before + 1
        assert rows_in(revisions[0], "five-whys", "whys") == edited
        assert revisions[0].summary == "Edited"
        assert revisions[1].summary == "Five whys: why 2 deleted"
        assert rows_in(revisions[1], "five-whys", "whys") == [edited[0], edited[2]]
        assert section(postmortem, "five-whys").data["whys"] == [edited[0], edited[2]]

    def test_deletes_and_moves_in_a_row_never_coalesce(self, engineer, postmortem):
        save_whys(postmortem, engineer, WHYS)
        self.change(postmortem, engineer, WHYS, [WHYS[1], WHYS[0], WHYS[2]], "Five whys: up")
        self.change(postmortem, engineer, [WHYS[1], WHYS[0], WHYS[2]], [WHYS[0], WHYS[2]])
        self.change(postmortem, engineer, [WHYS[0], WHYS[2]], [WHYS[2]])
        revisions = latest_revisions(postmortem, 4)
        assert [r.summary for r in revisions] == [
            "Edited",
            "Five whys: up",
            "Five whys: why 2 deleted",
            "Five whys: why 2 deleted",
        ]
        assert [len(rows_in(r, "five-whys", "whys")) for r in revisions] == [3, 3, 2, 1]

    def test_edits_after_a_delete_start_a_new_revision(self, engineer, postmortem):
        save_whys(postmortem, engineer, WHYS)
        self.change(postmortem, engineer, WHYS, WHYS[:2])
        save_whys(postmortem, engineer, [WHYS[0], {**WHYS[1], "because": "Changed later."}])
        revisions = latest_revisions(postmortem, 2)
        assert revisions[0].summary == "Five whys: why 2 deleted"
        assert rows_in(revisions[0], "five-whys", "whys") == WHYS[:2]
        assert revisions[1].summary == "Edited"

    def test_someone_elses_change_to_the_rows_is_a_conflict_and_nothing_is_written(
        self, engineer, admin_user, postmortem
    ):
        save_whys(postmortem, engineer, WHYS)
        postmortem.refresh_from_db()
        stale = (postmortem.version, content_digest(section(postmortem, "five-whys").data))
        save_whys(postmortem, admin_user, WHYS[:1])
        before = Revision.objects.filter(postmortem=postmortem).count()
        with pytest.raises(editing.SectionConflict):
            editing.section_rows_change(
                postmortem=postmortem,
                actor=engineer,
                key="five-whys",
                edited=whys_data(WHYS),
                changed=whys_data(WHYS[:2]),
                summary="Five whys: why 3 deleted",
                base_version=stale[0],
                base_digest=stale[1],
            )
        assert section(postmortem, "five-whys").data["whys"] == WHYS[:1]
        assert Revision.objects.filter(postmortem=postmortem).count() == before


# --- The editor --------------------------------------------------------------------------------


def post_whys(client, postmortem, whys, **extra):
    data = rows_post(postmortem, "five-whys", whys, **{"op": extra.pop("op", "")})
    data.update(extra)
    return client.post(save_url(postmortem, "five-whys"), data, headers=HTMX)


def undo_offer(html: str) -> dict:
    tags = tags_of(html)
    row = next(attrs for tag, attrs in tags if attrs.get("name") == "undo_row")
    button = next(
        attrs
        for tag, attrs in tags
        if tag == "button" and attrs.get("value", "").startswith("undo")
    )
    return {"undo_row": row["value"], "op": button["value"]}


class TestDeleteAndUndo:
    def test_a_delete_offers_undo_which_puts_the_row_back_in_place(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        post_whys(client, postmortem, WHYS)
        response = post_whys(client, postmortem, WHYS, op="delete:1")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'role="status" data-row-undo' in html and "Row deleted" in html
        assert section(postmortem, "five-whys").data["whys"] == [WHYS[0], WHYS[2]]
        assert latest_revisions(postmortem, 1)[0].summary == "Five whys: why 2 deleted"

        offer = undo_offer(html)
        assert offer["op"] == "undo:1" and json.loads(offer["undo_row"]) == WHYS[1]
        response = post_whys(client, postmortem, [WHYS[0], WHYS[2]], **offer)
        assert response.status_code == 200
        assert section(postmortem, "five-whys").data["whys"] == WHYS
        assert "data-row-undo" not in response.content.decode()
        assert 'data-focus="#id_s-five-whys-1-why"' in response.content.decode()
        assert latest_revisions(postmortem, 1)[0].summary == (
            "Five whys: deleted why restored as why 2"
        )

    def test_an_undone_timeline_row_comes_back_exactly_as_it_was(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        rows = [
            timeline_row(2, "Error rate above 5%", key=True, actor="Datadog"),
            timeline_row(9, "Rolled back", actor="Ann"),
        ]
        timeline = save_url(postmortem, "timeline")
        client.post(timeline, rows_post(postmortem, "timeline", rows), headers=HTMX)
        before = section(postmortem, "timeline").data["rows"]
        response = client.post(
            timeline, rows_post(postmortem, "timeline", rows, op="delete:0"), headers=HTMX
        )
        assert section(postmortem, "timeline").data["rows"] == before[1:]
        offer = undo_offer(response.content.decode())
        kept = rows_post(postmortem, "timeline", rows[1:], op=offer["op"])
        response = client.post(timeline, {**kept, "undo_row": offer["undo_row"]}, headers=HTMX)
        assert response.status_code == 200
        assert section(postmortem, "timeline").data["rows"] == before

    @pytest.mark.parametrize(
        "undo_row",
        ["", "not json", "[1, 2]", '{"why": "' + "x" * 6000 + '"}'],
    )
    def test_a_bad_undo_is_a_400_and_changes_nothing(self, client, engineer, postmortem, undo_row):
        client.force_login(engineer)
        post_whys(client, postmortem, WHYS[:2])
        version = section(postmortem, "five-whys").postmortem.version
        response = post_whys(client, postmortem, WHYS[:2], op="undo:1", undo_row=undo_row)
        assert response.status_code == 400
        assert "The deleted row could not be restored." in response.content.decode()
        assert section(postmortem, "five-whys").data["whys"] == WHYS[:2]
        assert section(postmortem, "five-whys").postmortem.version == version

    def test_a_move_is_its_own_revision_and_keeps_the_keyboard_on_the_row(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        post_whys(client, postmortem, WHYS)
        response = post_whys(client, postmortem, WHYS, op="down:0")
        assert 'data-focus="button[name=&quot;op&quot;][value=&quot;down:1&quot;]"' in (
            response.content.decode()
        )
        assert latest_revisions(postmortem, 1)[0].summary == "Five whys: why 1 moved down"

    def test_the_default_button_saves_without_redrawing_the_form(
        self, client, engineer, postmortem
    ):
        """Enter in a field presses the form's first button: a plain save, no row operation."""
        client.force_login(engineer)
        html = client.get(url("postmortem_edit", postmortem)).content.decode()
        form = html[html.index('id="editor-five-whys"') :]
        first_button = next(attrs for tag, attrs in tags_of(form) if tag == "button")
        assert (first_button.get("name"), first_button.get("value")) == ("op", "save")
        response = post_whys(client, postmortem, WHYS, op="save")
        assert response.status_code == 200 and response["HX-Reswap"] == "none"
        assert section(postmortem, "five-whys").data["whys"] == WHYS

    def test_without_javascript_a_delete_redirects_to_the_section(
        self, client, engineer, postmortem
    ):
        client.force_login(engineer)
        post_whys(client, postmortem, WHYS)
        data = rows_post(postmortem, "five-whys", WHYS, op="delete:2")
        response = client.post(save_url(postmortem, "five-whys"), data)
        assert response.status_code == 302 and response["Location"].endswith("#section-five-whys")
        assert section(postmortem, "five-whys").data["whys"] == WHYS[:2]
