"""Creating a postmortem, the editor page, and who may write in it."""

import pytest
from django_scopes import scope

from organizations.roles import Role
from postmortems import services
from postmortems.models import Postmortem, PostmortemIncident, Section, SectionKind
from postmortems.permissions import EDIT_PERMISSION
from tests.postmortems.editor.helpers import (
    HTMX,
    JSON,
    body_post,
    make_incident,
    make_postmortem,
    rows_post,
    save_url,
    url,
)

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


# Session, user, membership, sign-in policy, the postmortem, its sections, related incidents,
# services, links, metrics, open comments by section, incident entries, action items, the
# people on it, the review policy, the earlier fixes this incident recurs, the organization
# switcher and the notification bell.
EDITOR_QUERIES = 18


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
        assert small_count == big_count == EDITOR_QUERIES

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
