"""An SMTP client for the fan-out: one connection, commands pipelined (RFC 2920).

Per message it writes MAIL FROM, RCPT TO and DATA at once and reads the three replies
together; the message's end-of-data reply is read with the next message's commands. On a
relay without PIPELINING the same code waits for each reply (one command per write).
``smtplib`` waits for every reply in turn, which costs about two thirds of the throughput
(../shared/design/performance.md).

Replies are returned per message; a relay that cannot be reached, hangs up or answers 421
raises ``RelayUnavailable``: the caller keeps the remaining messages for later.
"""

import contextlib
import socket
from dataclasses import dataclass


class RelayUnavailable(Exception):
    """The relay refused the connection, closed it, timed out or answered 421."""


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class Outcome:
    sent: bool
    reply: Reply


class Relay:
    """One SMTP connection to the relay; use as a context manager."""

    def __init__(self, host: str, port: int, *, timeout: float = 30, helo: str = "localhost"):
        self.host, self.port, self.timeout, self.helo = host, port, timeout, helo
        self.sock = None
        self.reader = None
        self.pipelining = False

    def __enter__(self):
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reader = self.sock.makefile("rb", buffering=65536)
            self._expect(self._reply(), 220)
            self._write(f"EHLO {self.helo}\r\n".encode())
            ehlo = self._reply(keep_lines=True)
            self._expect(ehlo, 250)
            self.pipelining = any(
                line.upper().startswith("PIPELINING") for line in ehlo.text.splitlines()
            )
        except OSError as error:
            self.close()
            raise RelayUnavailable(str(error)) from error
        except RelayUnavailable:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        if self.sock is not None and exc[0] is None:
            try:
                self._write(b"QUIT\r\n")
                self._reply()
            except (OSError, RelayUnavailable):
                pass
        self.close()

    def close(self) -> None:
        for thing in (self.reader, self.sock):
            if thing is not None:
                with contextlib.suppress(OSError):
                    thing.close()
        self.reader = self.sock = None

    # --- the wire ---------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise RelayUnavailable(str(error)) from error

    def _reply(self, keep_lines: bool = False) -> Reply:
        lines = []
        while True:
            try:
                line = self.reader.readline(8192)
            except OSError as error:
                raise RelayUnavailable(str(error)) from error
            if not line:
                raise RelayUnavailable("the relay closed the connection")
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            try:
                code = int(text[:3])
            except ValueError:
                raise RelayUnavailable(f"not an SMTP reply: {text[:100]!r}") from None
            lines.append(text[4:])
            if text[3:4] != "-":
                break
        reply = Reply(code, "\n".join(lines) if keep_lines else " ".join(lines))
        if code == 421:
            raise RelayUnavailable(str(reply))
        return reply

    @staticmethod
    def _expect(reply: Reply, code: int) -> None:
        if reply.code != code:
            raise RelayUnavailable(str(reply))

    # --- sending ----------------------------------------------------------------------------

    def send(self, messages) -> list[Outcome]:
        """Send (envelope sender, recipient, DATA bytes) triples; one outcome each.

        DATA bytes are CRLF-terminated lines with leading dots doubled. Raises
        RelayUnavailable with the outcomes so far in ``error.args[1]``.
        """
        outcomes: list[Outcome] = []
        awaiting_data_reply = False
        try:
            for sender, recipient, data in messages:
                commands = f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode()
                if self.pipelining:
                    self._write(commands)
                    if awaiting_data_reply:
                        outcomes.append(self._data_outcome())
                        awaiting_data_reply = False
                    mail, rcpt, data_go = self._reply(), self._reply(), self._reply()
                else:
                    if awaiting_data_reply:
                        outcomes.append(self._data_outcome())
                        awaiting_data_reply = False
                    mail, rcpt, data_go = self._lockstep(commands)
                if mail.ok and rcpt.ok and data_go.code == 354:
                    self._write(data if data.endswith(b"\r\n") else data + b"\r\n")
                    self._write(b".\r\n")
                    awaiting_data_reply = True
                    continue
                refusal = next(r for r in (mail, rcpt, data_go) if not r.ok and r.code != 354)
                if data_go.code == 354:  # the relay wants data it must not get: abort it
                    self._write(b".\r\n")
                    self._reply()
                self._write(b"RSET\r\n")
                self._reply()
                outcomes.append(Outcome(False, refusal))
            if awaiting_data_reply:
                outcomes.append(self._data_outcome())
        except RelayUnavailable as error:
            raise RelayUnavailable(str(error), outcomes) from error
        return outcomes

    def _lockstep(self, commands: bytes) -> tuple[Reply, Reply, Reply]:
        replies = []
        for command in commands.split(b"\r\n")[:3]:
            self._write(command + b"\r\n")
            replies.append(self._reply())
            if not replies[-1].ok and replies[-1].code != 354:
                break
        while len(replies) < 3:
            replies.append(Reply(503, "not sent"))
        return tuple(replies)

    def _data_outcome(self) -> Outcome:
        reply = self._reply()
        return Outcome(reply.ok, reply)
