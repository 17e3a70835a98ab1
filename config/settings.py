"""Settings for every environment, driven by environment variables.

With nothing set, the project runs embedded: SQLite in ``var/``, Celery tasks run in-process,
e-mail goes to the console. ``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to a Redis
broker and cache. ``config.production`` tightens this module for deployment.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TALKREVIEW_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Only `make demo` turns DEBUG on (DJANGO_DEBUG=1); tests and production never run with it.
DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The fallback key is for the embedded default only; config.production refuses to start without
# a real SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "embedded-default-insecure-key-change-me-" + "x" * 20)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default="127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default="")

INSTALLED_APPS = [
    "config.admin.TalkReviewAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "template_partials",
    "csp",
    "common",
    "cfp",
    "reviews",
    "diversity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware (the browser's Accept-Language, then the language cookie the
    # switcher sets) under the person's stored choice, which wins once they made one (issue 24).
    "cfp.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cfp.middleware.PersonMiddleware",
    "common.middleware.PrivatePagesMiddleware",
    # Turns a blocked request into RATELIMIT_VIEW's 429 page instead of a bare 403.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

# The admin gets `user` from config.admin.Site instead of the auth context processor, which the
# rest of the site replaces (STYLE.md); this check only looks for the processor.
SILENCED_SYSTEM_CHECKS = ["admin.E402"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # Replaces django.contrib.auth's processor: templates get a frozen dataclass of
                # the current person, never the User model (see STYLE.md).
                "cfp.context_processors.person",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'talkreview.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"].setdefault("TEST", {})
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get(
        "TEST_DATABASE_NAME", "test_" + str(DATABASES["default"].get("NAME") or "talkreview")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "talkreview"),
        }
    }
else:
    # The embedded default has one process, so a local-memory cache is correct for it.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
# Each language under its own name: the switcher lists them for people who cannot read the
# current one. Adding one: docs/translating.md.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt-br", "Português (Brasil)"),
]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Our date formats per language (config/formats/): one format everywhere, with its time zone.
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# /favicon.ico, which browsers ask for on their own (pages link static/favicon.svg).
WHITENOISE_ROOT = BASE_DIR / "static" / "favicon"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cfp@localhost")

# Celery: without a broker, tasks run in-process at enqueue time (eager), so the embedded default
# needs no server. With REDIS_URL, tasks go to Redis and a worker runs them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died is redelivered after this many seconds (Redis transport).
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
# Sweeps that finish what a lost task left behind (a broker that lost its queue, a worker killed
# before it started, a mail server that was down): both are cheap and safe to run at any time.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "requeue-unsent-email": {"task": "cfp.requeue_unsent_email", "schedule": 60.0},
    "wake-waiting-aggregations": {"task": "reviews.wake_waiting_aggregations", "schedule": 60.0},
    # Issue 19: decision e-mails chairs released whose send task was lost with the broker.
    "wake-released-decisions": {"task": "reviews.wake_released_decisions", "schedule": 60.0},
    # Issue 21: the committee's daily digest of new discussion posts (one a person and day).
    "discussion-digests": {"task": "reviews.send_discussion_digests", "schedule": 24 * 3600.0},
}
# The site's address for links in e-mails that no request is behind (the daily digest).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# A review save wakes the aggregation worker at most once per this many seconds per call; the
# run it starts includes every save made meanwhile (a chair's "recompute" does not wait).
AGGREGATION_COALESCE_SECONDS = float(os.environ.get("AGGREGATION_COALESCE_SECONDS", "10"))

# Security headers that hold in every environment; config.production adds HTTPS-only ones.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
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
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Rate limits (django-ratelimit) use the default cache: Redis in production, so every web
# process shares the counters. The client address comes from REMOTE_ADDR only; behind a proxy,
# the proxy must overwrite REMOTE_ADDR (see docs/operations.md), never trust X-Forwarded-For.
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "common.views.rate_limited"
# Per client address ("ip") and per account ("account": the address or username typed, whether or
# not an account has it, so the limit says nothing about existence; the signed-in person on the
# live leak check).
# A browser holding the device cookie of a successful log-in to that account skips the account
# limit, so an attacker hammering an address cannot lock its owner out; reset links are never
# limited. docs/security.md describes the design; tests/test_ratelimit.py proves it.
AUTH_RATE_LIMITS = {
    "login": {"ip": "20/m", "account": "10/h"},
    "signup": {"ip": "10/h", "account": "5/h"},
    "password_reset": {"ip": "5/h", "account": "5/h"},
    "scan": {"ip": "240/m", "account": "60/m"},
}
DEVICE_COOKIE_NAME = "known_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
CSRF_FAILURE_VIEW = "common.views.csrf_failure"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# How long e-mailed links stay valid.
INVITATION_MAX_AGE_DAYS = 14
EMAIL_VERIFICATION_MAX_AGE_SECONDS = 3 * 24 * 3600
