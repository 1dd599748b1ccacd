"""A fresh PostgreSQL database for each run, migrated with the bench settings."""

import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from . import BenchError

REPO_ROOT = Path(__file__).resolve().parent.parent
MAINTENANCE_DATABASE = "postgres"


def database_name(url: str) -> str:
    return str(conninfo_to_dict(url).get("dbname", ""))


def recreate(url: str) -> None:
    """Drop and create the database named in ``url``; refuse names without "bench" in them."""
    name = database_name(url)
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    params = conninfo_to_dict(url) | {"dbname": MAINTENANCE_DATABASE}
    try:
        with psycopg.connect(**params, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise BenchError(f"Could not recreate database {name!r}: {error}") from error


def migrate() -> None:
    """Run ``manage.py migrate`` in a subprocess that inherits the bench environment."""
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=REPO_ROOT,
            check=True,
        )
    except subprocess.CalledProcessError as error:
        raise BenchError("manage.py migrate failed (its output is above)") from error


def standalone(fresh: bool) -> None:
    """The environment of a measure run alone (``python -m hindsight_bench.<measure>``)
    against ``DATABASE_URL``: the bench settings, quiet logs; ``fresh`` drops, creates and
    migrates the database first (its name must contain "bench")."""
    import os
    import secrets

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hindsight_bench.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if fresh:
        recreate(os.environ["DATABASE_URL"])
        migrate()
