"""Bulk export: the list's postmortems as one ZIP, built by a task."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from organizations.roles import Role
from postmortems.exports import bulk as bulk_exports
from postmortems.exports import documents as exports
from postmortems.exports import rendering, tasks
from postmortems.models import ExportJob, ExportStatus, Postmortem, PostmortemStatus, Visibility
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def fast_pdf(monkeypatch):
    """The ZIP's PDFs come from ``rendering.pdf_of`` (tested in test_exports); a stub keeps these
    tests quick."""
    monkeypatch.setattr(
        rendering, "render_pdf", lambda html, **kw: b"%PDF-1.7 " + html[:40].encode()
    )


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann")


@pytest.fixture
def postmortems(org, author, member_factory):
    other = member_factory(Role.ENGINEER, username="olly")
    made = []
    for n, (status, visibility, by) in enumerate(
        [
            (PostmortemStatus.PUBLISHED, Visibility.ORGANIZATION, other),
            (PostmortemStatus.DRAFT, Visibility.ORGANIZATION, author),
            (PostmortemStatus.PUBLISHED, Visibility.PRIVATE, other),  # ann may not read it
        ],
        start=1,
    ):
        made.append(
            Postmortem.objects.create(
                organization=org,
                number=n,
                title=f"Outage {n}",
                status=status,
                visibility=visibility,
                author=by,
            )
        )
    return made


def bulk_url(org, **query) -> str:
    url = reverse("postmortem_bulk_export", kwargs={"org_slug": org.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def job_url(name: str, job: ExportJob) -> str:
    return reverse(name, kwargs={"org_slug": job.organization.slug, "job_id": job.pk})


def start(client, org, django_capture_on_commit_callbacks, **query):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk_url(org, **query), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response, ExportJob.objects.get()


def zip_names(client, job) -> list[str]:
    response = client.get(job_url("postmortem_bulk_export_download", job))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_zip_holds_pdf_and_markdown_of_what_the_member_may_read(
    client, org, author, postmortems, django_capture_on_commit_callbacks
):
    client.force_login(author)
    response, job = start(client, org, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.total == job.done == 2
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    names = zip_names(client, job)
    assert "README.txt" in names
    assert {n for n in names if n.startswith("PM-1-")} == {"PM-1-outage-1.md", "PM-1-outage-1.pdf"}
    assert any(n.startswith("PM-2-") for n in names)
    assert not any(n.startswith("PM-3-") for n in names)  # private to someone else


def test_filters_of_the_list_apply(
    client, org, author, postmortems, django_capture_on_commit_callbacks
):
    client.force_login(author)
    _, job = start(client, org, django_capture_on_commit_callbacks, status="PUBLISHED")
    assert job.filters == {"status": "PUBLISHED"}
    names = zip_names(client, job)
    assert any(n.startswith("PM-1-") for n in names)
    assert not any(n.startswith("PM-2-") for n in names)


def test_progress_panel_polls_until_done(client, org, author, postmortems):
    client.force_login(author)
    job = ExportJob.objects.create(organization=org, requested_by=author, total=40, done=12)
    url = job_url("postmortem_bulk_export_status", job)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert '<progress id="bulk-export-progress' in fragment and 'max="40" value="12"' in fragment
    assert "12 of 40" in fragment and "queued" in fragment and 'hx-trigger="every 1s"' in fragment
    assert "<html" not in fragment
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    job.status, job.done = ExportStatus.DONE, 40
    job.file_path, job.expires_at = "exports/x.zip", timezone.now() + timedelta(days=1)
    job.save()
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in done
    assert job_url("postmortem_bulk_export_download", job) in done


def test_plain_post_redirects_to_the_status_page(
    client, org, author, postmortems, django_capture_on_commit_callbacks
):
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk_url(org))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url("postmortem_bulk_export_status", job)


def test_a_second_request_while_building_reuses_the_job(client, org, author, postmortems):
    client.force_login(author)
    client.post(bulk_url(org))  # the on-commit task never runs here: the job stays PENDING
    client.post(bulk_url(org))
    assert ExportJob.objects.count() == 1


def test_jobs_are_private_to_their_requester(client, org, other_org, author, member_factory):
    job = ExportJob.objects.create(organization=org, requested_by=author)
    colleague = member_factory(Role.ADMIN, username="adam")
    client.force_login(colleague)
    for name in ("postmortem_bulk_export_status", "postmortem_bulk_export_download"):
        assert client.get(job_url(name, job)).status_code == 404
    stranger = UserFactory(username="olga")
    MembershipFactory(user=stranger, organization=other_org, role=Role.ADMIN)
    client.force_login(stranger)
    assert client.get(job_url("postmortem_bulk_export_status", job)).status_code == 404
    foreign = reverse(
        "postmortem_bulk_export_status", kwargs={"org_slug": other_org.slug, "job_id": job.pk}
    )
    assert client.get(foreign).status_code == 404


def test_download_after_expiry_is_410_and_the_file_is_swept(
    client, org, author, postmortems, django_capture_on_commit_callbacks
):
    client.force_login(author)
    _, job = start(client, org, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert default_storage.exists(job.file_path)
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert bulk_exports.export_jobs_expire(now=later) == 1
    assert not default_storage.exists(job.file_path)
    response = client.get(job_url("postmortem_bulk_export_download", job))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_download_before_ready_goes_to_the_status_page(client, org, author):
    job = ExportJob.objects.create(organization=org, requested_by=author)
    client.force_login(author)
    response = client.get(job_url("postmortem_bulk_export_download", job))
    assert response.status_code == 302


def test_a_failure_is_reported_not_raised(client, org, author, postmortems, monkeypatch):
    def broken(postmortem):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "load_export", broken)
    job = ExportJob.objects.create(organization=org, requested_by=author)
    tasks.build_export_zip.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and "could not be built" in job.error
    client.force_login(author)
    panel = client.get(job_url("postmortem_bulk_export_status", job)).content.decode()
    assert "The export failed" in panel


def test_a_former_member_gets_nothing(org, author, postmortems):
    job = ExportJob.objects.create(organization=org, requested_by=author)
    author.memberships.all().delete()
    tasks.build_export_zip(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file_path


def test_run_is_idempotent(org, author, postmortems):
    job = ExportJob.objects.create(organization=org, requested_by=author)
    tasks.build_export_zip(job.pk)
    job.refresh_from_db()
    first = job.file_path
    tasks.build_export_zip(job.pk)
    job.refresh_from_db()
    assert job.file_path == first


def test_status_page_queries_are_bounded(client, org, author, count_queries):
    job = ExportJob.objects.create(organization=org, requested_by=author, total=3)
    client.force_login(author)
    url = job_url("postmortem_bulk_export_status", job)
    assert count_queries(lambda: client.get(url, headers={"HX-Request": "true"})) <= 8
