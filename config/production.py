"""Deployment settings: everything in config.settings, HTTPS-only and strict.

Run with ``DJANGO_SETTINGS_MODULE=config.production``; ``manage.py check --deploy`` passes with no
warnings (tests/test_settings.py proves it).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403

DEBUG = False
if "SECRET_KEY" not in os.environ or len(os.environ["SECRET_KEY"]) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")
SECRET_KEY = os.environ["SECRET_KEY"]

# Django's console, locmem, dummy and file backends deliver nothing: with one of them a
# deployment would print (or drop) every sign-up link and password reset instead of sending it,
# and log the links' tokens with it. The embedded default uses the console, so production must
# name a delivering backend explicitly.
_UNDELIVERED_EMAIL_BACKENDS = frozenset(
    f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "locmem", "dummy", "filebased")
)
if EMAIL_BACKEND in _UNDELIVERED_EMAIL_BACKENDS:  # noqa: F405
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND is {EMAIL_BACKEND!r}, which delivers no mail. Set EMAIL_BACKEND to "  # noqa: F405
        "'django.core.mail.backends.smtp.EmailBackend' (with EMAIL_HOST and friends) or another "
        "backend that sends mail."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
