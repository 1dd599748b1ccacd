"""Error pages: a full page normally, a message fragment for htmx requests."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

ERROR_TEXT = {
    403: ("You can't do that here", "Your role in this organization does not allow this action."),
    404: ("Page not found", "It may have moved, or you may not have access to it."),
}


def _error(request: HttpRequest, status: int, detail: str | None = None) -> HttpResponse:
    title, default_detail = ERROR_TEXT[status]
    context = {"status": status, "title": title, "detail": detail or default_detail}
    if getattr(request, "htmx", False):
        response = render(request, "errors/_fragment.html", context, status=status)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "beforeend"
        return response
    return render(request, "errors/page.html", context, status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    message = str(exception) if exception and str(exception) else None
    return _error(request, 403, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors: the failure may be in them."""
    return HttpResponse(render_to_string("errors/500.html"), status=500)
