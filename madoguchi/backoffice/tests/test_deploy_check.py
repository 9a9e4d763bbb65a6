"""`manage.py check --deploy` with the production variables README documents.

Issue 2, "Security and reliability" and "Done when": the deploy check is clean with the
documented production variables, and production refuses to start without its own secret.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = settings.BASE_DIR / "docs" / "production.env"


def production_variables() -> dict[str, str]:
    variables = {}
    for line in PRODUCTION_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    return variables


def manage(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run manage.py in a clean environment holding only ``variables``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MADOGUCHI_VAR_DIR": str(tmp_path),
        **variables,
    }
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_issue2_production_env_documents_the_secure_settings():
    variables = production_variables()
    assert variables["MADOGUCHI_SECURE"] == "1"
    assert variables["DJANGO_DEBUG"] == "0"
    assert "DJANGO_SECRET_KEY" not in variables  # production sets its own secret


def test_issue2_check_deploy_passes_with_the_production_variables(tmp_path):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **production_variables(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_issue2_check_deploy_fails_without_them(tmp_path):
    """Guards the test above: the same check does report a local configuration."""
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS


@pytest.mark.parametrize("secret", [None, "insecure-local-development-key-change-me"])
def test_issue2_secure_mode_refuses_to_start_without_a_secret_key(tmp_path, secret):
    variables = production_variables()
    if secret is not None:
        variables["DJANGO_SECRET_KEY"] = secret
    result = manage(tmp_path, "check", **variables)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("debug", [None, "0", "off"])
def test_issue6_finding7_the_built_in_key_is_refused_whenever_debug_is_off(tmp_path, debug):
    """Finding 7: not only with MADOGUCHI_SECURE=1; DEBUG off is the default."""
    variables = {} if debug is None else {"DJANGO_DEBUG": debug}
    result = manage(tmp_path, "check", **variables)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_issue6_finding7_the_built_in_key_is_accepted_with_debug_on(tmp_path):
    """Guards the test above: local development with DJANGO_DEBUG=1 needs no key."""
    result = manage(tmp_path, "check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
