"""Re-enqueue application work whose worker died or whose wake-up was lost.

Run by cron (every minute) in production, in a loop by ``make run``.
"""

import time

from django.core.management.base import BaseCommand

from madoguchi.applications.services import reconcile_applications


class Command(BaseCommand):
    help = "Re-enqueue applications whose lease expired or that were never picked up."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, loop: float, **options):
        while True:
            count = reconcile_applications()
            if options["verbosity"] > 1 or count:
                self.stdout.write(f"re-enqueued {count} application(s)")
            if not loop:
                return
            time.sleep(loop)
