"""Entering and leaving django-scopes' organization scope, outside the request's middleware.

``no_scope()`` leaves every scope: tenant queries inside raise ``ScopeError``. The tenant
middleware runs requests without an organization in it, and every Celery task starts in it
(``ScopedTask``, the task class set in ``config/celery.py``), also when it runs in process
(``CELERY_TASK_ALWAYS_EAGER``, the tests) inside a request's or a test's scope, so a task that
forgets its scope fails there as it would in a worker.

A task never enters a scope by hand; one decorator, below ``@shared_task``, says which scope
it works in:

- ``in_organization_of(Model)``: the task is about one row (or, with ``many=True``, a list of
  rows of one organization) and takes its id(s) as the first argument, as every caller passes
  them. The decorator loads the row(s) by id with scopes disabled (the one place a task does),
  returns ``missing`` without doing any work when the row is gone, and runs the body inside
  ``scope(organization=row.organization)`` with the row in place of the id. For
  ``Organization`` itself the row is the organization.
- ``across_organizations``: a beat fan-out that reads every organization on purpose (to queue
  one task per organization, or to sweep stale rows); its body runs with scopes disabled, and
  the name says so where the task is defined.

The task keeps its name and its public signature (ids, as callers and queued messages pass
them). Celery checks a call's arguments against the function it wraps, and
``inspect.signature`` (following ``__wrapped__`` or not) reads the ``__signature__`` set here,
where the row's parameter is named ``<name>_id`` (``incident`` → ``incident_id``; with ``many``,
``notifications`` → ``notification_ids``).
"""

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery.contrib.django.task import DjangoTask
from django.db.models import Model
from django_scopes import scope, scopes_disabled
from django_scopes.state import state

from .models import Organization

# What a decorated task is marked with; ``tests/organizations/test_scoping.py`` checks that
# every task of ours has it.
SCOPE_ATTRIBUTE = "task_scope"


@contextmanager
def no_scope() -> Iterator[None]:
    """Run without any scope: a tenant query raises ``ScopeError``."""
    # django-scopes merges a new scope into the active one (``scope()`` keeps the organization
    # of an outer scope) and has no "leave every scope"; its state is one context variable.
    token = state.set({})
    try:
        yield
    finally:
        state.reset(token)


class ScopedTask(DjangoTask):
    """A Celery task that starts with no scope, as in a worker process (and, as Celery's own
    task class for Django, can be queued with ``delay_on_commit``)."""

    def __call__(self, *args, **kwargs):
        with no_scope():
            return super().__call__(*args, **kwargs)


def _organization_of(row: Model) -> Organization:
    return row if isinstance(row, Organization) else row.organization


def _public_signature(body: Callable, many: bool) -> tuple[inspect.Signature, int, str]:
    """The signature callers see (the row's parameter renamed ``<name>_id``, or the rows'
    ``<names>`` renamed ``<name>_ids``), the position of that parameter (after ``self`` for a
    bound task) and its public name."""
    signature = inspect.signature(body)
    parameters = list(signature.parameters.values())
    index = 1 if parameters and parameters[0].name == "self" else 0
    row = parameters[index]
    name = f"{row.name.removesuffix('s')}_ids" if many else f"{row.name}_id"
    public = row.replace(name=name, annotation=list[int] if many else int)
    parameters[index] = public
    return signature.replace(parameters=parameters), index, public.name


def in_organization_of(model: type[Model], *, many: bool = False, missing: Any = None):
    """Decorate a task whose first argument is the id of a ``model`` row (a list of ids with
    ``many``): the body gets the row (the rows, ordered by id) and runs in its organization's
    scope. A missing row (no rows at all) answers ``missing`` without running the body; rows
    of several organizations are refused (one task serves one organization)."""
    related = () if model is Organization else ("organization",)

    def decorate(body: Callable) -> Callable:
        signature, index, id_name = _public_signature(body, many)

        @functools.wraps(body)
        def task(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            ids = bound.arguments[id_name]
            with scopes_disabled():
                rows = model.objects.select_related(*related).order_by("pk")
                found = list(rows.filter(pk__in=ids)) if many else rows.filter(pk=ids).first()
            if not found:
                return missing
            organizations = {_organization_of(row).pk for row in found} if many else set()
            if len(organizations) > 1:
                raise ValueError(f"{model.__name__} rows of several organizations: {ids}")
            organization = _organization_of(found[0] if many else found)
            call = list(bound.args)
            call[index] = found
            with scope(organization=organization):
                return body(*call, **bound.kwargs)

        task.__signature__ = signature
        setattr(task, SCOPE_ATTRIBUTE, f"organization of {model.__name__}")
        return task

    return decorate


def across_organizations(body: Callable) -> Callable:
    """Decorate a beat fan-out task that reads across organizations on purpose: its body runs
    with scopes disabled."""

    @functools.wraps(body)
    def task(*args, **kwargs):
        with scopes_disabled():
            return body(*args, **kwargs)

    setattr(task, SCOPE_ATTRIBUTE, "across organizations")
    return task
