"""Company sign-in: each organization's identity provider, its sign-in rules, the email domains
it has proven, the provisioning (SCIM) tokens, and the sign-ins that hold a session open."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from organizations.encryption import EncryptedTextField
from organizations.models import Organization, TenantModel
from organizations.roles import Role


class Protocol(models.TextChoices):
    OIDC = "OIDC", "OpenID Connect"
    SAML = "SAML", "SAML 2.0"


class ProviderStatus(models.TextChoices):
    DRAFT = "DRAFT", "Not tested"
    TESTED = "TESTED", "Tested"
    LIVE = "LIVE", "Live"


class IdentityProvider(TenantModel):
    """The organization's identity provider (one per organization).

    It signs people in only once ``status`` is LIVE: a new or changed configuration is a DRAFT
    until a test login round trip succeeded (TESTED, with what the provider sent kept in
    ``test_result``), and an admin then turns it on."""

    protocol = models.CharField(max_length=4, choices=Protocol.choices)
    name = models.CharField(
        max_length=80, help_text="Shown on the sign-in button, e.g. “Okta” or “Acme SSO”."
    )
    status = models.CharField(
        max_length=8, choices=ProviderStatus.choices, default=ProviderStatus.DRAFT
    )
    default_role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)
    groups_claim = models.CharField(
        max_length=100,
        default="groups",
        help_text="The OIDC claim or SAML attribute that lists the person's groups.",
    )
    # OpenID Connect
    issuer_url = models.URLField(max_length=500, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = EncryptedTextField(blank=True)
    scopes = models.CharField(max_length=255, default="openid email profile", blank=True)
    # SAML 2.0: the IdP metadata (by URL or pasted XML), or its entity id, SSO URL and certificate
    idp_metadata_url = models.URLField(max_length=500, blank=True)
    idp_metadata_xml = models.TextField(blank=True)
    idp_entity_id = models.CharField(max_length=500, blank=True)
    idp_sso_url = models.URLField(max_length=500, blank=True)
    idp_certificate = models.TextField(blank=True)
    # The last test round trip
    tested_at = models.DateTimeField(null=True, blank=True)
    test_result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_identity_provider")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_protocol_display()})"


class GroupRoleMapping(TenantModel):
    """A provider group that gives its members a Hindsight role, applied at every sign-in."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="group_mappings"
    )
    group = models.CharField(max_length=255)
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "group"], name="unique_group_mapping")
        ]
        ordering = ["group"]

    def __str__(self) -> str:
        return f"{self.group} → {self.role}"


class SignInPolicy(TenantModel):
    """How members of the organization may sign in (one per organization)."""

    require_sso = models.BooleanField(
        default=False, help_text="Members sign in through the identity provider only."
    )
    break_glass_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An admin who keeps a password when SSO is required (for an outage).",
    )
    require_mfa = models.BooleanField(
        default=False,
        help_text="Members who sign in with a password must use a second factor.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_sign_in_policy")]

    def __str__(self) -> str:
        return f"Sign-in policy of organization {self.organization_id}"


class DomainProof(models.TextChoices):
    DNS = "DNS", "DNS TXT record"
    PROVIDER = "PROVIDER", "Verified email from the identity provider"


class EmailDomain(TenantModel):
    """An email domain the organization claims; once verified, sign-ins with an address at it
    go to the organization's identity provider. A domain is verified for one organization."""

    domain = models.CharField(max_length=253)
    verification_token = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=8, choices=DomainProof.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "domain"], name="unique_domain_per_organization"
            ),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="one_verified_owner_per_domain",
            ),
        ]
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class ScimToken(TenantModel):
    """A bearer token for the organization's SCIM provisioning endpoint. Only a SHA-256 hash is
    stored (the plain token is shown once); it cannot be read back, only replaced."""

    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"SCIM token {self.prefix}…"


class SignInMethod(models.TextChoices):
    PASSWORD = "PASSWORD", "Password"
    PASSWORD_MFA = "PASSWORD_MFA", "Password and second factor"
    SSO = "SSO", "Company sign-in"


class SignIn(models.Model):
    """A signed-in session: who, how, and (for SSO) through which organization's provider.

    Not a tenant row: a person's session spans every organization they belong to. It lets the
    sign-in rules end exactly the sessions a rule no longer admits (``services.sessions``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_ins"
    )
    session_key = models.CharField(max_length=40, unique=True)
    method = models.CharField(max_length=12, choices=SignInMethod.choices)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organization whose identity provider signed the person in (SSO only).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "method"])]

    def __str__(self) -> str:
        return f"{self.user} by {self.method}"


class ScimUser(TenantModel):
    """A person the organization's provisioning (SCIM) client manages: the id it knows them by
    (this row's pk), its ``userName`` and ``externalId`` for them, and the account it maps to.

    The row outlives the membership: a deactivated person has no membership but stays known
    to the client (``active: false``) until it reactivates or deletes them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_users"
    )
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=254, blank=True)
    created_account = models.BooleanField(
        default=False,
        help_text="The account was created by this provisioning (not an existing one linked).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_scim_user_per_user"),
            models.UniqueConstraint(
                Lower("user_name"), "organization", name="unique_scim_user_name"
            ),
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.user_name
