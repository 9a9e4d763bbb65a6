"""Issue 6, "Settings fail closed": a value the readers cannot read stops start-up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from madoguchi.lib.env import env_bool, env_int, env_str

NAME = "MADOGUCHI_TEST_VARIABLE"


@pytest.fixture
def variable(monkeypatch):
    def set_to(value: str | None):
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_to


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "Yes", "on", " on ", "\ttrue\n"])
def test_issue6_env_bool_reads_true(variable, value):
    variable(value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "NO", "off", " off "])
def test_issue6_env_bool_reads_false(variable, value):
    variable(value)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
@pytest.mark.parametrize("default", [True, False])
def test_issue6_env_bool_unset_or_blank_is_the_default(variable, value, default):
    variable(value)
    assert env_bool(NAME, default) is default


@pytest.mark.parametrize("value", ["ture", "2", "y", "enabled", "true false", "-1", "１"])
def test_issue6_env_bool_refuses_anything_else(variable, value):
    variable(value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool(NAME, False)
    message = str(refused.value)
    assert NAME in message
    assert "1/true/yes/on" in message and "0/false/no/off" in message


@pytest.mark.parametrize(
    ("value", "number"), [("0", 0), ("42", 42), (" 7 ", 7), ("+3", 3), ("-5", -5)]
)
def test_issue6_env_int_reads_whole_numbers(variable, value, number):
    variable(value)
    assert env_int(NAME, 99) == number


@pytest.mark.parametrize("value", [None, "", " "])
def test_issue6_env_int_unset_or_blank_is_the_default(variable, value):
    variable(value)
    assert env_int(NAME, 99) == 99


@pytest.mark.parametrize("value", ["ten", "1.5", "1e3", "0x10", "1_000", "３", "5s", "- 5"])
def test_issue6_env_int_refuses_what_is_not_a_whole_number(variable, value):
    variable(value)
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}=.* is not a whole number"):
        env_int(NAME, 99)


def test_issue6_env_int_refuses_values_below_the_minimum(variable):
    variable("-1")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}='-1' is too small: at least 0"):
        env_int(NAME, 5, minimum=0)
    variable("0")
    assert env_int(NAME, 5, minimum=0) == 0


def test_issue6_env_int_refuses_values_above_the_maximum(variable):
    variable("65536")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}='65536' is too large: at most"):
        env_int(NAME, 25, minimum=1, maximum=65535)
    variable("65535")
    assert env_int(NAME, 25, minimum=1, maximum=65535) == 65535


def test_issue6_env_str_keeps_the_value_and_defaults_when_empty(variable):
    variable(" a value ")
    assert env_str(NAME, "default") == " a value "
    variable("")
    assert env_str(NAME, "default") == "default"


def manage_check(**variables: str) -> subprocess.CompletedProcess:
    """``manage.py check`` in a fresh process with ``variables`` added to the environment."""
    env = {**os.environ, **variables}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MADOGUCHI_SECURE", "ture"),  # would have turned HTTPS, secure cookies and HSTS off
        ("MADOGUCHI_PROXY_COUNT", "-1"),
    ],
)
def test_issue6_start_up_stops_on_an_unreadable_setting(name, value):
    result = manage_check(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name}={value!r}" in result.stderr


def test_issue6_start_up_with_readable_settings_passes():
    """Guards the test above: the same start-up with good values succeeds."""
    result = manage_check(MADOGUCHI_SECURE="off", DJANGO_DEBUG="no", MADOGUCHI_PROXY_COUNT="1")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
