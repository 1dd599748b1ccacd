"""Request plumbing: the tenant boundary and htmx-aware responses."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_scopes import scope, scopes_disabled

from . import selectors
from .api_auth import resolve_bearer_token
from .models import Membership
from .scoping import no_scope

ORG_KWARG = "org_slug"
API_NAMESPACE = "api"
UNSCOPED_NAMESPACES = {"admin"}
NUL = "\x00"
API_PATH_PREFIX = "/api/"
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class TenantMiddleware:
    """Resolve the organization once per request and hold the request inside its scope.

    A URL with ``org_slug`` requires a membership: a non-member gets 404 whether or not the
    organization exists. A URL of the ``api`` namespace takes its organization from the bearer
    token instead (never from the session): a usable token whose user is still a member holds
    the request in the token's organization; without one the request runs in no scope and
    the API's authentication answers 401. Every other request runs in no scope
    (``scoping.no_scope``: not even a scope of the caller's, as in the tests), so a tenant query
    outside an organization raises instead of leaking; only the superuser admin runs unscoped.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None
        request.membership = None
        request.api_token = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            with no_scope():
                return self.get_response(request)

        if API_NAMESPACE in match.namespaces:
            return self._serve_api(request)

        if ORG_KWARG not in match.kwargs:
            if UNSCOPED_NAMESPACES.intersection(match.namespaces):
                with scopes_disabled():
                    return self.get_response(request)
            with no_scope():
                return self.get_response(request)

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        membership = selectors.membership_for(request.user, match.kwargs[ORG_KWARG])
        if membership is None:
            raise Http404("No such organization.")
        return self._serve_in_organization(request, membership)

    def _serve_api(self, request: HttpRequest) -> HttpResponse:
        credentials = resolve_bearer_token(request)
        if credentials is None:
            with no_scope():
                return self.get_response(request)
        request.api_token, membership = credentials
        return self._serve_in_organization(request, membership)

    def _serve_in_organization(self, request: HttpRequest, membership: Membership) -> HttpResponse:
        request.organization = membership.organization
        request.membership = membership
        with (
            scope(organization=membership.organization),
            timezone.override(membership.organization.time_zone),
        ):
            return self.get_response(request)


class HtmxResponseMiddleware:
    """Make responses behave for htmx.

    Every response varies on ``HX-Request`` (pages answer htmx with fragments). A redirect to
    the login page becomes ``HX-Redirect`` so an expired session never swaps the login form into
    a fragment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        if getattr(request, "htmx", False) and self._is_login_redirect(response):
            redirect = HttpResponseClientRedirect(response["Location"])
            patch_vary_headers(redirect, ("HX-Request",))
            return redirect
        return response

    @staticmethod
    def _is_login_redirect(response: HttpResponse) -> bool:
        if response.status_code not in (301, 302, 303, 307):
            return False
        login_path = resolve_url(settings.LOGIN_URL)
        return response.get("Location", "").split("?")[0] == login_path


class RefuseNulBytesMiddleware:
    """No person types a NUL byte, and PostgreSQL can neither store nor compare text holding
    one: a path carrying one is a 404, a posted form field a 400 naming the field.

    Forms and serializers refuse NUL in their text fields too; this covers the fields a view
    reads itself (a ``next``, a typed username, a title) before any query sees them. Query
    strings are left to the list and search forms, which name a bad filter and ignore it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            raise Http404("No such page.")
        field = self._field_with_nul(request)
        if field is not None:
            message = "Null characters are not allowed."
            if request.path.startswith(API_PATH_PREFIX):
                return JsonResponse({field: [message]}, status=400)
            return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain")
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request: HttpRequest) -> str | None:
        if request.method != "POST" or request.content_type not in FORM_CONTENT_TYPES:
            return None
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "\\x00")
        return None
