"""Blameless-language guidance: the live check, dismissals and findings in the editor."""

import pytest
from django_scopes import scope

from actionitems import services as item_services
from organizations.roles import Role
from postmortems import services
from postmortems.guidance import findings, quality
from postmortems.guidance import services as guidance
from postmortems.language import rules as language
from postmortems.models import LanguageDismissal
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.guidance.helpers import BLAMING, HTMX, finding_keys, save_body, text_of, url

BLAMELESS = (
    "The deploy pipeline applied the migration before the code that needed it, and no check "
    "compared the schema with the running version."
)


def check(client, postmortem, text: str, section: str = "executive-summary", **extra):
    return client.post(
        url("postmortem_language_check", postmortem), {"section": section, "text": text}, **extra
    )


# --- The live check ------------------------------------------------------------------------------


class TestLiveCheck:
    def test_blaming_phrases_are_highlighted_with_rationale_and_suggestion(
        self, client, draft, author
    ):
        client.force_login(author)
        response = check(client, draft, BLAMING)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="lg-executive-summary"' in html
        assert "<mark>Bob broke</mark>" in html
        assert "<mark>should have known</mark>" in html
        assert "Blames a person" in html and "Hindsight: “should have”" in html
        rule = language.RULES_BY_ID["person-blamed"]
        assert rule.rationale[:40] in html and rule.suggestion[:40] in html
        assert html.count("Not a problem here") == 2
        assert "2 wording suggestions" in text_of(response)

    def test_blameless_text_raises_no_alarm(self, client, draft, author):
        client.force_login(author)
        response = check(client, draft, BLAMELESS)
        assert response.status_code == 200
        assert "<mark>" not in response.content.decode()
        assert "lg-finding " not in response.content.decode()
        assert "Not a problem here" not in response.content.decode()

    def test_the_writers_text_is_escaped(self, client, draft, author):
        client.force_login(author)
        response = check(client, draft, "<script>alert(1)</script> It was human error <b>x</b>.")
        html = response.content.decode()
        assert "<mark>human error</mark>" in html
        assert "<script>alert(1)" not in html and "<b>x</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_nothing_is_stored(self, client, draft, author):
        client.force_login(author)
        before = draft.version
        check(client, draft, BLAMING)
        draft.refresh_from_db()
        assert draft.version == before
        assert "Bob broke" not in draft.sections.get(key="executive-summary").body

    def test_members_names_count_as_people(self, client, draft, author, member_factory):
        client.force_login(author)
        assert "<mark>" not in check(client, draft, "Zebulon broke the cache.").content.decode()
        member_factory(Role.ENGINEER, username="zeb", first_name="Zebulon")
        assert (
            "<mark>Zebulon broke</mark>"
            in check(client, draft, "Zebulon broke the cache.").content.decode()
        )

    def test_structured_rows_are_checked_too(self, client, draft, author):
        draft.refresh_from_db()
        with scope(organization=draft.organization):
            services.postmortem_save(
                postmortem=draft,
                actor=author,
                base_version=draft.version,
                section_data={
                    "five-whys": {"whys": [{"why": "Why?", "because": "It was human error."}]}
                },
            )
        client.force_login(author)
        response = check(client, draft, "", section="five-whys")
        assert "<mark>human error</mark>" in response.content.decode()
        assert "Because 1" in response.content.decode()

    def test_readers_and_other_engineers_get_403(self, client, draft, viewer, member_factory):
        for user in (viewer, member_factory(Role.ENGINEER)):
            client.force_login(user)
            assert check(client, draft, BLAMING).status_code == 403

    def test_bad_input(self, client, draft, author):
        client.force_login(author)
        assert check(client, draft, BLAMING, section="no-such-section").status_code == 404
        assert client.post(url("postmortem_language_check", draft)).status_code == 404
        assert client.get(url("postmortem_language_check", draft)).status_code == 405
        huge = "word " * (services.MAX_SECTION_BYTES // 4)
        assert check(client, draft, huge).status_code == 400

    def test_another_organizations_postmortem_is_a_404(
        self, client, draft, author, other_org, member_factory
    ):
        services.templates_install_builtins(organization=other_org)
        outsider = member_factory(Role.ADMIN, organization=other_org)
        foreign = make_postmortem(other_org, outsider)
        client.force_login(author)
        response = client.post(
            url("postmortem_language_check", foreign),
            {"section": "summary", "text": BLAMING},
        )
        assert response.status_code == 404  # acme's author is not a member of globex
        client.force_login(outsider)
        response = client.post(
            url("postmortem_language_check", draft), {"section": "root-cause", "text": BLAMING}
        )
        assert response.status_code == 404


# --- Dismissing and restoring --------------------------------------------------------------------


def dismiss(client, postmortem, key, text=BLAMING, view="postmortem_language_dismiss", **extra):
    data = {"section": "executive-summary", "key": key, "body": text}
    return client.post(url(view, postmortem), data, **extra)


class TestDismiss:
    def test_a_dismissed_finding_disappears_and_can_be_restored(self, client, draft, author):
        client.force_login(author)
        blame_key = finding_keys(BLAMING)[0]
        response = dismiss(client, draft, blame_key, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert response["HX-Trigger"] == "guidance:changed"
        assert "Show 1 dismissed" in html
        assert html.count("Not a problem here") == 1  # only "should have known" is left
        stored = LanguageDismissal.objects.get(postmortem=draft)
        assert stored.key == blame_key and stored.dismissed_by == author

        # The same sentence no longer alarms for that rule; another sentence still does.
        again = check(client, draft, BLAMING + " Bob broke the build too.").content.decode()
        assert again.count("Not a problem here") == 2

        response = dismiss(client, draft, blame_key, view="postmortem_language_restore", **HTMX)
        assert response.status_code == 200
        assert "dismissed" not in text_of(response)
        assert response.content.decode().count("Not a problem here") == 2
        assert not LanguageDismissal.objects.filter(postmortem=draft).exists()

    def test_dismissing_twice_keeps_one_row(self, client, draft, author):
        client.force_login(author)
        key = finding_keys(BLAMING)[0]
        dismiss(client, draft, key, **HTMX)
        dismiss(client, draft, key, **HTMX)
        assert LanguageDismissal.objects.filter(postmortem=draft).count() == 1

    def test_without_javascript_it_redirects_to_the_section(self, client, draft, author):
        client.force_login(author)
        response = dismiss(client, draft, finding_keys(BLAMING)[0])
        assert response.status_code == 302
        assert response.url == url("postmortem_edit", draft) + "#section-executive-summary"

    @pytest.mark.parametrize(
        "key", ["", "nonsense", "no-such-rule:0123456789ab", "human-error:XYZ", "a" * 200]
    )
    def test_bad_keys_are_refused(self, client, draft, author, key):
        client.force_login(author)
        assert dismiss(client, draft, key, **HTMX).status_code == 400
        assert not LanguageDismissal.objects.filter(postmortem=draft).exists()

    def test_only_editors_may_dismiss(self, client, draft, viewer, reviewer, member_factory):
        key = finding_keys(BLAMING)[0]
        for user in (viewer, reviewer, member_factory(Role.ENGINEER)):
            client.force_login(user)
            assert dismiss(client, draft, key, **HTMX).status_code == 403
            restore = dismiss(client, draft, key, view="postmortem_language_restore", **HTMX)
            assert restore.status_code == 403
        assert not LanguageDismissal.objects.filter(postmortem=draft).exists()

    def test_another_organization_answers_404(self, client, draft, other_org, member_factory):
        outsider = member_factory(Role.ADMIN, organization=other_org)
        client.force_login(outsider)
        assert dismiss(client, draft, finding_keys(BLAMING)[0], **HTMX).status_code == 404
        assert not LanguageDismissal.objects.filter(postmortem=draft).exists()

    def test_an_unknown_section_is_a_404(self, client, draft, author):
        client.force_login(author)
        response = client.post(
            url("postmortem_language_dismiss", draft),
            {"section": "nope", "key": finding_keys(BLAMING)[0]},
        )
        assert response.status_code == 404


# --- The editor page -----------------------------------------------------------------------------


class TestEditor:
    def test_the_page_loads_the_findings_and_the_checklist_right_after_itself(
        self, client, draft, author
    ):
        client.force_login(author)
        html = client.get(url("postmortem_edit", draft)).content.decode()
        findings_url = url("postmortem_language_findings", draft)
        assert f'hx-get="{findings_url}" hx-trigger="load"' in html
        assert f'hx-get="{url("postmortem_quality", draft)}"' in html
        assert 'id="lg-executive-summary"' in html  # each section's slot, filled by the swap
        assert "js/guidance.js" in html and "css/guidance.css" in html
        assert url("postmortem_language_check", draft) in html

    def test_sections_findings_arrive_each_in_its_slot(self, client, draft, author):
        save_body(draft, author, "executive-summary", BLAMING)
        save_body(draft, author, "went-poorly", BLAMELESS)
        client.force_login(author)
        html = client.get(url("postmortem_language_findings", draft)).content.decode()
        summary = html[html.index('id="lg-executive-summary"') :]
        summary = summary[: summary.index('data-lg-findings="', 30)]
        assert 'hx-swap-oob="true"' in summary and "<mark>Bob broke</mark>" in summary
        poorly = html[html.index('id="lg-went-poorly"') :]
        assert "<mark>" not in poorly[: poorly.index("</div>")]
        checklist = client.get(url("postmortem_quality", draft)).content.decode()
        assert 'id="lg-quality"' in checklist and "Quality checklist" in checklist
        for label in quality.LABELS.values():
            assert label in checklist

    def test_the_findings_need_the_right_to_edit(self, client, draft, viewer):
        client.force_login(viewer)
        assert client.get(url("postmortem_language_findings", draft)).status_code == 403

    def test_dismissed_findings_are_hidden_behind_a_toggle(self, client, draft, author):
        save_body(draft, author, "executive-summary", BLAMING)
        with scope(organization=draft.organization):
            guidance.language_dismiss(postmortem=draft, actor=author, key=finding_keys(BLAMING)[0])
        client.force_login(author)
        html = client.get(url("postmortem_language_findings", draft)).content.decode()
        assert "<mark>Bob broke</mark>" not in html.split("Show 1 dismissed")[0]
        assert "Show 1 dismissed" in html

    def test_queries_do_not_grow_with_sections_findings_or_items(
        self, client, org, templates, author, member_factory, count_queries
    ):
        small = make_postmortem(org, author, make_incident(org, commander=author, severity="SEV4"))
        big = make_postmortem(org, author, make_incident(org, commander=author, entries=30))
        for key in ("executive-summary", "went-poorly", "root-cause", "got-lucky"):
            save_body(big, author, key, BLAMING * 5)
        with scope(organization=org):
            for key in finding_keys(BLAMING)[:1]:
                guidance.language_dismiss(postmortem=big, actor=author, key=key)
            for n in range(6):
                item_services.action_item_create(
                    postmortem=big,
                    actor=author,
                    description=f"Add an alert for queue depth {n}",
                    section_key="actions-immediate",
                )
        client.force_login(author)
        for page in ("postmortem_edit", "postmortem_language_findings", "postmortem_quality"):
            for warm in (small, big):
                client.get(url(page, warm))
            small_count = count_queries(lambda p=page: client.get(url(p, small)))
            big_count = count_queries(lambda p=page: client.get(url(p, big)))
            assert small_count == big_count, page
        assert big.sections.count() > 2 * small.sections.count()


# --- Vague action items in the editor ------------------------------------------------------------


def test_vague_action_items_show_the_rule_and_a_rewording(client, draft, author):
    with scope(organization=draft.organization):
        item_services.action_item_create(
            postmortem=draft,
            actor=author,
            description="Make sure to be more careful with deploys",
            section_key="actions-immediate",
        )
    client.force_login(author)
    html = client.get(url("postmortem_edit", draft)).content.decode()
    assert "Vague: make it specific" in html
    assert language.EXHORTATION.title in html
    assert "Turn the intention into a mechanism" in html


# --- Pieces --------------------------------------------------------------------------------------


def test_a_long_sentence_is_cut_around_the_phrase():
    text = (
        "Because "
        + "the queue grew and grew, " * 20
        + "it was human error in the end "
        + ("while the replicas lagged, " * 20)
    )
    finding = language.check(text)[0]
    shown = findings.shown(finding)
    assert shown.phrase == "human error"
    assert shown.before.startswith("…") and shown.after.endswith("…")
    assert len(shown.before) <= findings.CONTEXT_CHARS + 1


def test_row_texts_name_where_each_text_is():
    data = {
        "rows": [{"event": "Alert fired"}, {"event": ""}],
        "whys": [{"why": "Why?", "because": "A timeout"}],
        "factors": [{"title": "", "description": "No canary"}],
    }
    assert findings.row_texts(data) == [
        ("Timeline event 1", "Alert fired"),
        ("Why 1", "Why?"),
        ("Because 1", "A timeout"),
        ("Factor 1", "No canary"),
    ]
    assert findings.row_texts(None) == []
