"""The similar incidents on the embedded SQLite database ``make run`` uses without a
``DATABASE_URL``: the suite's own database is PostgreSQL, so a child process migrates a
fresh SQLite file, seeds the demo and asks for the cards and the search page as a member."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled
from incidents.models import Incident

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
client = Client(HTTP_HOST="localhost")
client.force_login(get_user_model().objects.get(username="bob"))
with scopes_disabled():
    latest = Incident.objects.filter(organization__slug="acme").order_by("-started_at").first()
for url in (
    f"/o/acme/search/similar/incident/{latest.ref}/",
    "/o/acme/search/similar/1/",
    "/o/acme/search/?q=latency+index+search",
):
    response = client.get(url)
    print(url, response.status_code, "No postmortem written" in response.content.decode())
"""


def test_the_cards_and_the_search_page_work_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    result = subprocess.run(  # noqa: S603 (the test's own code)
        [sys.executable, "-c", SCRIPT],
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HINDSIGHT_ENV_FILE": os.devnull,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hindsight.sqlite3'}",
            "DEBUG": "true",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = [line.split() for line in result.stdout.splitlines() if line.startswith("/o/")]
    assert [status for _, status, _ in answers] == ["200", "200", "200"]
    # The demo's latest incident resembles earlier ones nobody wrote up, and the search too.
    assert answers[0][2] == "True" and answers[2][2] == "True"
