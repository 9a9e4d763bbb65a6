"""Issue 6, security finding 1: production must say how many reverse proxies it has.

Unset, ``MADOGUCHI_PROXY_COUNT`` means 0, and behind a proxy every client then has the
proxy's address (throttling, audit log). ``manage.py check --deploy`` says so, naming the
variable; ``0`` set explicitly is a decision, not an omission, and passes.
"""

import secrets

import pytest

from madoguchi.backoffice.tests.test_deploy_check import manage, production_variables

CHECK = ("check", "--deploy", "--fail-level", "WARNING")


def deploy_check(tmp_path, **variables):
    return manage(tmp_path, *CHECK, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **variables)


def test_d1_2_production_env_names_the_proxy_count_of_the_documented_deployment(settings):
    """docs/deploy.md puts one TLS proxy (nginx or HAProxy) in front of gunicorn."""
    assert production_variables()["MADOGUCHI_PROXY_COUNT"] == "1"
    deploy = (settings.BASE_DIR / "docs" / "deploy.md").read_text()
    assert "MADOGUCHI_PROXY_COUNT=1" in deploy


def test_d1_2_check_deploy_fails_when_the_proxy_count_is_not_set(tmp_path):
    variables = production_variables()
    del variables["MADOGUCHI_PROXY_COUNT"]
    result = deploy_check(tmp_path, **variables)
    assert result.returncode != 0
    assert "madoguchi.W001" in result.stderr
    assert "MADOGUCHI_PROXY_COUNT is not set" in result.stderr
    assert "HINT: Set MADOGUCHI_PROXY_COUNT to the number of reverse proxies" in result.stderr


@pytest.mark.parametrize("count", ["0", "1", "2"])
def test_d1_2_check_deploy_accepts_a_proxy_count_set_explicitly(tmp_path, count):
    variables = production_variables() | {"MADOGUCHI_PROXY_COUNT": count}
    result = deploy_check(tmp_path, **variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
