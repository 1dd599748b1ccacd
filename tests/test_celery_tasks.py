"""Celery finds every task the beat schedule names, wherever its module lives."""

from django.conf import settings

from config.celery import app


def registered_task_names() -> set[str]:
    app.loader.import_default_modules()  # what a worker or beat does at start
    return set(app.tasks)


def test_every_beat_task_is_registered():
    names = registered_task_names()
    missing = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - names
    assert not missing, f"beat schedules tasks no module registers: {sorted(missing)}"


def test_postmortem_tasks_keep_their_names():
    """Queued messages name tasks by these paths: moving a module must not change them."""
    names = registered_task_names()
    assert {
        "postmortems.tasks.generate_postmortem",
        "postmortems.tasks.reconcile_missing_drafts",
        "postmortems.tasks.reconcile_organization",
        "postmortems.tasks.build_export_zip",
        "postmortems.tasks.expire_export_files",
        "postmortems.tasks.send_review_meeting_emails",
        "postmortems.tasks.send_review_meeting_removals",
        "postmortems.tasks.refresh_stale_search_documents",
    } <= names
