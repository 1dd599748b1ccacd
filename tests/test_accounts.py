import re

import pytest
from django.core import mail

from tests.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_login_with_the_real_form_lands_on_my_organizations(client, engineer):
    response = login(client, "engineer")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert b"Acme Corporation" in client.get("/").content


def test_login_rotates_the_session_key(client, engineer):
    client.get("/accounts/login/")
    session = client.session
    session["before-login"] = True
    session.save()
    key_before = client.cookies["sessionid"].value
    login(client, "engineer")
    assert client.cookies["sessionid"].value != key_before


def test_wrong_password_re_renders_the_form_with_a_message(client, engineer):
    response = login(client, "engineer", "wrong")
    assert response.status_code == 200
    assert b"The username and/or password you specified are not correct." in response.content


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client, engineer, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "engineer", "wrong")
    response = login(client, "engineer")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(client, engineer):
    client.force_login(engineer)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_by_email_end_to_end(client, engineer):
    response = client.post("/accounts/password_reset/", {"email": engineer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Hindsight password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url,
        {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"},
    )
    assert response.status_code == 302
    assert login(client, "engineer", "a-brand-new-secret-42").status_code == 302
    # the link works once
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, db):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change_validates_and_keeps_me_signed_in(client, engineer):
    client.force_login(engineer)
    bad = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 200
    assert b"Your old password was entered incorrectly" in bad.content
    good = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-fine-secret-7",
            "new_password2": "another-fine-secret-7",
        },
    )
    assert good.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("page", ["/accounts/login/", "/accounts/password_reset/"])
def test_account_pages_render_for_anonymous_visitors(client, db, page):
    assert client.get(page).status_code == 200
