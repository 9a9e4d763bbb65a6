from django.core.management.base import BaseCommand

from madoguchi.inquiries.services import forget_client_addresses


class Command(BaseCommand):
    help = (
        "Clear the client address of inquiries older than the limit window (S5): it is kept "
        "only to count inquiries per client; run it periodically (cron or a systemd timer)."
    )

    def handle(self, *args, **options):
        cleared = forget_client_addresses()
        self.stdout.write(f"cleared the client address of {cleared} inquiry(ies)")
