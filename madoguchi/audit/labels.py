"""Japanese labels of the audit log's operation codes, for display only (X7).

The stored code (``AuditEntry.action``, e.g. ``contract.flags.update``) is the stable key;
the app that defines an action registers its label in ``AppConfig.ready()``. Codes made
of parts (``application.<kind>.<verb>``) get a resolver for their prefix instead, so this
app never imports the apps that write the log.
"""

from collections.abc import Callable

_labels: dict[str, str] = {}
_resolvers: dict[str, Callable[[str], str | None]] = {}


def register_action_label(code: str, label: str) -> None:
    _labels[code] = label


def register_action_resolver(prefix: str, resolve: Callable[[str], str | None]) -> None:
    """``resolve(code)`` labels codes starting with ``prefix``; None when it cannot."""
    _resolvers[prefix] = resolve


def action_label(code: str) -> str:
    """The Japanese label of an operation code; the code itself when none is registered."""
    if code in _labels:
        return _labels[code]
    for prefix in sorted(_resolvers, key=len, reverse=True):
        if code.startswith(prefix):
            label = _resolvers[prefix](code)
            if label:
                return label
    return code
