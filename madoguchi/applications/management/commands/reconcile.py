"""Re-enqueue application work whose worker died or whose wake-up was lost.

Run by cron (every minute) in production, in a loop by ``make run``.
"""

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from madoguchi.applications.services import reconcile_applications


class Command(BaseCommand):
    help = "Re-enqueue applications whose lease expired or that were never picked up."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, loop: float, **options):
        stop = threading.Event()
        if loop:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            # A database restart between rounds must not end the loop.
            close_old_connections()
            count = reconcile_applications()
            if options["verbosity"] > 1 or count:
                self.stdout.write(f"re-enqueued {count} application(s)")
            if not loop:
                return
            stop.wait(loop)
