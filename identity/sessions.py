"""Signed-in sessions: which exist, how they were opened, and ending them.

Every sign-in records a ``SignIn`` row for its session, so a sign-in rule ("require SSO") or a
leaver (a membership removed by provisioning) can end exactly the sessions it concerns. How the
session was opened is read from allauth's authentication records in the session."""

from importlib import import_module

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from organizations.models import Organization

from .models import SignIn, SignInMethod

DATABASE_SESSION_ENGINES = ("sessions.backends.db", "sessions.backends.cached_db")


def method_of(request: HttpRequest, user: AbstractBaseUser | None = None) -> str:
    """How the request's session was signed in (by ``user``, else the request's user), from
    allauth's records (which it keeps per user: without one it has none)."""
    records = get_authentication_records(request, user or getattr(request, "user", None))
    methods = {record.get("method") for record in records}
    if "socialaccount" in methods:
        return SignInMethod.SSO
    if "mfa" in methods:
        return SignInMethod.PASSWORD_MFA
    return SignInMethod.PASSWORD


def record_sign_in(
    request: HttpRequest, user: AbstractBaseUser, *, organization: Organization | None = None
) -> SignIn:
    """Remember the request's freshly signed-in session (``organization``: whose identity
    provider signed the person in, for SSO)."""
    if request.session.session_key is None:
        request.session.save()
    sign_in, _ = SignIn.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "method": method_of(request, user),
            "organization": organization,
        },
    )
    return sign_in


def end_sessions(sign_ins: QuerySet[SignIn]) -> int:
    """End these sessions now (the person is signed out at their next request); returns how
    many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(sign_ins.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    SignIn.objects.filter(session_key__in=keys).delete()
    return len(keys)


def forget_ended_sessions() -> int:
    """Delete expired sessions and the sign-in records of sessions that no longer exist (ended
    by signing out, by expiry or by a rule); returns how many records went."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store.clear_expired()
    if not settings.SESSION_ENGINE.endswith(DATABASE_SESSION_ENGINES):
        return 0  # sessions not in the database: records are removed as their sessions end
    live = Session.objects.filter(session_key=OuterRef("session_key"))
    deleted, _ = SignIn.objects.exclude(Exists(live)).delete()
    return deleted
