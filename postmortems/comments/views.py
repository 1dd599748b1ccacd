"""Comments on a postmortem: the threads (a page, or the partial the editor's section panels and
the review screen show), adding a comment or a reply, resolving and reopening a thread.

Views are thin: the form checks the input, ``services_comments`` decides and writes,
``selectors_review`` reads. Lookups come first (another organization's postmortem, or a comment
of another postmortem, is a 404 for every method), then the method, then the rights.

Answers: an htmx request gets the refreshed threads partial (200; 400 with the field messages
and the writer's text kept; 403 / 409 with the reason), a plain form post a redirect back to
``#comment-<id>`` (or the page again with the refusal).

``scope`` says which threads a partial shows: ``section`` (the editor's panel of one section,
with the unresolved counts of the editor refreshed out of band) or ``all`` (the whole document:
the comments page and the review screen). ``return_to=read`` marks the read view's forms: an
htmx answer is that section's discussion block, a plain post goes back to the read view.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from organizations.lookups import object_from_url
from postmortems.comments import services as services_comments
from postmortems.comments.forms import SCOPES, CommentForm
from postmortems.comments.presenter import (
    comment_counts_context,
    comments_url,
    sections_of,
    threads_of,
)
from postmortems.lookups import postmortem_from_number
from postmortems.models import Comment, Postmortem, Section
from postmortems.permissions import Access, access
from postmortems.review import selectors as selectors_review

THREADS = "postmortems/comments/_threads.html"
PAGE = "postmortems/comments/page.html"
READ_THREADS = "postmortems/read/_discussion.html"
RETURN_TO = {"comments", "review", "read"}  # where a form post goes back to (default: editor)


# --- Plumbing --------------------------------------------------------------------------------


def _comment(request: HttpRequest, postmortem: Postmortem, comment_id: int) -> Comment | None:
    comment = (
        Comment.objects.filter(postmortem=postmortem, pk=comment_id)
        .select_related("parent")
        .first()
    )
    if comment is not None:
        comment.postmortem = postmortem
    return comment


comment_from_id = object_from_url("comment_id", _comment, missing="No such comment.")
"""Replace ``comment_id`` by that comment of the postmortem."""


def back_url(request: HttpRequest, postmortem: Postmortem, comment: Comment, rights: Access):
    """Where a plain form post goes back to: the editor's ``#comment-<id>`` (the comments page
    for those who may not edit, or when the form came from there), or the review screen."""
    return_to = request.POST.get("return_to", "")
    kwargs = {"org_slug": postmortem.organization.slug, "number": postmortem.number}
    anchor = f"#comment-{comment.pk}"
    if return_to == "review":
        return reverse("postmortem_review", kwargs=kwargs) + anchor
    if return_to == "read":
        return reverse("postmortem_detail", kwargs=kwargs) + anchor
    if return_to == "comments" or not rights.can_edit:
        query = ""
        if request.POST.get("scope") == "section":
            query = f"?section={comment.section_key}"
        return comments_url(postmortem) + query + anchor
    return reverse("postmortem_edit", kwargs=kwargs) + anchor


def scope_of(request: HttpRequest) -> str:
    scope = request.POST.get("scope") or request.GET.get("scope") or ""
    return scope if scope in SCOPES else "section"


def render_threads(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    scope: str,
    section_key: str | None,
    status: int = 200,
    form: CommentForm | None = None,
    reply_form: CommentForm | None = None,
    alert: str = "",
    notice: str = "",
    rights: Access | None = None,
) -> HttpResponse:
    """The threads partial for htmx, the comments page otherwise."""
    rights = rights or access(request.user, request.membership, postmortem)
    shown_key = section_key if scope == "section" else None
    sections = sections_of(postmortem)
    threads = threads_of(postmortem, shown_key, sections)
    section = next((s for s in sections if s.key == shown_key), None)
    return_to = request.POST.get("return_to", "") if request.method == "POST" else ""
    context = {
        "postmortem": postmortem,
        "threads": threads,
        "scope": scope,
        "section_key": shown_key,
        "section": section,
        "sections": sections,
        "can_comment": rights.can_comment,
        "may_comment": rights.may_comment,
        "can_edit": rights.can_edit,
        "form": form,
        "form_section": form["section"].value() if form is not None else shown_key,
        "reply_form": reply_form,
        "reply_parent": _posted_int(reply_form, "parent") if reply_form is not None else None,
        "alert": alert,
        "notice": notice,
        "open_count": sum(1 for t in threads if t.resolved_at is None),
        "resolved_count": sum(1 for t in threads if t.resolved_at is not None),
        "return_to": return_to if return_to in RETURN_TO else "",
    }
    if request.htmx:
        if context["return_to"] == "read" and scope == "section":
            # One section's discussion on the read view, swapped in place.
            return render(request, READ_THREADS, context, status=status)
        if scope == "section" and shown_key and not context["return_to"]:
            # An editor panel: closable, and the editor's counts refreshed out of band.
            counts = comment_counts_context(request, postmortem)
            context.update(
                counts,
                panel=True,
                oob=True,
                section_count=counts["comment_counts"].get(shown_key, 0),
            )
        return render(request, THREADS, context, status=status)
    context["return_to"] = "comments"
    counts = selectors_review.unresolved_by_section(postmortem)
    context.update(
        section_counts=[(s, counts.get(s.key, 0)) for s in sections],
        document_count=counts.get("", 0),
        comment_total=sum(counts.values()),
    )
    return render(request, PAGE, context, status=status)


def _posted_int(form: CommentForm, name: str) -> int | None:
    try:
        return int(form[name].value())
    except (TypeError, ValueError):
        return None


def refused(
    request: HttpRequest, postmortem: Postmortem, status: int, message: str, **kwargs
) -> HttpResponse:
    """403 / 409: the project's error page for a plain 403, the threads with the reason
    otherwise (so an htmx panel shows it in place)."""
    if status == 403 and not request.htmx:
        raise PermissionDenied(message)
    return render_threads(request, postmortem, status=status, alert=message, **kwargs)


def changed(response: HttpResponse) -> HttpResponse:
    """Tell the page that comments changed (``comments-changed`` on the body), so counts shown
    elsewhere on it, such as the review screen's, can refresh themselves."""
    response["HX-Trigger"] = "comments-changed"
    return response


def closed_message(postmortem: Postmortem) -> str:
    return (
        f"PM-{postmortem.number} is {postmortem.get_status_display().lower()}: "
        "comments are open while it is a draft or in review."
    )


def check_rights(rights: Access) -> tuple[int, str] | None:
    """The refusal the service would give, before the input is looked at (a viewer's empty
    comment is a 403, not a 400)."""
    if not rights.may_comment:
        return 403, "Your role does not allow commenting on this postmortem."
    if not rights.can_comment:
        return 409, closed_message(rights.postmortem)
    return None


# --- Views -----------------------------------------------------------------------------------


@postmortem_from_number
@require_http_methods(["GET", "POST"])
def comment_list(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """GET: the threads — ``?section=<key>`` for one section (empty: the comments on the whole
    document), ``?comment=<id>`` for the section of that comment, else all. POST: a comment."""
    if request.method == "POST":
        return comment_add(request, postmortem)
    if "comment" in request.GET:
        return comment_jump(request, postmortem, request.GET["comment"])
    if "section" in request.GET:
        key = request.GET["section"]
        if key and not Section.objects.filter(postmortem=postmortem, key=key).exists():
            raise Http404("No such section.")
        return render_threads(request, postmortem, scope="section", section_key=key)
    return render_threads(request, postmortem, scope="all", section_key=None)


def comment_jump(request: HttpRequest, postmortem: Postmortem, raw_id: str) -> HttpResponse:
    """The panel of the section holding comment ``raw_id``, put in place by htmx (the editor
    opens it for a ``#comment-<id>`` link); a comment on the whole document goes to the page."""
    comment = (
        Comment.objects.filter(postmortem=postmortem, pk=raw_id).select_related("parent").first()
        if raw_id.isdigit()
        else None
    )
    if comment is None:
        raise Http404("No such comment.")
    thread = comment.parent or comment
    key = thread.section_key
    if not request.htmx:
        return redirect(f"{comments_url(postmortem)}#comment-{comment.pk}")
    if not key:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{comments_url(postmortem)}#comment-{comment.pk}"
        return response
    response = render_threads(request, postmortem, scope="section", section_key=key)
    response["HX-Retarget"] = f"#comments-{key}"
    response["HX-Reswap"] = "innerHTML"
    return response


def comment_add(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    rights = access(request.user, request.membership, postmortem)
    scope = scope_of(request)
    is_reply = bool(request.POST.get("parent"))
    form = CommentForm(request.POST, postmortem=postmortem)
    shown_key = request.POST.get("section", "")
    refusal = check_rights(rights)
    if refusal is not None:
        return refused(request, postmortem, *refusal, scope=scope, section_key=shown_key)
    if form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            comment = services_comments.comment_add(
                postmortem=postmortem,
                actor=request.user,
                body=form.cleaned_data["body"],
                section_key=form.cleaned_data["section"],
                parent=parent,
            )
        except PermissionDenied as denied:
            return refused(request, postmortem, 403, str(denied), scope=scope, section_key=None)
        except services_comments.CommentsClosed as closed:
            return refused(
                request, postmortem, 409, str(closed), scope=scope, section_key=shown_key
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return changed(
                    render_threads(
                        request,
                        postmortem,
                        scope=scope,
                        section_key=comment.section_key,
                        notice="Reply added." if parent else "Comment added.",
                    )
                )
            messages.success(request, "Reply added." if parent else "Comment added.")
            return redirect(back_url(request, postmortem, comment, rights))
    if is_reply:
        parent = form.cleaned_data.get("parent") if "parent" not in form.errors else None
        if parent is not None:
            shown_key = parent.section_key
        alert = " ".join(form.errors.get("parent", []))
        return render_threads(
            request,
            postmortem,
            scope=scope,
            section_key=shown_key,
            status=400,
            reply_form=form,
            alert=alert,
            rights=rights,
        )
    return render_threads(
        request,
        postmortem,
        scope=scope,
        section_key=shown_key,
        status=400,
        form=form,
        rights=rights,
    )


def _thread_action(request, postmortem, comment, service, done: str) -> HttpResponse:
    rights = access(request.user, request.membership, postmortem)
    scope = scope_of(request)
    thread = comment.parent or comment
    refusal = check_rights(rights)
    if refusal is not None:
        return refused(request, postmortem, *refusal, scope=scope, section_key=thread.section_key)
    try:
        thread = service(comment=comment, actor=request.user)
    except PermissionDenied as denied:
        return refused(request, postmortem, 403, str(denied), scope=scope, section_key=None)
    except services_comments.CommentsClosed as closed:
        return refused(
            request, postmortem, 409, str(closed), scope=scope, section_key=thread.section_key
        )
    if request.htmx:
        return changed(
            render_threads(
                request,
                postmortem,
                scope=scope,
                section_key=thread.section_key,
                notice=done,
                rights=rights,
            )
        )
    messages.success(request, done)
    return redirect(back_url(request, postmortem, thread, rights))


@postmortem_from_number
@comment_from_id
@require_POST
def comment_resolve(request: HttpRequest, postmortem: Postmortem, comment: Comment):
    """Resolve the comment's thread (a reply resolves the thread it belongs to)."""
    return _thread_action(
        request, postmortem, comment, services_comments.comment_resolve, "Thread resolved."
    )


@postmortem_from_number
@comment_from_id
@require_POST
def comment_reopen(request: HttpRequest, postmortem: Postmortem, comment: Comment):
    return _thread_action(
        request, postmortem, comment, services_comments.comment_reopen, "Thread reopened."
    )
