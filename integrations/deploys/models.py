"""Releases: a version of a service that went out, told by the release webhook or GitHub's
deployment statuses. The incident page lists those shortly before impact as suspect changes."""

from django.db import models

from incidents.models import Service
from organizations.models import TenantModel


class ReleaseSource(models.TextChoices):
    RELEASE = "release", "Release webhook"
    GITHUB = "github", "GitHub deployment"


class Release(TenantModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    deployed_at = models.DateTimeField()
    source = models.CharField(max_length=12, choices=ReleaseSource.choices)
    # The source's id of the release: the same release told twice is one row.
    external_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deployed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"], name="unique_release"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "service", "-deployed_at"], name="release_latest")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.deployed_at:%Y-%m-%d %H:%M})"
