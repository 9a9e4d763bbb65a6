"""Re-enqueue application work and mails whose worker died or whose wake-up was lost.

Run by cron (every minute) in production, in a loop by ``make run``.
"""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from madoguchi.applications.services import (
    expire_unconfirmed_applications,
    reconcile_applications,
)
from madoguchi.lib import periodic
from madoguchi.outbox.services import reconcile_outbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Re-enqueue applications whose lease expired or that were never picked up, wake a "
        "worker for mails nobody sent, and run the rounds other apps register (reminders of "
        "planned work, notification mailings nobody is sending)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, loop: float, **options):
        if not loop:
            self.reconcile(options["verbosity"])
            return
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                try:
                    self.reconcile(options["verbosity"])
                except DatabaseError:
                    # The database is restarting, or SQLite is locked: try again next round
                    # rather than end the loop (and, with it, bin/run-local).
                    logger.exception("reconcile: database error; trying again in %s s", loop)
                stop.wait(loop)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def reconcile(self, verbosity: int) -> None:
        # Drop a connection the database closed (it restarted) since the last round.
        close_old_connections()
        expired = expire_unconfirmed_applications()
        if verbosity > 1 or expired:
            self.stdout.write(f"expired {expired} unconfirmed application(s)")
        count = reconcile_applications()
        if verbosity > 1 or count:
            self.stdout.write(f"re-enqueued {count} application(s)")
        mails = reconcile_outbox()
        if verbosity > 1 or mails:
            self.stdout.write(f"woke a worker for {mails} waiting mail(s)")
        # The other apps' rounds (reminders of planned work, notification mailings, …).
        for function, message in periodic.rounds():
            count = function()
            if verbosity > 1 or count:
                self.stdout.write(message.format(count=count))
