"""Blameless-language guidance and the quality checklist in the product:
the live check, dismissing and restoring a false alarm, the checklist panel, the list's score
column, the submit confirmation and its snapshot for the reviewers."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from actionitems import services as item_services
from organizations.roles import Role
from postmortems import services
from postmortems.guidance import findings, quality, scoring
from postmortems.guidance import services as guidance
from postmortems.language import rules as language
from postmortems.models import LanguageDismissal, PostmortemStatus, QualitySnapshot
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import fill_required, status_of

HTMX = {"HTTP_HX_REQUEST": "true"}
BLAMING = "Bob broke the deploy on Friday. The on-call engineer should have known better."
BLAMELESS = (
    "The deploy pipeline applied the migration before the code that needed it, and no check "
    "compared the schema with the running version."
)


def url(name: str, postmortem, org_slug: str | None = None) -> str:
    return reverse(
        name,
        kwargs={
            "org_slug": org_slug or postmortem.organization.slug,
            "number": postmortem.number,
        },
    )


def save_body(postmortem, actor, key: str, body: str):
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        return services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=postmortem.version,
            sections={key: body},
        )


def check(client, postmortem, text: str, section: str = "executive-summary", **extra):
    return client.post(
        url("postmortem_language_check", postmortem), {"section": section, "text": text}, **extra
    )


def finding_keys(text: str) -> list[str]:
    return [f.dismissal_key for f in language.check(text)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


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


# --- The checklist fragment ----------------------------------------------------------------------


class TestChecklist:
    def test_the_panel_lists_the_seven_items_with_the_score(self, client, draft, author):
        client.force_login(author)
        response = client.get(url("postmortem_quality", draft), **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('class="lg-check ') == 7
        with scope(organization=draft.organization):
            found = guidance.postmortem_guidance(draft)
        assert f"data-lg-score>{found.score}<" in html
        assert f"{found.passed_count} of 7 passed" in html
        assert "No action items yet." in html  # a failing item's detail

    def test_blameless_wording_follows_findings_and_dismissals(self, client, draft, author):
        client.force_login(author)

        def blameless_item() -> str:
            html = client.get(url("postmortem_quality", draft)).content.decode()
            return re.search(r'<li class="lg-check (is-\w+)" data-check="blameless"', html)[1]

        assert blameless_item() == "is-passed"
        save_body(draft, author, "executive-summary", "It was human error.")
        assert blameless_item() == "is-failing"
        with scope(organization=draft.organization):
            for key in finding_keys("It was human error."):
                guidance.language_dismiss(postmortem=draft, actor=author, key=key)
        assert blameless_item() == "is-passed"

    def test_readers_get_403_and_other_organizations_404(
        self, client, draft, viewer, other_org, member_factory
    ):
        client.force_login(viewer)
        assert client.get(url("postmortem_quality", draft)).status_code == 403
        client.force_login(member_factory(Role.ADMIN, organization=other_org))
        assert client.get(url("postmortem_quality", draft)).status_code == 404


# --- The list's score column ---------------------------------------------------------------------


class TestListScores:
    def test_each_row_shows_the_same_score_as_the_editor(self, client, draft, author):
        save_body(draft, author, "executive-summary", BLAMING)
        client.force_login(author)
        html = client.get(reverse("postmortem_list", kwargs={"org_slug": "acme"})).content.decode()
        with scope(organization=draft.organization):
            expected = guidance.postmortem_guidance(draft).score
        assert ">Quality</th>" in html
        assert re.search(rf'class="lg-score lg-score--\w+"[^>]*>{expected}</span>', html)

    def test_scores_agree_with_the_one_postmortem_computation(
        self, org, templates, author, reviewer
    ):
        docs = [make_postmortem(org, author, make_incident(org, commander=author))]
        docs.append(
            make_postmortem(
                org, author, make_incident(org, commander=author, severity="SEV4"), related=[]
            )
        )
        save_body(docs[0], author, "executive-summary", BLAMING)
        with scope(organization=org):
            item_services.action_item_create(
                postmortem=docs[1],
                actor=author,
                description="Add a canary for schema changes",
                owner=author,
                due_date=docs[1].created_at.date() + timedelta(days=7),
                success_criteria="A bad migration is stopped in staging",
                section_key="action-items",
            )
            for doc in docs:
                doc.refresh_from_db()
            scores = scoring.list_scores(docs, org)
            for doc in docs:
                assert scores[doc.pk] == guidance.postmortem_guidance(doc).score

    def test_the_list_runs_a_fixed_number_of_queries(
        self, client, org, templates, author, member_factory, count_queries
    ):
        list_url = reverse("postmortem_list", kwargs={"org_slug": "acme"})
        first = make_postmortem(org, author, make_incident(org, commander=author))
        client.force_login(author)
        client.get(list_url)
        small = count_queries(lambda: client.get(list_url))
        for _ in range(5):
            others = [make_incident(org, commander=author, entries=1) for _ in range(2)]
            doc = make_postmortem(
                org, author, make_incident(org, commander=author, entries=4), related=others
            )
            save_body(doc, author, "executive-summary", BLAMING)
            with scope(organization=org):
                guidance.language_dismiss(
                    postmortem=doc, actor=author, key=finding_keys(BLAMING)[0]
                )
                item_services.action_item_create(
                    postmortem=doc,
                    actor=author,
                    description="Add an alert on replica lag",
                    section_key="actions-immediate",
                )
        assert first.pk
        client.get(list_url)
        large = count_queries(lambda: client.get(list_url))
        assert large == small


# --- Submitting with failing items ---------------------------------------------------------------


def submit(client, postmortem, headers=None, **data):
    return client.post(
        url("postmortem_submit", postmortem), {"reviewers": ["rita"], **data}, **(headers or {})
    )


class TestSubmit:
    def test_failing_items_ask_for_confirmation_and_nothing_is_submitted(
        self, client, draft, author, reviewer
    ):
        fill_required(draft, author)
        client.force_login(author)
        response = submit(client, draft)
        text = text_of(response)
        assert response.status_code == 200
        assert "open checklist item" in text and "Submit anyway" in text
        assert quality.LABELS["action_items"] in text and "No action items yet." in text
        assert 'name="confirm" value="1"' in response.content.decode()
        assert 'name="reviewers" value="rita"' in response.content.decode()
        assert status_of(draft) == PostmortemStatus.DRAFT
        assert not QualitySnapshot.objects.filter(postmortem=draft).exists()
        assert not draft.reviews.exists()

    def test_htmx_gets_the_list_inside_the_submit_form(self, client, draft, author, reviewer):
        fill_required(draft, author)
        client.force_login(author)
        response = submit(client, draft, headers=HTMX)
        html = response.content.decode()
        assert response.status_code == 200 and "HX-Redirect" not in response
        assert '<input type="hidden" name="confirm" value="1">' in html
        assert "data-lg-submit-anyway" in html and "<html" not in html
        assert status_of(draft) == PostmortemStatus.DRAFT

    def test_submit_anyway_stores_the_snapshot_the_reviewer_sees(
        self, client, draft, author, reviewer
    ):
        fill_required(draft, author)
        client.force_login(author)
        with scope(organization=draft.organization):
            expected = guidance.postmortem_guidance(draft)
        response = submit(client, draft, confirm="1")
        assert response.status_code == 302
        assert status_of(draft) == PostmortemStatus.IN_REVIEW
        snapshot = QualitySnapshot.objects.get(postmortem=draft)
        assert snapshot.round == 1 and snapshot.score == expected.score
        assert [f["key"] for f in snapshot.failing] == [i.key for i in expected.failing]
        assert snapshot.failing[0]["label"] and snapshot.failing[0]["detail"]

        client.force_login(reviewer)
        page = client.get(url("postmortem_review", draft))
        text = text_of(page)
        count = len(expected.failing)
        assert f"Submitted with {count} open checklist item" in text
        for item in expected.failing:
            assert item.label in text

    def test_the_workflows_refusals_come_before_the_confirmation(self, client, draft, author):
        client.force_login(author)
        response = submit(client, draft, reviewers=[])
        assert response.status_code == 400  # unfilled sections, no reviewer
        assert "Submit anyway" not in text_of(response)

    def test_readers_get_403_not_the_checklist(self, client, draft, author, viewer):
        fill_required(draft, author)
        client.force_login(viewer)
        response = submit(client, draft)
        assert response.status_code == 403
        assert "Submit anyway" not in text_of(response)

    def test_nothing_failing_submits_at_once_with_a_clean_snapshot(
        self, client, draft, author, reviewer, monkeypatch
    ):
        passing = guidance.Guidance(
            {},
            [
                quality.ChecklistItem(key, label, True, "Done.")
                for key, label in quality.LABELS.items()
            ],
        )
        monkeypatch.setattr(guidance, "postmortem_guidance", lambda postmortem: passing)
        fill_required(draft, author)
        client.force_login(author)
        assert submit(client, draft).status_code == 302
        snapshot = QualitySnapshot.objects.get(postmortem=draft)
        assert snapshot.failing == [] and snapshot.score == 100
        client.force_login(reviewer)
        assert "Every checklist item passed" in text_of(client.get(url("postmortem_review", draft)))


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
