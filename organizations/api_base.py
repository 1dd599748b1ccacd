"""The pieces every token API view is built from: permission, pagination, errors, base view.

Kept apart from ``api_auth`` because DRF imports the authentication class while it is still
defining ``APIView``; this module imports ``APIView`` and so must not be imported by it.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
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
from .selectors_members import member_by_username
from .validators import has_control_characters


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


@extend_schema_field(OpenApiTypes.STR)
class MemberField(serializers.Field):
    """A person by username: an active member of the token's organization (the user)."""

    default_error_messages = {
        "invalid": "Give a username.",
        "does_not_exist": "No member of this organization has the username “{value}”.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The username of a member of the organization.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> AbstractBaseUser:
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        username = data.strip()
        if has_control_characters(username):
            raise serializers.ValidationError("Null and control characters are not allowed.")
        membership = member_by_username(
            organization=self.context["request"].organization, username=username
        )
        if membership is None or not membership.user.is_active:
            self.fail("does_not_exist", value=username[:150])
        return membership.user

    def to_representation(self, user: AbstractBaseUser) -> str:
        return user.get_username()


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
