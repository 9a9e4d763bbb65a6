"""Small readers for settings taken from the environment.

Unset, empty or blank means the default. A value that cannot be read stops start-up with
``ImproperlyConfigured`` naming the variable: a typo (``MADOGUCHI_SECURE=ture``) must never
quietly become the default (fail closed).
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
INTEGER = re.compile(r"[+-]?[0-9]+")


def _value(name: str) -> str | None:
    """The variable's value without surrounding blanks; None when unset or blank."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    """The variable's value as it is; unset or empty means the default."""
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number (ASCII digits, optionally signed), within ``minimum``..``maximum``."""
    value = _value(name)
    if value is None:
        return default
    if not INTEGER.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} is too small: at least {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={value!r} is too large: at most {maximum}.")
    return number


def env_bool(name: str, default: bool) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off``, in any case; anything else is refused."""
    value = _value(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use {'/'.join(TRUE)} or {'/'.join(FALSE)}."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
