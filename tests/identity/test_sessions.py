from identity.models import SignIn, SignInMethod
from identity.sessions import end_sessions
from tests.factories import PASSWORD


def _sign_in(client, username):
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def test_a_password_sign_in_is_recorded_with_its_session(client, engineer):
    session_key = _sign_in(client, "engineer")
    sign_in = SignIn.objects.get(session_key=session_key)
    assert sign_in.user == engineer
    assert sign_in.method == SignInMethod.PASSWORD
    assert sign_in.organization is None


def test_ending_a_session_signs_the_person_out_at_their_next_request(client, engineer):
    _sign_in(client, "engineer")
    assert client.get("/").status_code == 200
    assert end_sessions(SignIn.objects.filter(user=engineer)) == 1
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SignIn.objects.filter(user=engineer).exists()


def test_ending_one_persons_sessions_leaves_anothers_alone(client, engineer, viewer):
    from django.test import Client

    other = Client()
    _sign_in(other, "viewer")
    _sign_in(client, "engineer")
    end_sessions(SignIn.objects.filter(user=engineer))
    assert other.get("/").status_code == 200


def test_records_of_ended_sessions_are_forgotten_and_live_ones_kept(client, engineer, viewer):
    from django.test import Client

    from identity.tasks import forget_ended_sessions

    other = Client()
    _sign_in(other, "viewer")
    _sign_in(client, "engineer")
    client.post("/accounts/logout/")
    assert SignIn.objects.filter(user=engineer).exists()
    assert forget_ended_sessions.delay().get() == 1
    assert not SignIn.objects.filter(user=engineer).exists()
    assert SignIn.objects.filter(user=viewer).exists()
    assert other.get("/").status_code == 200
