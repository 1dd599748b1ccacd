"""Two-factor authentication (allauth's TOTP and recovery codes) in Hindsight's pages: set up
from the account menu, asked for at the next password sign-in, a recovery code once."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from identity.models import SignIn, SignInMethod
from tests.identity.helpers import (
    MFA_AUTHENTICATE,
    TOTP_SETUP,
    confirm_password,
    password_sign_in,
    totp_code,
)


def _set_up_totp(client, username: str) -> str:
    """Sign in with the password and turn on an authenticator app; returns its secret."""
    assert password_sign_in(client, username).status_code == 302
    page = confirm_password(client, TOTP_SETUP)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(TOTP_SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    return secret


def _unused_recovery_codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(authenticator).get_unused_codes()


def test_the_account_menu_leads_to_two_factor_in_hindsights_look(client, engineer):
    client.force_login(engineer)
    home = client.get("/")
    assert b'href="/accounts/2fa/">Two-factor authentication</a>' in home.content
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert b'class="app-header"' in page.content and b"Set up an authenticator app" in page.content


def test_the_setup_page_shows_a_qr_code_the_csp_allows(client, engineer):
    password_sign_in(client, "engineer")
    page = confirm_password(client, TOTP_SETUP)
    assert b'src="data:image/svg+xml;base64,' in page.content
    assert b'class="app-header"' in page.content
    policy = page["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert "data:" in img_src
    assert client.session["mfa.totp.secret"].encode() in page.content


def test_an_unverified_address_does_not_keep_anyone_from_a_second_factor(client, engineer):
    EmailAddress.objects.create(user=engineer, email=engineer.email, verified=False, primary=True)
    _set_up_totp(client, "engineer")
    assert Authenticator.objects.filter(user=engineer, type=Authenticator.Type.TOTP).exists()


def test_a_wrong_setup_code_turns_nothing_on(client, engineer):
    password_sign_in(client, "engineer")
    confirm_password(client, TOTP_SETUP)
    response = client.post(TOTP_SETUP, {"code": "12345"})
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    assert not Authenticator.objects.filter(user=engineer).exists()


def test_sign_in_asks_for_the_code_and_a_recovery_code_works_once(client, engineer):
    secret = _set_up_totp(client, "engineer")
    codes = client.get("/accounts/2fa/recovery-codes/")
    recovery_codes = _unused_recovery_codes(engineer)
    assert recovery_codes[0].encode() in codes.content

    second = Client()
    response = password_sign_in(second, "engineer")
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE
    page = second.get(MFA_AUTHENTICATE)
    assert b"Enter the 6-digit code from your authenticator app" in page.content
    assert b'class="auth-card"' in page.content
    assert second.get("/").status_code == 302  # not signed in yet

    right = totp_code(secret)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    refused = second.post(MFA_AUTHENTICATE, {"code": wrong})
    assert refused.status_code == 200 and b'class="errorlist"' in refused.content
    assert second.get("/").status_code == 302

    assert second.post(MFA_AUTHENTICATE, {"code": right}).status_code == 302
    assert second.get("/").status_code == 200
    session_key = second.session.session_key
    assert SignIn.objects.get(session_key=session_key).method == SignInMethod.PASSWORD_MFA

    third = Client()
    password_sign_in(third, "engineer")
    assert third.post(MFA_AUTHENTICATE, {"code": recovery_codes[0]}).status_code == 302
    assert third.get("/").status_code == 200
    assert recovery_codes[0] not in _unused_recovery_codes(engineer)

    fourth = Client()
    password_sign_in(fourth, "engineer")
    reused = fourth.post(MFA_AUTHENTICATE, {"code": recovery_codes[0]})
    assert reused.status_code == 200
    assert fourth.get("/").status_code == 302


def test_turning_it_off_asks_who_you_are_first_by_password_or_code(client, engineer):
    _set_up_totp(client, "engineer")
    by_code = client.get("/accounts/2fa/reauthenticate/")
    assert b"Enter a code from your authenticator app" in by_code.content
    assert b'class="auth-card"' in by_code.content
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert page.status_code == 200 and b"Turn off the authenticator app" in page.content
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=engineer, type=Authenticator.Type.TOTP).exists()
