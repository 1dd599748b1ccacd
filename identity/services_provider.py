"""Writes of the "Sign-in" settings: the organization's identity provider, its group mapping and
its status (DRAFT → TESTED → LIVE).

A change to how Hindsight reaches the provider (the connection fields) returns it to DRAFT: it
must be tested again before it signs anyone in. The client secret is never in an audit entry:
a change of it is recorded as "changed"."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scope

from organizations import audit
from organizations.models import Organization

from . import discovery
from .models import GroupRoleMapping, IdentityProvider, Protocol, ProviderStatus

CONNECTION_FIELDS = (
    "protocol",
    "issuer_url",
    "client_id",
    "client_secret",
    "scopes",
    "idp_metadata_url",
    "idp_metadata_xml",
    "idp_entity_id",
    "idp_sso_url",
    "idp_certificate",
)
OTHER_FIELDS = ("name", "default_role", "groups_claim")
# Audited as "changed", never with their value: a secret, and two long texts.
UNSHOWN_FIELDS = ("client_secret", "idp_metadata_xml", "idp_certificate")
CHANGED = "changed"


def _resolve(provider: IdentityProvider, values: dict) -> dict:
    """The values to save: the secret kept when left blank, and what the provider says of
    itself read in (OIDC discovery; SAML metadata). Raises ``ValidationError`` naming the
    field whose address or document is wrong."""
    values = dict(values)
    if not values.get("client_secret"):
        values["client_secret"] = provider.client_secret
    if values["protocol"] == Protocol.OIDC:
        values["issuer_url"] = values["issuer_url"].rstrip("/")
        if (
            provider.pk is None
            or provider.protocol != Protocol.OIDC
            or provider.issuer_url != values["issuer_url"]
            or provider.status == ProviderStatus.DRAFT
        ):
            discovery.oidc_discovery(values["issuer_url"])
        return values
    if values.get("idp_metadata_url"):
        idp = discovery.saml_metadata_from_url(values["idp_metadata_url"])
    elif values.get("idp_metadata_xml"):
        idp = discovery.saml_metadata(values["idp_metadata_xml"])
    else:
        return values
    values.update(
        idp_entity_id=idp.entity_id, idp_sso_url=idp.sso_url, idp_certificate=idp.certificate
    )
    return values


def _shown(field: str, value):
    return CHANGED if field in UNSHOWN_FIELDS else value


def provider_save(
    *, organization: Organization, actor: AbstractBaseUser, values: dict
) -> tuple[IdentityProvider, list[str]]:
    """Create or change the organization's identity provider from the settings form's
    ``values``; returns it with the names of the fields that changed. A blank
    ``client_secret`` keeps the saved one."""
    with scope(organization=organization):
        provider = IdentityProvider.objects.filter(organization=organization).first()
        creating = provider is None
        provider = provider or IdentityProvider(organization=organization)
        values = _resolve(provider, values)
        with transaction.atomic():
            if not creating:
                provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
            fields = CONNECTION_FIELDS + OTHER_FIELDS
            before = {field: getattr(provider, field) for field in fields}
            changed = [f for f in fields if f in values and values[f] != before[f]]
            if not changed and not creating:
                return provider, []
            for field in changed:
                setattr(provider, field, values[field])
            details = {
                field: {
                    "from": _shown(field, before[field]) if before[field] else None,
                    "to": _shown(field, values[field]),
                }
                for field in changed
                if not creating or values[field]
            }
            if any(field in CONNECTION_FIELDS for field in changed) and (
                creating or provider.status != ProviderStatus.DRAFT
            ):
                if not creating:
                    details["status"] = {"from": provider.status, "to": ProviderStatus.DRAFT}
                provider.status = ProviderStatus.DRAFT
                provider.tested_at = None
                provider.test_result = {}
            provider.save()
            audit.record(
                organization=organization,
                actor=actor,
                action="sso.provider_created" if creating else "sso.provider_updated",
                target=provider.name,
                details=details,
            )
    return provider, changed


def mappings_save(
    *, provider: IdentityProvider, actor: AbstractBaseUser, rows: list[tuple[str, str]]
) -> bool:
    """Replace the provider's group → role mapping with ``rows`` ((group, role) pairs, groups
    distinct); returns whether it changed."""
    organization = provider.organization
    wanted = dict(rows)
    with scope(organization=organization), transaction.atomic():
        saved = {
            mapping.group: mapping
            for mapping in GroupRoleMapping.objects.select_for_update().filter(
                organization=organization, provider=provider
            )
        }
        removed = [group for group in saved if group not in wanted]
        added = [f"{g} → {r}" for g, r in wanted.items() if g not in saved]
        updated = [f"{g} → {r}" for g, r in wanted.items() if g in saved and saved[g].role != r]
        if not (removed or added or updated):
            return False
        GroupRoleMapping.objects.filter(
            organization=organization, provider=provider, group__in=removed
        ).delete()
        for group, role in wanted.items():
            GroupRoleMapping.objects.update_or_create(
                organization=organization, provider=provider, group=group, defaults={"role": role}
            )
        details = {"added": added, "changed": updated, "removed": removed}
        audit.record(
            organization=organization,
            actor=actor,
            action="sso.mapping_changed",
            target=provider.name,
            details={key: value for key, value in details.items() if value},
        )
    return True


def _set_status(
    provider: IdentityProvider, actor: AbstractBaseUser, status: str, action: str
) -> IdentityProvider:
    organization = provider.organization
    with scope(organization=organization), transaction.atomic():
        provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
        if provider.status == status:
            return provider
        if provider.status == ProviderStatus.DRAFT:
            raise ValidationError("Test the connection first: it has changed since the last test.")
        old = provider.status
        provider.status = status
        provider.save(update_fields=["status", "updated_at"])
        audit.record(
            organization=organization,
            actor=actor,
            action=action,
            target=provider.name,
            details={"status": [old, status]},
        )
    return provider


def provider_turn_on(*, provider: IdentityProvider, actor: AbstractBaseUser) -> IdentityProvider:
    """LIVE: the provider signs people in. Only a TESTED provider can be turned on."""
    return _set_status(provider, actor, ProviderStatus.LIVE, "sso.turned_on")


def provider_turn_off(*, provider: IdentityProvider, actor: AbstractBaseUser) -> IdentityProvider:
    """Back to TESTED: nobody signs in through it until it is turned on again."""
    return _set_status(provider, actor, ProviderStatus.TESTED, "sso.turned_off")
