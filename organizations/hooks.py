"""How a lower app sets off work in, or keeps in step, the apps above it without importing them.

Imports point down only (actionitems → postmortems → incidents → organizations).

- Work done later (an incident resolves → its postmortem draft is generated) is a Celery task
  queued by name: ``queue_task``.
- Some writes of a lower app leave data kept by a higher one out of date: an incident's new
  severity changes how the tracker sorts its action items (kept on each item), its new title or
  services change what its postmortems are found by (their search documents). The lower
  service cannot import the code that fixes them, so it calls ``run(name, …)`` with what
  changed, and each higher app registers its receiver for that name in its
  ``AppConfig.ready()``.

A lower page may also need to say what an action will take away above it (removing a member
revokes their rights on postmortems): it asks with ``answers(name, …)``, and each registered
receiver returns its part.

Receivers run at once, in the caller's transaction, in the order the apps are installed:
exactly as if the service had called them itself, so they either all commit with the write or
not at all. This is not a signal on ``save()``: nothing runs unless a service asks for it, and
each name is fired by one service (documented where it is defined).
"""

from collections import defaultdict
from collections.abc import Callable

from celery import current_app

_receivers: defaultdict[str, list[Callable[..., None]]] = defaultdict(list)


def register(name: str, receiver: Callable[..., None]) -> None:
    """Call ``receiver(**arguments)`` whenever ``run(name, **arguments)`` is called (once,
    however often it is registered)."""
    if receiver not in _receivers[name]:
        _receivers[name].append(receiver)


def run(name: str, **arguments) -> None:
    """Call every receiver registered for ``name`` with these keyword arguments."""
    for receiver in _receivers.get(name, ()):
        receiver(**arguments)


def answers(name: str, **arguments) -> list:
    """Ask every receiver registered for ``name`` with these keyword arguments; their answers,
    in the order the apps are installed (none when no app registered one)."""
    return [receiver(**arguments) for receiver in _receivers.get(name, ())]


def queue_task(task_name: str, *args) -> None:
    """Queue the Celery task registered as ``task_name`` (a task of an app above the caller,
    named rather than imported) with ``args``.

    The task is looked up in the Celery app's registry instead of being sent blind: without a
    broker (``CELERY_TASK_ALWAYS_EAGER``) it then runs in process, as ``.delay()`` would, and a
    name no app registers raises instead of queueing a message no worker would take. A web
    process imports the apps' ``tasks`` modules lazily, so they are discovered on first use."""
    if task_name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    current_app.tasks[task_name].delay(*args)
