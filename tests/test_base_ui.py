import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(client, engineer):
    client.force_login(engineer)
    return client.get("/o/acme/")


def test_csp_script_src_has_neither_unsafe_inline_nor_unsafe_eval(page):
    policy = page["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src


def test_htmx_is_served_from_our_static_files_and_configured_safely(page):
    html = page.content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert '"selfRequestsOnly": true' in html
    assert '"allowEval": false' in html
    assert "<script>" not in html  # no inline script anywhere


def test_htmx_sends_the_csrf_token_from_the_body(page):
    # The page renders more than one template (its cached panels too): the body carries the
    # token of one of them.
    tokens = {str(context["csrf_token"]) for context in page.context if "csrf_token" in context}
    html = page.content.decode()
    assert any(f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in html for token in tokens)


def test_responses_vary_on_hx_request(page):
    assert "HX-Request" in page["Vary"]


def test_header_has_switcher_navigation_and_user_menu(page):
    html = page.content.decode()
    assert ': switch organization">' in html
    assert 'aria-current="page">Dashboard' in html
    assert "Log out" in html


def test_403_renders_as_a_page(client, engineer, rf):
    from django.core.exceptions import PermissionDenied

    from config.views import permission_denied

    request = rf.get("/o/acme/")
    request.user = engineer
    request.htmx = False
    response = permission_denied(request, PermissionDenied("Your role may not manage members."))
    assert response.status_code == 403
    assert b"Your role may not manage members." in response.content
    assert b"<html" in response.content


def test_404_page_is_a_styled_page(client, engineer):
    client.force_login(engineer)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"/static/css/app.css" in response.content


def test_500_page_renders_without_context(rf):
    from config.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_static_assets_exist():
    for asset in ("css/app.css", "js/app.js", "img/logo.svg"):
        assert (ROOT / "static" / asset).is_file()
    assert settings.STATICFILES_DIRS == [ROOT / "static"]


SETTINGS_VARIABLES = {"DEBUG", "SECRET_KEY", "SITE_URL", "HOST", "PORT", "HINDSIGHT_ENV_FILE"}


def _import_settings(env: dict, code: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(  # noqa: S603 (the test's own code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HINDSIGHT_ENV_FILE": os.devnull,  # not this checkout's .env
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_mode_refuses_the_default_secret_key():
    result = _import_settings({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_starts_with_a_real_secret_key():
    result = _import_settings({"DEBUG": "false", "SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr


def test_a_development_checkout_runs_manage_py_without_exported_variables(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=true\n")  # what `make install` writes
    result = _import_settings({"HINDSIGHT_ENV_FILE": str(env_file)})
    assert result.returncode == 0, result.stderr
    refused = _import_settings({"HINDSIGHT_ENV_FILE": str(tmp_path / "missing.env")})
    assert "SECRET_KEY must be set" in refused.stderr  # production: no such file
    overridden = _import_settings({"HINDSIGHT_ENV_FILE": str(env_file), "DEBUG": "false"})
    assert "SECRET_KEY must be set" in overridden.stderr  # the environment wins


@pytest.mark.parametrize(
    ("env", "site"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8100"}, "http://127.0.0.1:8100"),
        ({"HOST": "0.0.0.0", "PORT": "8100"}, "http://localhost:8100"),  # noqa: S104
        (
            {"PORT": "8100", "SITE_URL": "https://hindsight.acme.test"},
            "https://hindsight.acme.test",
        ),
    ],
)
def test_links_leaving_the_browser_follow_where_make_run_serves(env, site):
    show = "from django.conf import settings; print(settings.SITE_URL)"
    result = _import_settings({"DEBUG": "true", **env}, show)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == site
