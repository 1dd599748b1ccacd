"""Reading an identity provider's own description of itself when an admin saves it: the OpenID
Connect discovery document, and SAML metadata (fetched from a URL or pasted).

Requests go through ``outbound.ProviderSession`` (https, no private network unless allowed by
``SSO_INSECURE_HOSTS``, a timeout). Every failure is a ``ValidationError`` naming the form field
it concerns."""

from dataclasses import dataclass

import requests
from django.core.exceptions import ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from . import outbound
from .outbound import DISCOVERY_PATH


@dataclass(frozen=True)
class SamlIdp:
    entity_id: str
    sso_url: str
    certificate: str


def check_address(url: str, field: str) -> None:
    """Refuse a URL Hindsight must not call (``outbound.address_problem``)."""
    if problem := outbound.address_problem(url):
        raise ValidationError({field: problem})


def _get(url: str, field: str, what: str) -> requests.Response:
    check_address(url, field)
    try:
        response = outbound.ProviderSession().get(url, allow_redirects=False)
    except requests.RequestException as exc:
        raise ValidationError(
            {field: f"Hindsight could not reach {what} at {url} ({type(exc).__name__})."}
        ) from exc
    if response.status_code != 200:
        raise ValidationError(
            {field: f"{what.capitalize()} at {url} answered {response.status_code}."}
        )
    return response


def oidc_discovery(issuer_url: str, field: str = "issuer_url") -> dict:
    """The issuer's discovery document, checked: it names this very issuer and the endpoints
    a sign-in needs."""
    issuer = issuer_url.rstrip("/")
    response = _get(issuer + DISCOVERY_PATH, field, "the discovery document")
    try:
        document = response.json()
    except ValueError as exc:
        raise ValidationError({field: "The discovery document is not JSON."}) from exc
    if not isinstance(document, dict):
        raise ValidationError({field: "The discovery document is not a JSON object."})
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ValidationError(
            {
                field: f"The discovery document names another issuer "
                f"({document.get('issuer') or 'none'}): use exactly the provider's issuer URL."
            }
        )
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not document.get(key)
    ]
    if missing:
        raise ValidationError(
            {
                field: f"The discovery document has no {', '.join(missing)}: "
                "is this an OpenID provider?"
            }
        )
    return document


def saml_metadata_from_url(url: str, field: str = "idp_metadata_url") -> SamlIdp:
    return saml_metadata(_get(url, field, "the metadata").text, field)


def saml_metadata(xml: str, field: str = "idp_metadata_xml") -> SamlIdp:
    """The IdP's entity id, single sign-on URL (HTTP-Redirect) and signing certificate from its
    metadata XML."""
    try:
        found = OneLogin_Saml2_IdPMetadataParser.parse(xml).get("idp") or {}
    except Exception as exc:  # the parser raises lxml's and its own errors alike
        raise ValidationError({field: "This is not SAML metadata XML."}) from exc
    entity_id = found.get("entityId") or ""
    sso_url = (found.get("singleSignOnService") or {}).get("url") or ""
    certificate = found.get("x509cert") or ""
    if not certificate:
        certificates = (found.get("x509certMulti") or {}).get("signing") or []
        certificate = certificates[0] if certificates else ""
    if not (entity_id and sso_url and certificate):
        raise ValidationError(
            {field: "The metadata lacks the IdP's entity id, SSO URL or signing certificate."}
        )
    return SamlIdp(entity_id=entity_id, sso_url=sso_url, certificate=certificate)
