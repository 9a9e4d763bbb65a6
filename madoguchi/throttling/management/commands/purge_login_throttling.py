from django.core.management.base import BaseCommand

from madoguchi.throttling import rates
from madoguchi.throttling.services import purge


class Command(BaseCommand):
    help = (
        "Delete login failures older than the counting window and locks that have ended "
        "(D1.2), and the hourly form counts of past hours (S2, S3); run it periodically "
        "(cron or a systemd timer)."
    )

    def handle(self, *args, **options):
        failures, locks = purge()
        counts = rates.purge()
        self.stdout.write(
            f"purged {failures} login failure(s), {locks} ended lock(s), "
            f"{counts} past form count(s)"
        )
