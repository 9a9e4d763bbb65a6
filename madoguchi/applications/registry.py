"""Which task carries out each kind of application.

Feature apps register their task in ``AppConfig.ready()``; the applications app enqueues
through this table, so it never imports the feature apps (dependencies point one way).
"""

from collections.abc import Callable

_processors: dict[str, Callable] = {}


def register_processor(kind: str, task) -> None:
    _processors[kind] = task


def processor_for(kind: str):
    return _processors[kind]
