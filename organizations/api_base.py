"""The pieces every token API view is built from: permission, pagination, errors, base view.

Kept apart from ``api_auth`` because DRF imports the authentication class while it is still
defining ``APIView``; this module imports ``APIView`` and so must not be imported by it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from .api_auth import BearerTokenAuthentication
from .roles import Action, can


class RoleAllows(BasePermission):
    """Reads need ``Action.VIEW``; writes need the view's ``write_action`` (for example
    ``Action.UPDATE_INCIDENT``), judged on the token user's current role."""

    message = "Your role in this organization does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        action = Action.VIEW if request.method in SAFE_METHODS else view.write_action
        return can(getattr(request._request, "membership", None), action)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The current state does not allow this."
    default_code = "conflict"


class ApiPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page=`` and ``?page_size=`` (≤ 200)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class TokenApiView(APIView):
    """Base of every API view: JSON, bearer token only, role checked, service errors as HTTP
    errors.

    A service's ``ValidationError`` becomes a 400 naming the fields; the exceptions listed in
    ``conflict_errors`` (a transition the status does not allow) become a 409.
    """

    authentication_classes = [BearerTokenAuthentication]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    permission_classes = [RoleAllows]
    write_action: Action = Action.MANAGE_ORGANIZATION  # the safest default; views narrow it
    conflict_errors: tuple[type[Exception], ...] = ()
    pagination_class = ApiPagination

    def paginated_response(
        self,
        queryset: QuerySet,
        serializer_class: type[BaseSerializer],
        context: dict | None = None,
    ) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(page, many=True, context=context or {"request": self.request})
        return paginator.get_paginated_response(data.data)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(validation_error_detail(exc))
        elif isinstance(exc, self.conflict_errors):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF's ``{"field": ["message", …]}``."""
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"non_field_errors": error.messages}
