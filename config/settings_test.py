"""Test settings: the real settings, shaped for the test client.

``DEBUG`` is read as on so the security defaults do not redirect the test client to HTTPS;
pytest-django still runs every test with ``settings.DEBUG = False``, so error pages and the
like behave as in production. ``manage.py check --deploy`` covers the production shape.
"""

import os

os.environ.setdefault("DEBUG", "true")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES["default"]["KEY_PREFIX"] = "hindsight-test"  # noqa: F405
# A fixed key so encrypted fields work without an environment (never used outside the tests).
FIELD_ENCRYPTION_KEYS = ["4Y0-6kVhQ2yq9dEYbzqf1m0hI3yN0d0C4pX3a8c7F4Q="]  # noqa: S105
# The test identity providers listen on loopback over plain http.
SSO_INSECURE_HOSTS = ["127.0.0.1", "localhost"]
# The tests' Prometheus listens on loopback over plain http.
INTEGRATIONS_INSECURE_HOSTS = ["127.0.0.1"]
