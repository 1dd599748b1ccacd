"""The review workflow's pages: the review screen and the transitions (submit, withdraw,
archive, unarchive, approve, request changes). The people on a document are in
``views_people``.

Views are thin: they parse a form, call ``transitions``, and answer as ``answers`` says.
Every postmortem is looked up first (``postmortem_from_number``), so another organization's
number is a 404 whatever the method.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from postmortems.guidance import presenter as guidance_presenter
from postmortems.guidance import services as guidance
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.permissions import Access
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions
from postmortems.review.answers import (
    T,
    form_problems,
    names,
    pm,
    problems_of,
    refused,
    status_of,
    succeeded,
)
from postmortems.review.forms import ReviewForm, SubmitForm
from postmortems.review.panels import TITLES, urls_for
from postmortems.review.presenter import review_context
from postmortems.review.transitions import TransitionError
from postmortems.sharing import services as sharing

DECISION_ID = "rv-decision"  # the review screen's approve / request-changes panel


# --- Transitions: submit, withdraw, archive, unarchive ----------------------------------------


def _transition(request, postmortem, *, doing: str, call, message) -> HttpResponse:
    try:
        result = call()
    except (PermissionDenied, TransitionError, ValidationError) as error:
        return refused(
            request,
            postmortem,
            status=status_of(error),
            doing=doing,
            problems=problems_of(error),
        )
    return succeeded(request, postmortem, message(result))


@postmortem_from_number
@require_POST
def postmortem_submit(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    form = SubmitForm(request.POST, organization=request.organization)
    if not form.is_valid():
        access = Access(request.user, request.membership, postmortem)
        if not access.may_submit:  # rights before input: a reader learns nothing more
            error = PermissionDenied(
                "Only the author, invited editors and admins submit a postmortem."
            )
            return refused(
                request, postmortem, status=403, doing="submit", problems=[("", str(error))]
            )
        return refused(
            request, postmortem, status=400, doing="submit", problems=form_problems(form)
        )

    def message(result: Postmortem) -> str:
        asked = selectors_review.assigned_reviewers(result)
        return (
            f"{pm(result)} is in review (round {result.review_round}). "
            f"We asked {names(asked)} for a review."
        )

    try:  # failing checklist items ask for confirmation first (guidance)
        return _transition(
            request,
            postmortem,
            doing="submit",
            call=lambda: guidance.postmortem_submit_checked(
                postmortem=postmortem,
                actor=request.user,
                reviewers=form.cleaned_data["reviewers"],
                confirmed=request.POST.get("confirm") == "1",
            ),
            message=message,
        )
    except guidance.NeedsConfirmation as pending:
        return guidance_presenter.submit_confirmation(request, postmortem, pending)


@postmortem_from_number
@require_POST
def postmortem_withdraw(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _transition(
        request,
        postmortem,
        doing="withdraw",
        call=lambda: transitions.postmortem_withdraw(postmortem=postmortem, actor=request.user),
        message=lambda r: f"{pm(r)} was withdrawn from review; it is a draft again.",
    )


@postmortem_from_number
@require_http_methods(["GET", "POST"])
def postmortem_archive(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """Archiving asks first, naming the public share links it turns off; the confirmation
    posts ``confirm=1``. Anything else shows the question again and archives nothing."""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        return _transition(
            request,
            postmortem,
            doing="archive",
            call=lambda: transitions.postmortem_archive(postmortem=postmortem, actor=request.user),
            message=lambda r: f"{pm(r)} is archived. Unarchive it to publish it again.",
        )
    try:
        access = Access(request.user, request.membership, postmortem)
        transitions.check(transitions.ARCHIVE, postmortem, access)
    except TransitionError as error:
        if request.method == "GET":  # a stale link (archived meanwhile): back to the document
            messages.info(request, str(error))
            return redirect(urls_for(postmortem)["detail"])
        return refused(
            request, postmortem, status=409, doing="archive", problems=problems_of(error)
        )
    except PermissionDenied as error:
        return refused(
            request,
            postmortem,
            status=status_of(error),
            doing="archive",
            problems=problems_of(error),
        )
    context = {
        "postmortem": postmortem,
        "links": sharing.active_share_links_of(postmortem),
        "urls": urls_for(postmortem),
    }
    return render(request, T + "confirm_archive.html", context)


@postmortem_from_number
@require_POST
def postmortem_unarchive(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _transition(
        request,
        postmortem,
        doing="unarchive",
        call=lambda: transitions.postmortem_unarchive(postmortem=postmortem, actor=request.user),
        message=lambda r: f"{pm(r)} is published again.",
    )


# --- The review screen and the decisions -------------------------------------------------------


@postmortem_from_number
@require_GET
def postmortem_review(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return render(request, T + "review.html", review_context(request, postmortem))


def decision_refused(request, postmortem, *, status: int, form: ReviewForm, problems):
    """Show a refused decision where it was made: the decision panel (htmx) or the screen."""
    context = review_context(request, postmortem, form=form, problems=problems, status=status)
    if request.htmx and request.htmx.target == DECISION_ID:
        return render(request, T + "_decision.html", context, status=status)
    if request.htmx:
        context.update(title=TITLES[status], doing="review", status=status)
        return render(request, T + "_problem.html", context, status=status)
    return render(request, T + "review.html", context, status=status)


def _decide(request, postmortem, *, comment_required: bool, call, message) -> HttpResponse:
    form = ReviewForm(request.POST, comment_required=comment_required)
    access = Access(request.user, request.membership, postmortem)
    if not access.may_review:  # rights before input: a missing comment is not the problem
        error = PermissionDenied("Only an assigned reviewer other than the author decides.")
        return decision_refused(
            request, postmortem, status=403, form=form, problems=problems_of(error)
        )
    if not form.is_valid():
        return decision_refused(request, postmortem, status=400, form=form, problems=[])
    try:
        result = call(form.cleaned_data["comment"])
    except (PermissionDenied, TransitionError, ValidationError) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, found in error.message_dict.items():
                for text in found:
                    form.add_error(name if name in form.fields else None, text)
            problems = []
        else:
            problems = problems_of(error)
        return decision_refused(
            request, postmortem, status=status_of(error), form=form, problems=problems
        )
    return succeeded(request, postmortem, message(result))


@postmortem_from_number
@require_POST
def postmortem_approve(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    def message(result: Postmortem) -> str:
        if result.status == PostmortemStatus.PUBLISHED:
            return f"You approved {pm(result)}: it is published."
        state = selectors_review.review_state(result)
        return (
            f"You approved {pm(result)} ({len(state.approvals)} of {state.required} "
            "approvals). It publishes with the last one."
        )

    return _decide(
        request,
        postmortem,
        comment_required=False,
        call=lambda comment: transitions.postmortem_approve(
            postmortem=postmortem, actor=request.user, comment=comment
        ),
        message=message,
    )


@postmortem_from_number
@require_POST
def postmortem_request_changes(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _decide(
        request,
        postmortem,
        comment_required=True,
        call=lambda comment: transitions.postmortem_request_changes(
            postmortem=postmortem, actor=request.user, comment=comment
        ),
        message=lambda r: (
            f"You requested changes to {pm(r)}; it is back with its writers as a draft."
        ),
    )
