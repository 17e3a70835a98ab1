"""The production settings pass Django's deployment checklist with no warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_GOOD_SECRET_KEY = "k" * 20 + "Zq8#v!x2@L0pR$7mT^cW&yB*eN4uH9sJ"


def _check_deploy(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_zero_warnings() -> None:
    result = _check_deploy(
        {
            "DJANGO_SETTINGS_MODULE": "config.production",
            "SECRET_KEY": _GOOD_SECRET_KEY,
            "ALLOWED_HOSTS": "cfp.example.org",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        }
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    result = _check_deploy({"DJANGO_SETTINGS_MODULE": "config.production"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "backend",
    [
        None,  # unset: the embedded default, the console
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    ],
)
def test_production_settings_refuse_to_start_with_an_email_backend_that_delivers_nothing(
    backend: str | None,
) -> None:
    env = {"DJANGO_SETTINGS_MODULE": "config.production", "SECRET_KEY": _GOOD_SECRET_KEY}
    if backend is not None:
        env["EMAIL_BACKEND"] = backend

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_BACKEND" in result.stderr
    assert "delivers no mail" in result.stderr


def test_embedded_default_runs_without_debug() -> None:
    from django.conf import settings

    assert settings.DEBUG is False
