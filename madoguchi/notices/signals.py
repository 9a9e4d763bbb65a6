"""Signals of the notices app.

``publication_recorded`` is sent inside the transaction that records a publication; the
delivery app listens (on commit) to mail it, so notices need not know how mails are sent.
"""

from django.dispatch import Signal

publication_recorded = Signal()  # publication=
