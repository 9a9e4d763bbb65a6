"""A local SMTP server that stores what it receives, for `make run` and the demo."""

from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from django.db import connections

from madoguchi.mailcatcher.models import CaughtMail


class CatchingHandler:
    """aiosmtpd handler: every accepted message becomes a CaughtMail row."""

    async def handle_DATA(self, server, session, envelope):
        from asgiref.sync import sync_to_async

        await sync_to_async(store_received)(
            mail_from=envelope.mail_from, rcpt_to=list(envelope.rcpt_tos), raw=envelope.content
        )
        return "250 Message accepted for delivery"


def store_received(**mail) -> CaughtMail:
    """Store a mail from the SMTP thread, on a connection closed afterwards (none lingers)."""
    try:
        return store_mail(**mail)
    finally:
        connections.close_all()


def store_mail(*, mail_from: str, rcpt_to: list[str], raw: bytes) -> CaughtMail:
    """Store one received message."""
    # strip(): a long encoded subject is folded, leaving white space before its first word.
    subject = str(message_from_bytes(raw, policy=policy.default).get("Subject", "")).strip()
    return CaughtMail.objects.create(
        mail_from=mail_from, rcpt_to=rcpt_to, subject=subject[:500], raw=raw
    )


def start_catcher(host: str, port: int) -> Controller:
    controller = Controller(CatchingHandler(), hostname=host, port=port)
    controller.start()
    return controller
