"""The SSO protocol counterparts speak their protocols: a Relying Party of our own (plain HTTP
for OpenID Connect, pysaml2's service provider for SAML) logs in through them, and refuses what
they make bad on purpose. None of this needs Hindsight's SSO code."""

import base64
import hashlib
import json
import secrets
import urllib.parse
import urllib.request

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.response import StatusError

RP = "http://testserver/accounts/oidc/acme/login/callback/"
SP_ENTITY = "http://testserver/accounts/saml/acme/metadata/"
SP_ACS = "http://testserver/accounts/saml/acme/acs/"


# OpenID Connect -------------------------------------------------------------------------------


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified_claims(token: str, jwks: dict) -> dict:
    """The payload of an RS256 JWT whose signature a key of ``jwks`` verifies."""
    header_part, payload_part, signature = token.split(".")
    header = json.loads(_b64url(header_part))
    assert header["alg"] == "RS256"
    jwk = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(_b64url(jwk["e"])), int.from_bytes(_b64url(jwk["n"]))
    ).public_key()
    public_key.verify(
        _b64url(signature),
        f"{header_part}.{payload_part}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    return json.loads(_b64url(payload_part))


@pytest.fixture
def rp(oidc_provider):
    """A registered client and a person who may log in."""
    oidc_provider.add_client("hindsight-acme", "s3cret-acme", [RP])
    oidc_provider.set_account(
        "ann-1",
        "ann@acme.example",
        name="Ann Lee",
        given_name="Ann",
        family_name="Lee",
        groups=["engineering"],
    )
    oidc_provider.next_login("ann-1")
    return oidc_provider


def log_in(provider, client_id="hindsight-acme", secret="s3cret-acme"):  # noqa: S107
    """An authorization-code flow with state, nonce and PKCE; the token response and the
    id_token's verified claims."""
    state, nonce, verifier = (
        secrets.token_urlsafe(16),
        secrets.token_urlsafe(16),
        secrets.token_urlsafe(48),
    )
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": client_id,
        "redirect_uri": RP,
        "response_type": "code",
        "scope": "openid email profile groups",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    back = provider.authorize(f"{provider.authorization_endpoint}?{urllib.parse.urlencode(query)}")
    assert back.startswith(RP)
    answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
    assert answer["state"] == state
    tokens = provider.exchange_code(answer["code"], client_id, secret, RP, verifier)
    claims = verified_claims(tokens["id_token"], provider.jwks())
    return tokens, claims, nonce


def test_the_provider_serves_its_discovery_document(oidc_provider):
    discovery = oidc_provider.discovery

    assert discovery["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    assert discovery["token_endpoint"] == f"{oidc_provider.issuer}/token"
    assert {"openid", "email", "profile", "groups"} <= set(discovery["scopes_supported"])
    assert {"email", "email_verified", "name", "groups"} <= set(discovery["claims_supported"])
    assert [key["kty"] for key in oidc_provider.jwks()["keys"]] == ["RSA"]


def test_a_login_gives_a_signed_id_token_and_userinfo_with_the_groups(rp):
    tokens, claims, nonce = log_in(rp)

    assert claims["iss"] == rp.issuer
    assert claims["aud"] == "hindsight-acme"
    assert claims["nonce"] == nonce
    assert claims["sub"] == "ann-1"
    assert claims["email"] == "ann@acme.example"
    assert claims["email_verified"] is True
    assert claims["name"] == "Ann Lee"
    assert claims["groups"] == ["engineering"]
    request = urllib.request.Request(  # noqa: S310 - loopback
        rp.userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        userinfo = json.load(answer)
    assert userinfo["groups"] == ["engineering"]
    assert userinfo["email"] == "ann@acme.example"
    assert rp.last_authorization()["nonce"] == nonce


def test_a_client_may_send_its_secret_in_the_body(rp):
    rp.add_client("hindsight-post", "s3cret-post", [RP], "client_secret_post")
    query = urllib.parse.urlencode(
        {"client_id": "hindsight-post", "redirect_uri": RP, "response_type": "code"}
        | {"scope": "openid email", "state": "s", "nonce": "n"}
    )
    back = rp.authorize(f"{rp.authorization_endpoint}?{query}")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["code"]
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": RP}
    fields |= {"client_id": "hindsight-post", "client_secret": "s3cret-post"}
    request = urllib.request.Request(  # noqa: S310 - loopback
        rp.token_endpoint, data=urllib.parse.urlencode(fields).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        tokens = json.load(answer)

    claims = verified_claims(tokens["id_token"], rp.jwks())
    assert claims["aud"] == "hindsight-post"
    assert "groups" not in claims  # released for the groups scope only


def test_a_group_changed_at_the_provider_shows_at_the_next_login(rp):
    assert log_in(rp)[1]["groups"] == ["engineering"]

    rp.set_account("ann-1", "ann@acme.example", name="Ann Lee", groups=["sre", "on-call"])

    assert log_in(rp)[1]["groups"] == ["sre", "on-call"]


def test_the_next_login_can_be_someone_else(rp):
    rp.set_account("bob-2", "bob@acme.example", name="Bob", groups=[])
    rp.next_login("bob-2")

    claims = log_in(rp)[1]

    assert (claims["sub"], claims["email"], claims["groups"]) == ("bob-2", "bob@acme.example", [])


def test_a_failed_login_redirects_back_with_the_error_once(rp):
    rp.fail_next_login("access_denied", "no entry today")
    query = urllib.parse.urlencode(
        {"client_id": "hindsight-acme", "redirect_uri": RP, "response_type": "code"}
        | {"scope": "openid", "state": "st-1", "nonce": "n"}
    )

    back = rp.authorize(f"{rp.authorization_endpoint}?{query}")

    answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
    assert answer["error"] == "access_denied"
    assert answer["state"] == "st-1"
    assert "code" not in answer
    assert log_in(rp)[1]["sub"] == "ann-1"


def test_the_next_id_token_can_be_for_another_audience_signed_by_the_provider(rp):
    rp.tamper_next_id_token(audience="someone-else")

    claims = log_in(rp)[1]  # the signature still verifies with the provider's key

    assert claims["aud"] == "someone-else"
    assert log_in(rp)[1]["aud"] == "hindsight-acme"  # once only


def test_the_next_id_token_can_carry_a_wrong_nonce(rp):
    rp.tamper_next_id_token(nonce="not-the-one-sent")

    _, claims, nonce = log_in(rp)

    assert claims["nonce"] == "not-the-one-sent" != nonce


def test_a_token_from_the_provider_does_not_verify_with_a_changed_payload(rp):
    tokens = log_in(rp)[0]
    header, payload, signature = tokens["id_token"].split(".")
    forged = json.loads(_b64url(payload)) | {"groups": ["admins"]}
    forged_part = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    with pytest.raises(InvalidSignature):
        verified_claims(f"{header}.{forged_part}.{signature}", rp.jwks())


# SAML -----------------------------------------------------------------------------------------


def sp_client(idp, entity_id=SP_ENTITY, acs=SP_ACS, allow_unsolicited=False):
    """pysaml2's service provider, trusting the IdP's metadata and wanting everything signed."""
    config = SPConfig()
    config.load(
        {
            "entityid": entity_id,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"inline": [idp.metadata_xml]},
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]},
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": allow_unsolicited,
                }
            },
        }
    )
    return Saml2Client(config)


def sp_initiated(idp, client, relay_state="/incidents/"):
    """The SP's AuthnRequest (HTTP-Redirect) through the IdP; the request id and the form."""
    request_id, info = client.prepare_for_authenticate(
        entityid=idp.entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
    )
    return request_id, idp.login(dict(info["headers"])["Location"])


@pytest.fixture
def ann(saml_idp):
    return saml_idp.next_login(
        "ann@acme.example", first_name="Ann", last_name="Lee", groups=["engineering", "sre"]
    )


def test_the_idp_metadata_is_served_and_parses(saml_idp):
    with urllib.request.urlopen(saml_idp.metadata_url, timeout=10) as answer:  # noqa: S310
        served = answer.read().decode()
    store = MetadataStore(None, None)
    store.load("inline", served)

    assert served == saml_idp.metadata_xml
    assert store.identity_providers() == [saml_idp.entity_id]
    sso = store.single_sign_on_service(saml_idp.entity_id, BINDING_HTTP_REDIRECT)
    assert [endpoint["location"] for endpoint in sso] == [saml_idp.sso_url]
    certificate = "".join(saml_idp.certificate_pem.splitlines()[1:-1])
    signing = store.certs(saml_idp.entity_id, "idpsso", "signing")[0][1]
    assert "".join(signing.split()) == certificate


def test_an_sp_initiated_login_gives_a_signed_response_with_the_attributes(saml_idp, ann):
    client = sp_client(saml_idp)
    request_id, form = sp_initiated(saml_idp, client)

    response = client.parse_authn_request_response(
        form.saml_response, BINDING_HTTP_POST, outstanding={request_id: "/incidents/"}
    )

    assert (form.action, form.relay_state) == (SP_ACS, "/incidents/")
    assert response.ava == {
        "email": ["ann@acme.example"],
        "firstName": ["Ann"],
        "lastName": ["Lee"],
        "groups": ["engineering", "sre"],
    }
    assert response.name_id.text == "ann@acme.example"
    assert response.assertion.signature is not None
    assert response.response.signature is not None
    assert saml_idp.last_request.issuer == SP_ENTITY
    assert saml_idp.last_request.acs_url == SP_ACS


def test_the_service_provider_is_whoever_the_request_names(saml_idp, ann):
    live = "http://localhost:8123/accounts/saml/acme"
    client = sp_client(saml_idp, f"{live}/metadata/", f"{live}/acs/")
    request_id, form = sp_initiated(saml_idp, client)

    response = client.parse_authn_request_response(
        form.saml_response, BINDING_HTTP_POST, outstanding={request_id: "/incidents/"}
    )

    assert form.action == f"{live}/acs/"
    assert response.ava["email"] == ["ann@acme.example"]


@pytest.mark.parametrize(
    ("bad", "refusal"),
    [
        ({"expired": True}, "Condition not OK"),
        ({"other_key": True}, "Failed to verify signature"),
        ({"audience": "http://elsewhere.example/metadata/"}, "AudienceRestrictions"),
    ],
)
def test_a_bad_response_from_the_sso_endpoint_is_refused(saml_idp, ann, bad, refusal):
    client = sp_client(saml_idp)
    saml_idp.tamper_next_response(**bad)
    request_id, form = sp_initiated(saml_idp, client)

    with pytest.raises(Exception, match=refusal):
        client.parse_authn_request_response(
            form.saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )


@pytest.mark.parametrize(
    ("bad", "refusal"),
    [({"expired": True}, "Condition not OK"), ({"other_key": True}, "Failed to verify")],
)
def test_a_bad_response_made_for_a_test_is_refused(saml_idp, ann, bad, refusal):
    client = sp_client(saml_idp)
    request_id, _ = sp_initiated(saml_idp, client)
    response = saml_idp.response_for(SP_ACS, SP_ENTITY, in_response_to=request_id, **bad)

    with pytest.raises(Exception, match=refusal):
        client.parse_authn_request_response(
            response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )


def test_an_unsolicited_response_is_valid_where_the_sp_accepts_those(saml_idp, ann):
    response = saml_idp.response_for(SP_ACS, SP_ENTITY)

    accepted = sp_client(saml_idp, allow_unsolicited=True).parse_authn_request_response(
        response, BINDING_HTTP_POST, outstanding={}
    )

    assert accepted.ava["groups"] == ["engineering", "sre"]
    with pytest.raises(Exception, match="Unsolicited"):
        sp_client(saml_idp).parse_authn_request_response(
            response, BINDING_HTTP_POST, outstanding={}
        )


def test_a_failed_login_answers_with_an_unsuccessful_status_once(saml_idp, ann):
    client = sp_client(saml_idp)
    saml_idp.fail_next_login("no entry today")
    request_id, form = sp_initiated(saml_idp, client)

    with pytest.raises(StatusError):
        client.parse_authn_request_response(
            form.saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
        )
    request_id, form = sp_initiated(saml_idp, client)
    assert client.parse_authn_request_response(
        form.saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"}
    ).ava["email"] == ["ann@acme.example"]


def test_without_a_chosen_user_the_idp_says_so(saml_idp):
    _, info = sp_client(saml_idp).prepare_for_authenticate(
        entityid=saml_idp.entity_id, binding=BINDING_HTTP_REDIRECT
    )

    with pytest.raises(ValueError, match="next_login"):
        saml_idp.login(dict(info["headers"])["Location"])
