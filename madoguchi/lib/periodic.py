"""Rounds that `manage.py reconcile` runs besides its own, registered by the apps they belong
to (in ``AppConfig.ready``), so the command depends on none of them.

A round is a function returning how many things it did, and a message for that number.
"""

from collections.abc import Callable

_ROUNDS: list[tuple[Callable[[], int], str]] = []


def register(function: Callable[[], int], message: str) -> None:
    """Run ``function`` every round; ``message`` (with ``{count}``) reports what it did."""
    if all(registered is not function for registered, _ in _ROUNDS):
        _ROUNDS.append((function, message))


def rounds() -> list[tuple[Callable[[], int], str]]:
    return list(_ROUNDS)
