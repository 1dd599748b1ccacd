"""API v1 for the review workflow (DESIGN §3, §8): submit, review, withdraw, archive, unarchive.

Built like ``postmortems.api``: the postmortem is found in the token's organization first (404
for another organization's or an invisible one, whatever the role and method), the role is
checked next (403), then the member's rights on this postmortem (403, judged before the body is
read), and the transition decides the rest: 409 with ``{"detail": "<why>"}`` when the status
does not allow it now, 400 naming the fields when something is missing (unfilled required
sections under ``sections``, reviewers under ``reviewers``, a comment under ``comment``).
Every transition answers the postmortem resource as it now is.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api_serializers import StrictSerializer
from organizations.models import Membership
from organizations.roles import Action
from postmortems.api import NUMBER_PARAMETER, PostmortemObjectView, errors
from postmortems.api_serializers import PostmortemSerializer
from postmortems.models import Review
from postmortems.permissions import Access
from postmortems.review import transitions
from postmortems.review.people import PeopleLocked

MAX_REVIEWERS = 20
APPROVE, REQUEST_CHANGES = "approve", "request_changes"


# --- Resources ---------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    """One reviewer's decision in one review round (a submit opens a round; PENDING until they
    decide)."""

    reviewer = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The reviewer's username."
    )

    class Meta:
        model = Review
        fields = ("reviewer", "round", "decision", "comment", "decided_at")
        read_only_fields = fields


class TransitionConflictSerializer(serializers.Serializer):
    """A 409: the postmortem's status does not allow this now."""

    detail = serializers.CharField(help_text="Why, e.g. “PM-7 is published; …”.")


# --- Requests ----------------------------------------------------------------------------------


class SubmitSerializer(StrictSerializer):
    reviewers = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        max_length=MAX_REVIEWERS,
        help_text="Usernames of the reviewers; when given, they replace the assigned ones.",
    )

    def validate_reviewers(self, usernames: list[str]) -> list:
        """The members named, in the order given; unknown names are a 400 listing them."""
        wanted = list(dict.fromkeys(name.strip() for name in usernames))
        members = {
            user.username: user
            for user in get_user_model().objects.filter(
                username__in=wanted,
                pk__in=Membership.objects.filter(organization=self.context["organization"]).values(
                    "user"
                ),
            )
        }
        unknown = [name for name in wanted if name not in members]
        if unknown:
            names = ", ".join(f"“{name}”" for name in unknown)
            raise serializers.ValidationError(f"No member of this organization is named {names}.")
        return [members[name] for name in wanted]


class ReviewCreateSerializer(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=[(APPROVE, "Approve"), (REQUEST_CHANGES, "Request changes")],
        help_text="`request_changes` sends the postmortem back to draft.",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10_000,
        help_text="Required when requesting changes: what should change.",
    )


# --- Views -------------------------------------------------------------------------------------

CONFLICT = OpenApiResponse(
    TransitionConflictSerializer,
    description="The postmortem's current status does not allow this (the detail says why).",
)


def transition_responses(*codes: int) -> dict:
    return {200: PostmortemSerializer, **errors(*codes), 409: CONFLICT}


class TransitionView(PostmortemObjectView):
    """A POST that moves the postmortem through its workflow and answers it as it now is."""

    conflict_errors = (transitions.TransitionError, PeopleLocked)

    def access(self) -> Access:
        return Access(
            user=self.request.user,
            membership=self.request._request.membership,
            postmortem=self.postmortem,
        )

    def refuse_unless(self, allowed: bool, message: str) -> None:
        """Rights first, before the body is read (the transition checks again, locked)."""
        if not allowed:
            raise PermissionDenied(message)

    def transitioned(self) -> Response:
        return self.postmortem_response(self.find_postmortem(self.postmortem.number))


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemSubmitView(TransitionView):
    write_action = Action.CREATE_POSTMORTEM

    @extend_schema(
        summary="Submit a draft for review",
        description="Opens a review round. Every required section must be written and at least "
        "one reviewer (the organization's required approvals, if more) assigned; `reviewers`, "
        "when given, replace the assigned ones. The author, invited editors and admins submit.",
        request=SubmitSerializer,
        responses=transition_responses(400, 401, 403, 404),
    )
    def post(self, request: Request, number: int) -> Response:
        self.refuse_unless(
            self.access().may_submit,
            "Only the author, invited editors and admins submit a postmortem.",
        )
        serializer = SubmitSerializer(
            data=request.data, context={"organization": request.organization}
        )
        serializer.is_valid(raise_exception=True)
        transitions.postmortem_submit(
            postmortem=self.postmortem,
            actor=request.user,
            reviewers=serializer.validated_data.get("reviewers"),
        )
        return self.transitioned()


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemWithdrawView(TransitionView):
    write_action = Action.CREATE_POSTMORTEM

    @extend_schema(
        summary="Withdraw from review",
        description="Back to draft, the round undecided. The author or an admin withdraws.",
        request=None,
        responses=transition_responses(401, 403, 404),
    )
    def post(self, request: Request, number: int) -> Response:
        self.refuse_unless(
            self.access().may_withdraw,
            transitions.WITHDRAW.refusal,
        )
        transitions.postmortem_withdraw(postmortem=self.postmortem, actor=request.user)
        return self.transitioned()


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemReviewsView(TransitionView):
    write_action = Action.REVIEW_POSTMORTEM

    @extend_schema(
        summary="List the reviews",
        description="Every round's reviews, oldest round first, then by reviewer.",
        responses={200: ReviewSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, number: int) -> Response:
        reviews = (
            Review.objects.filter(postmortem=self.postmortem)
            .select_related("reviewer")
            .order_by("round", "reviewer__username", "id")
        )
        return self.paginated_response(reviews, ReviewSerializer)

    @extend_schema(
        summary="Approve or request changes",
        description="By an assigned reviewer other than the author, while the postmortem is in "
        "review. The approval that reaches the organization's required count publishes it "
        "(409 while a comment thread is unresolved); approving twice changes nothing. "
        "Requesting changes needs a `comment` and sends it back to draft.",
        request=ReviewCreateSerializer,
        responses=transition_responses(400, 401, 403, 404),
    )
    def post(self, request: Request, number: int) -> Response:
        self.refuse_unless(
            self.access().may_review,
            "Only an assigned reviewer other than the author reviews this postmortem.",
        )
        serializer = ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["decision"] == APPROVE:
            transitions.postmortem_approve(
                postmortem=self.postmortem, actor=request.user, comment=data["comment"]
            )
        else:
            transitions.postmortem_request_changes(
                postmortem=self.postmortem, actor=request.user, comment=data["comment"]
            )
        return self.transitioned()


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemArchiveView(TransitionView):
    write_action = Action.ARCHIVE_POSTMORTEM

    @extend_schema(
        summary="Archive a published postmortem",
        description="Admins archive.",
        request=None,
        responses=transition_responses(401, 403, 404),
    )
    def post(self, request: Request, number: int) -> Response:
        transitions.postmortem_archive(postmortem=self.postmortem, actor=request.user)
        return self.transitioned()


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemUnarchiveView(TransitionView):
    write_action = Action.ARCHIVE_POSTMORTEM

    @extend_schema(
        summary="Unarchive a postmortem",
        description="Back to published. Admins unarchive.",
        request=None,
        responses=transition_responses(401, 403, 404),
    )
    def post(self, request: Request, number: int) -> Response:
        transitions.postmortem_unarchive(postmortem=self.postmortem, actor=request.user)
        return self.transitioned()
