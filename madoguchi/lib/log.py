"""Logging filters (``LOGGING`` in settings)."""

import logging

from django.core.exceptions import PermissionDenied


class ExpectedRefusalFilter(logging.Filter):
    """A refusal (``PermissionDenied``, answered with the 403 page) is expected, not a fault.

    Django logs it on ``django.request`` with the exception's traceback; this keeps the one
    warning line (``Forbidden (Permission denied): /desk/``) and drops the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
