"""Celery application: Redis broker when REDIS_URL is set, in-process execution otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task starts with no scope, in a worker and in process alike (organizations.scoping).
app = Celery("hindsight", task_cls="organizations.scoping:ScopedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Sub-packages of an app keep their tasks in their own ``tasks`` module.
app.autodiscover_tasks(
    ["postmortems.exports", "postmortems.meetings", "postmortems.reading", "postmortems.search"]
)
app.autodiscover_tasks(["integrations.trackers"])
