"""The review screen's read model: the document, what changed since the reader's last review,
the decisions so far, the comment threads and the action-item tables."""

from django.http import HttpRequest

from actionitems import postmortem_table as action_item_tables
from incidents.charts import render_chart
from postmortems import selectors
from postmortems.comments import presenter as comments_presenter
from postmortems.guidance import services as guidance
from postmortems.models import Postmortem, Review, ReviewDecision
from postmortems.read.item_changes import document_changes
from postmortems.review import selectors as selectors_review
from postmortems.review.forms import ReviewForm
from postmortems.review.panels import TITLES, review_panel


def review_context(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    form: ReviewForm | None = None,
    problems: list[tuple[str, str]] = (),
    status: int = 200,
) -> dict:
    panel = review_panel(request, postmortem)
    access = panel.access
    since = (
        selectors_review.last_reviewed_revision(postmortem, request.user)
        if access.may_review and panel.in_review
        else None
    )
    latest = (
        selectors.revisions_of(postmortem).order_by("-number").first()
        if since is not None
        else None
    )
    document = selectors.postmortem_document(postmortem)
    incident = postmortem.incident
    history = list(
        Review.objects.filter(postmortem=postmortem)
        .exclude(decision=ReviewDecision.PENDING)
        .select_related("reviewer")
        .order_by("-round", "-decided_at", "-id")
    )
    mine = panel.my_review
    others_approved = sum(1 for r in panel.state.approvals if r.reviewer_id != request.user.pk)
    return {
        "postmortem": postmortem,
        "review_panel": panel,
        "access": access,
        "document": document,
        "incident": incident,
        "charts": [render_chart(series, incident=incident) for series in document.metrics],
        "since": since,
        "latest": latest,
        "diffs": document_changes(since, latest) if since and latest else [],
        "since_round": next(
            (
                r.round
                for r in history
                if r.reviewer_id == request.user.pk and since and r.revision_id == since.pk
            ),
            None,
        ),
        "first_review": panel.can_review and since is None,
        "history": history,
        "my_review": mine,
        "decide": panel.can_review and not (mine and mine.decision == ReviewDecision.APPROVED),
        "approval_publishes": others_approved + 1 >= panel.state.required,
        "form": form or ReviewForm(),
        "problems": problems,
        "problem_title": TITLES.get(status, ""),
        "status": status,
        # The comments' own reader: threads in document order with section titles and
        # highlighted mentions (``selectors_review.comment_threads`` underneath).
        "comment_threads": comments_presenter.threads_of(postmortem, sections=document.sections),
        "comment_sections": document.sections,
        "can_comment": access.can_comment,
        "may_comment": access.may_comment,
        "can_edit": access.can_edit,
        **action_item_tables.action_items_context(
            request, postmortem, document.sections, access=access
        ),
        "urls": panel.urls,
        "quality_snapshot": guidance.quality_snapshot(postmortem),
    }
