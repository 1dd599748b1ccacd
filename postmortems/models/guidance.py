"""What the guidance remembers of a postmortem: dismissed language findings and quality
snapshots."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel
from postmortems.models.documents import Postmortem


class LanguageDismissal(TenantModel):
    """A writer's "not a problem here" on one language alarm in one sentence of a postmortem."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="language_dismissals"
    )
    key = models.CharField(max_length=80, help_text="language.dismissal_key: rule and sentence.")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "key"], name="unique_dismissal")
        ]

    def __str__(self) -> str:
        return self.key


class QualitySnapshot(TenantModel):
    """The checklist items that were failing when the author submitted anyway (confirmed),
    shown to the reviewers of that round."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="quality_snapshots"
    )
    round = models.PositiveIntegerField()
    failing = models.JSONField(default=list, help_text='[{"key", "label", "detail"}, …]')
    score = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "round"], name="one_quality_snapshot_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"Quality {self.score} at round {self.round}"
