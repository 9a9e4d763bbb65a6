from django.core.management.base import BaseCommand

from madoguchi.supportid import services, tokens


class Command(BaseCommand):
    help = (
        "Delete mailed-link tokens that expired more than a day ago, and registrations of "
        "support IDs never confirmed within SUPPORT_ID_CONFIRM_HOURS (S2); run it "
        "periodically (cron or a systemd timer)."
    )

    def handle(self, *args, **options):
        registrations = services.purge_unconfirmed()
        purged = tokens.purge()
        self.stdout.write(
            f"purged {registrations} unconfirmed registration(s), {purged} expired token(s)"
        )
