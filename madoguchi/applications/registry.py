"""The kinds of application (お申込み), each registered by the feature app that owns it.

A kind says how it is shown (its label and the labels of its before/after values), when it
is due (a processing delay: the time a customer has to cancel it), how it is carried out (a
processor run by a worker, or ``None``: operators carry it out by hand in the back office),
what a cancelled or failed application gives back (``release``), and whether a contract may
apply for it online (``allowed``, a per-contract flag). The applications app works only
through this table, so it never imports the feature apps (dependencies point one way).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

UNCHANGED = "変更なし"
REMOVED = "削除"
NONE = "—"


@dataclass(frozen=True)
class Field:
    """One before/after value of a kind: its stable key, its label and how it reads."""

    key: str
    label: str
    format: Callable[[Any], str] = str


@dataclass(frozen=True)
class Done:
    """A processor's outcome: the work was carried out; ``after`` replaces the stored one."""

    after: dict | None = None


@dataclass(frozen=True)
class Failed:
    """A processor's outcome: the work could not be done, for a reason the customer reads."""

    reason: str


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    fields: tuple[Field, ...] = ()
    # Called by a worker (or an operator's 「処理する」) with the claimed application, inside
    # the transaction that holds the contract's row lock; returns Done or Failed. None: the
    # kind is carried out by hand and completed by an operator (「完了にする」).
    processor: Callable[[Any], Done | Failed] | None = None
    # Seconds between acceptance and processing (the customer may cancel meanwhile).
    delay: Callable[[], int] = field(default=lambda: 0)
    # Gives back what the application held (a reserved name, a slot) when it is cancelled
    # or fails; called in the same transaction.
    release: Callable[[Any], None] | None = None
    # Whether the contract may apply for this kind online (a per-contract flag, D1.5).
    allowed: Callable[[Any], bool] | None = None
    cancellable: bool = False  # the customer may withdraw it while it waits (D4.7)
    mail_when_done: bool = True  # mail the contact address when it is completed
    # Where the outcome mails (done, failed, cancelled) go: by default the contract's
    # contact address; a kind whose application names its own contact (a cancellation,
    # D5.3) returns that address.
    outcome_to: Callable[[Any], list[str]] | None = None
    acceptance_mail: str = "application_accepted"  # emails/<name>.subject.txt|.txt|.html
    # The mail with the link that confirms an address the application names (confirm_to).
    confirmation_mail: str = "application_confirmation"
    in_progress_label: str = ""  # what the customer reads while it is in progress

    @property
    def is_manual(self) -> bool:
        return self.processor is None

    def rows(self, before: dict, after: dict) -> list[tuple[str, str, str]]:
        """The values as (label, before, after) lines: a key missing after is 「変更なし」,
        a key set to None after is 「削除」, a key missing before is 「—」."""
        rows = []
        for spec in self.fields:
            if spec.key not in before and spec.key not in after:
                continue
            shown_before = _shown(spec, before.get(spec.key))
            if spec.key not in after:
                shown_after = UNCHANGED
            elif after[spec.key] is None:
                shown_after = REMOVED
            else:
                shown_after = spec.format(after[spec.key])
            rows.append((spec.label, shown_before, shown_after))
        return rows

    def labelled(self, values: dict) -> dict:
        """The values under their labels, as the audit log shows them."""
        labels = {spec.key: spec for spec in self.fields}
        return {
            labels[key].label: _shown(labels[key], value) if value is not None else REMOVED
            for key, value in values.items()
            if key in labels
        }


def _shown(spec: Field, value) -> str:
    return NONE if value is None else spec.format(value)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Register a kind (from the feature app's ``AppConfig.ready``); registering again replaces."""
    _kinds[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _kinds.pop(code, None)


def get(code: str) -> Kind:
    """The registered kind; an unknown code (a kind no longer registered) reads as itself."""
    return _kinds.get(code) or Kind(code=code, label=code)


def kinds() -> list[Kind]:
    return list(_kinds.values())


def choices() -> list[tuple[str, str]]:
    """``Application.kind`` choices (a callable: no migration when a kind is added)."""
    return [(kind.code, kind.label) for kind in _kinds.values()]


def automatic_codes() -> list[str]:
    return [kind.code for kind in _kinds.values() if not kind.is_manual]


def manual_codes() -> list[str]:
    return [kind.code for kind in _kinds.values() if kind.is_manual]


def delay_of(code: str) -> timedelta:
    return timedelta(seconds=get(code).delay())
