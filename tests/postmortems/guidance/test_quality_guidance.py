"""The quality checklist in the product: its panel, the list's scores, the submit check."""

import re
from datetime import timedelta

from django.urls import reverse
from django_scopes import scope

from actionitems import services as item_services
from organizations.roles import Role
from postmortems.guidance import quality, scoring
from postmortems.guidance import services as guidance
from postmortems.models import PostmortemStatus, QualitySnapshot
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.guidance.helpers import BLAMING, HTMX, finding_keys, save_body, text_of, url
from tests.postmortems.review.helpers import fill_required, status_of

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
