"""Hindsight settings, read from the environment.

Without ``DATABASE_URL`` / ``REDIS_URL`` the app runs on the embedded default (SQLite, Celery
tasks executed in-process). ``DEBUG`` is off unless asked for, and the production defaults that
come with it are the safe ones.
"""

import base64
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_DEV_SECRET_KEY = "django-insecure-hindsight-development-key-do-not-use-in-production"  # noqa: S105 (refused when DEBUG is off)

env = environ.Env()
# A development checkout keeps its settings in `.env` (`make install` writes DEBUG=true there), so
# `manage.py` works without exported variables. The real environment always wins, and a
# production install has no such file: there the development key is still refused.
environ.Env.read_env(env.str("HINDSIGHT_ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == INSECURE_DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(the development default is refused in production mode)."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "guardian",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "organizations",
    "identity",
    "incidents",
    "postmortems",
    "actionitems",
    "integrations",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "organizations.middleware.RefuseNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "organizations.middleware.HtmxResponseMiddleware",
    "organizations.middleware.TenantMiddleware",
    "identity.middleware.SignInRulesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.tenant",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: Redis when configured, otherwise tasks run in-process. -------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "reconcile-postmortem-drafts": {
        "task": "postmortems.tasks.reconcile_missing_drafts",
        "schedule": env.int("RECONCILE_EVERY_SECONDS", default=600),
    },
    # Action-item and draft reminders: hourly, so each organization's day starts on time in
    # its own time zone; a run sends only what no earlier run sent (actionitems.reminders).
    "send-reminders": {
        "task": "actionitems.tasks.send_reminders",
        "schedule": env.int("REMINDERS_EVERY_SECONDS", default=3600),
    },
    # The weekly learning digest: hourly, so each organization's Monday 08:00 comes on time in
    # its own time zone; a member's digest for a week is recorded and never sent twice.
    "send-learning-digests": {
        "task": "postmortems.tasks.send_learning_digests",
        "schedule": env.int("LEARNING_DIGEST_EVERY_SECONDS", default=3600),
    },
    # Webhook deliveries whose task was lost (broker restart) are queued again.
    "requeue-stale-webhooks": {
        "task": "organizations.tasks.requeue_stale_webhooks",
        "schedule": env.int("WEBHOOK_REQUEUE_EVERY_SECONDS", default=600),
    },
    # Search vectors the debounced autosave refresh left behind a postmortem's last change.
    "refresh-stale-search-documents": {
        "task": "postmortems.tasks.refresh_stale_search_documents",
        "schedule": env.int("SEARCH_SWEEP_EVERY_SECONDS", default=60),
    },
    # Expired sessions, and the sign-in records of sessions that ended, go.
    "forget-ended-sessions": {
        "task": "identity.tasks.forget_ended_sessions",
        "schedule": env.int("SESSION_SWEEP_EVERY_SECONDS", default=3600),
    },
    # Bulk-export ZIPs are kept for a day (postmortems.exports.bulk.EXPORT_TTL).
    "expire-export-files": {
        "task": "postmortems.tasks.expire_export_files",
        "schedule": env.int("EXPORT_EXPIRY_EVERY_SECONDS", default=3600),
    },
    # Inbound webhook deliveries whose processing task was lost are queued again.
    "requeue-stale-inbound-deliveries": {
        "task": "integrations.tasks.requeue_stale_inbound_deliveries",
        "schedule": env.int("INBOUND_REQUEUE_EVERY_SECONDS", default=600),
    },
    # Inbound webhook deliveries are kept 14 days (integrations.tasks.DELIVERY_RETENTION).
    "forget-old-inbound-deliveries": {
        "task": "integrations.tasks.forget_old_inbound_deliveries",
        "schedule": env.int("INBOUND_SWEEP_EVERY_SECONDS", default=3600),
    },
    # Linked tickets are read back from their tracker, repairing missed webhooks.
    "reconcile-trackers": {
        "task": "integrations.trackers.tasks.reconcile_all_trackers",
        "schedule": env.int("TRACKER_RECONCILE_EVERY_SECONDS", default=86400),
    },
}

# --- Accounts ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # username or email and password (and the MFA step after it); SSO logins come through
    # allauth's social accounts (identity.adapters)
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# allauth reports the typed username or email as "login"; axes counts failures by it.
AXES_USERNAME_FORM_FIELD = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_RAISE_403 = False

# --- Sign-in: allauth for passwords (+ two-factor) and company SSO (OIDC, SAML) ----------------
ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "identity.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"login": "identity.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
# Failed sign-ins are counted and locked out by axes (above), not a second time by allauth.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True  # a verified provider email finds the existing user
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Hindsight"
# Nobody signs up (people are invited or come through their provider) and addresses are not
# verified here (ACCOUNT_EMAIL_VERIFICATION above): an unverified address must not keep a
# member from the second factor their organization requires.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Name servers that answer the email-domain proof's TXT look-ups (`1.1.1.1`, `10.0.0.2:53`,
# `[::1]:5353`), comma-separated; empty: the system's resolver (/etc/resolv.conf).
DNS_RESOLVER_NAMESERVERS = env.list("DNS_RESOLVER_NAMESERVERS", default=[])
# Fernet keys for secrets at rest (organizations.encryption), comma-separated, newest first.
# `make install` writes one into a development checkout's .env; without one, a development
# server derives its key from SECRET_KEY (production must set its own: `check --deploy` says so).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEYS and DEBUG:
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hindsight <hindsight@localhost>")
# The public address for links in emails, calendar files and chat messages. Without SITE_URL it
# is where `make run` serves (HOST and PORT).
_SERVED_HOST = env.str("HOST", default="127.0.0.1")
if _SERVED_HOST in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 (a link, not a bind)
    _SERVED_HOST = "localhost"
SITE_URL = env.str("SITE_URL", default=f"http://{_SERVED_HOST}:{env.int('PORT', default=8000)}")
# Hosts the organization webhook may reach over plain http or at a private address (tests, or
# an internal chat server you trust). Empty by default: https to public addresses only.
WEBHOOK_INSECURE_HOSTS = env.list("WEBHOOK_INSECURE_HOSTS", default=[])
# Hosts an organization's identity provider (OIDC issuer, SAML metadata URL) may be reached at
# over plain http (tests, or a provider on your own network). Empty by default: https only.
SSO_INSECURE_HOSTS = env.list("SSO_INSECURE_HOSTS", default=[])
# Hosts the integrations may call over plain http or at a private address (an organization's
# Prometheus on your own network, tests on loopback). Empty by default: https to public hosts.
INTEGRATIONS_INSECURE_HOSTS = env.list("INTEGRATIONS_INSECURE_HOSTS", default=[])
# The OAuth apps admins connect Jira Cloud (an Atlassian OAuth 2.0 3LO app) and Linear (a Linear
# OAuth2 application) with; each registers <SITE_URL>/integrations/trackers/oauth/callback/ as its
# callback URL. Empty: that tracker connects with a token or API key only.
JIRA_OAUTH_CLIENT_ID = env.str("JIRA_OAUTH_CLIENT_ID", default="")
JIRA_OAUTH_CLIENT_SECRET = env.str("JIRA_OAUTH_CLIENT_SECRET", default="")
LINEAR_OAUTH_CLIENT_ID = env.str("LINEAR_OAUTH_CLIENT_ID", default="")
LINEAR_OAUTH_CLIENT_SECRET = env.str("LINEAR_OAUTH_CLIENT_SECRET", default="")
# Where those providers answer (the tests point them at a stand-in on loopback).
ATLASSIAN_AUTHORIZE_URL = "https://auth.atlassian.com/authorize"
ATLASSIAN_TOKEN_URL = "https://auth.atlassian.com/oauth/token"  # noqa: S105 (an address)
ATLASSIAN_API_URL = "https://api.atlassian.com"  # accessible resources, /ex/jira/<cloud id>
LINEAR_AUTHORIZE_URL = "https://linear.app/oauth/authorize"
LINEAR_TOKEN_URL = "https://api.linear.app/oauth/token"  # noqa: S105 (an address)
LINEAR_API_URL = "https://api.linear.app/graphql"

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Provisioning (SCIM 2.0, django-scim2) at /scim/v2/ -----------------------------------------
# Each organization's bearer token (identity/scim/auth.py) picks the organization; every hook
# below keeps a request inside it (identity/scim/config.py).
_SCIM = "identity.scim."
SCIM_SERVICE_PROVIDER = {
    "NETLOC": urlsplit(SITE_URL).netloc,
    "SCHEME": urlsplit(SITE_URL).scheme,
    "AUTH_CHECK_MIDDLEWARE": _SCIM + "auth.ScimTokenCheck",
    "USER_MODEL_GETTER": _SCIM + "config.scim_user_model",
    "USER_ADAPTER": _SCIM + "users.ScimUserAdapter",
    "GROUP_MODEL": "organizations.models.Team",
    "GROUP_ADAPTER": _SCIM + "groups.ScimGroupAdapter",
    "USER_FILTER_PARSER": _SCIM + "config.UserFilter",
    "GROUP_FILTER_PARSER": _SCIM + "config.GroupFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": _SCIM + "config.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": _SCIM + "config.base_location",
    "GET_EXTRA_MODEL_FILTER_KWARGS_GETTER": _SCIM + "config.organization_filter_getter",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": _SCIM + "config.queryset_post_processor_getter",
    "GET_OBJECT_POST_PROCESSOR_GETTER": _SCIM + "config.object_post_processor_getter",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "The organization's provisioning token (Settings → Provisioning).",
            "primary": True,
        }
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="Hindsight SCIM"',
}

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
    # Token only: a view that forgets the shared base still refuses sessions and Basic auth.
    "DEFAULT_AUTHENTICATION_CLASSES": ["organizations.api_auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hindsight API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: the CSP allows no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # two fields are called "kind": name their enumerations explicitly
    "ENUM_NAME_OVERRIDES": {
        "TimelineEntryKindEnum": "incidents.models.EntryKind",
        "SectionKindEnum": "postmortems.models.SectionKind",
        "ActionItemStatusEnum": "actionitems.models.ItemStatus",
        "ReviewDecisionEnum": "postmortems.models.ReviewDecision",
    },
}

# --- Benchmark-only views (see hindsight_bench/) -----------------------------------------------
BENCH_VIEWS = env.bool("HINDSIGHT_BENCH", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "celery": {"level": env.str("CELERY_LOG_LEVEL", default="WARNING")},
        "weasyprint.progress": {"level": "WARNING"},  # a line per rendering step: noise
        # their debug lines print access tokens, refresh tokens and client secrets
        "oauthlib": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
    },
}
