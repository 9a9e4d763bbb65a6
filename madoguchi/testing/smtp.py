"""A real SMTP server (aiosmtpd) on a free local port that keeps what it receives."""

import asyncio
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    peer: tuple = ()  # the client's (address, port): one per SMTP connection

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class RecordingHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    # Recipients the server refuses, with the reply it gives (e.g. "451 4.2.0 try later").
    refuse: dict[str, str] = field(default_factory=dict)
    # Recipients whose message the server refuses after receiving it (e.g. "554 5.6.0 …").
    refuse_data: dict[str, str] = field(default_factory=dict)

    # Seconds the server takes to accept each message (a slower relay, for fault tests).
    delay: float = 0
    # Until this time.monotonic() value, every MAIL is answered "421" (a relay that is down).
    unavailable_until: float = 0

    # Advertise ESMTP PIPELINING (RFC 2920), as Postfix does; aiosmtpd reads pipelined
    # commands in order but does not say so by itself.
    pipelining: bool = True

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if time.monotonic() < self.unavailable_until:
            return "421 4.3.2 Service not available, closing transmission channel"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            if address in self.refuse_data:
                return self.refuse_data[address]
        self.received.append(
            ReceivedMail(
                envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.peer
            )
        )
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.handler = RecordingHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
