"""Receive bounces and mailto unsubscribes for BOUNCE_DOMAIN over SMTP or LMTP (S4).

The relay hands the bounce domain to this server (Postfix ``transport_maps``:
docs/notifications.md). It accepts only ``bounce+<token>@BOUNCE_DOMAIN`` and
``unsubscribe+<token>@BOUNCE_DOMAIN`` with a signed token, and the bare
``bounce@BOUNCE_DOMAIN`` (the address to register for feedback loops: their reports are
matched by the signed token in the mail they return); any other recipient gets 550.

A bounce is recorded by ``delivery.bounces.process_report``; a mail to an
``unsubscribe+`` address (the mailto of ``List-Unsubscribe``) stops that kind of mail for its
destination (``delivery.unsubscribe.unsubscribe_by_token``). A database error answers 451:
the relay keeps the message and tries again (recording is idempotent). Over LMTP each
recipient gets its own reply after DATA. SIGTERM stops the server cleanly.
"""

import logging
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from madoguchi.delivery import tokens
from madoguchi.delivery.bounces import process_report
from madoguchi.delivery.models import Bounce
from madoguchi.delivery.unsubscribe import unsubscribe_by_token

logger = logging.getLogger(__name__)

MAX_SIZE = 10 * 1024 * 1024  # a DSN returns the whole mail at most; ours are small
ACCEPTED = "250 2.0.0 OK"
REJECTED = "550 5.1.1 Recipient address rejected"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"
FAILED = "554 5.6.0 Message could not be processed"


def accepts(address: str) -> bool:
    """A signed bounce+/unsubscribe+ address at the bounce domain, or bounce@ itself."""
    if address.strip("<>").lower() == f"bounce@{settings.BOUNCE_DOMAIN.lower()}":
        return True
    try:
        tokens.read_address(address)
    except tokens.BadToken:
        return False
    return True


def handle_one(recipient: str, raw: bytes) -> None:
    local = recipient.strip("<>").lower().partition("@")[0]
    prefix, _, token = local.partition("+")
    if prefix == tokens.UNSUBSCRIBE:
        try:
            unsubscribe_by_token(token)
        except tokens.BadToken:
            logger.info("unsubscribe mail for a delivery that does not exist")
        return
    envelope = [recipient] if token else []
    process_report(raw, envelope_recipients=envelope, source=Bounce.Source.SMTP)


def handle_message(recipients: list[str], raw: bytes) -> list[str]:
    """Process a received message for each recipient; one reply each."""
    replies = []
    close_old_connections()
    try:
        for recipient in recipients:
            try:
                handle_one(recipient, raw)
                replies.append(ACCEPTED)
            except DatabaseError:
                logger.warning("bounce server: database error", exc_info=True)
                replies.append(TRY_LATER)
            except Exception:
                logger.exception("bounce server: a message to %s failed", recipient)
                replies.append(FAILED)
    finally:
        close_old_connections()
    return replies


class BounceHandler:
    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not accepts(address):
            return REJECTED
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        replies = await sync_to_async(handle_message)(list(envelope.rcpt_tos), envelope.content)
        if self.lmtp:  # one reply per accepted recipient (RFC 2033)
            return "\r\n".join(replies)
        # SMTP has one reply for the message: the relay retries all on a 451 (idempotent).
        for prefix in ("4", "5"):
            for reply in replies:
                if reply.startswith(prefix):
                    return reply
        return ACCEPTED


class LmtpController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_server(host: str, port: int, *, lmtp: bool = False, max_size: int = MAX_SIZE):
    """Start the server in a thread; the caller stops the controller returned."""
    controller_class = LmtpController if lmtp else Controller
    controller = controller_class(
        BounceHandler(lmtp=lmtp), hostname=host, port=port, data_size_limit=max_size
    )
    controller.start()
    return controller


class Command(BaseCommand):
    help = "Receive bounces and unsubscribe mails for BOUNCE_DOMAIN over SMTP or LMTP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
        parser.add_argument(
            "--max-size", type=int, default=MAX_SIZE, help="largest message accepted (bytes)"
        )

    def handle(self, *args, host: str, port: int, lmtp: bool, max_size: int, **options):
        # The handler first: a SIGTERM right after the server is up must stop it cleanly.
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            controller = start_server(host, port, lmtp=lmtp, max_size=max_size)
        except BaseException:
            signal.signal(signal.SIGTERM, previous)
            raise
        protocol = "LMTP" if lmtp else "SMTP"
        self.stdout.write(
            f"bounce server ({protocol}) for {settings.BOUNCE_DOMAIN} on {host}:{port}"
        )
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("bounce server stopped")
