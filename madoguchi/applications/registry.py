"""Which task carries out each kind of application, and what undoing its holds takes.

Feature apps register in ``AppConfig.ready()``; the applications app enqueues and
cancels through this table, so it never imports the feature apps (dependencies point
one way).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Processor:
    task: object
    # Called in the transaction that cancels or fails an application, to release what it
    # held (a reserved account name, a pending slot).
    release: Callable | None = None


_processors: dict[str, Processor] = {}


def register_processor(kind: str, task, *, release: Callable | None = None) -> None:
    _processors[kind] = Processor(task=task, release=release)


def processor_for(kind: str):
    return _processors[kind].task


def release_for(kind: str) -> Callable | None:
    processor = _processors.get(kind)
    return processor.release if processor else None
