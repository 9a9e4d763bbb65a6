"""An SMTP sink that keeps, for every message it accepts, its Message-ID and recipients.

``smtp-sink`` throws mail away, so it cannot prove "exactly N, none twice". This one can: it
writes one line ``<Message-ID>\\t<recipient>\\t<size>`` per accepted recipient to a file, once the
message is complete and just before it answers 250, so a line means "the client was told
the mail was taken". A killed sender that re-sends a mail shows as the same Message-ID twice.

aiosmtpd (what the tests use) tops out near 2,000 msg/s; this is a bare asyncio protocol
with PIPELINING: commands are answered as they are read, whatever arrives together.
``python bench/counting_sink.py PORT FILE`` prints ``ready`` once it listens; SIGTERM
flushes the file and ends it.
"""

import asyncio
import re
import signal
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

EHLO = (
    b"250-counting-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
    b"250-SIZE 10485760\r\n250 ENHANCEDSTATUSCODES\r\n"
)
END_OF_DATA = b"\r\n.\r\n"
MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*(.*?)\r\n(?![ \t])", re.IGNORECASE | re.MULTILINE | re.DOTALL
)
ADDRESS = re.compile(rb"<([^>]*)>")


class SinkProtocol(asyncio.Protocol):
    def __init__(self, out):
        self.out = out
        self.buffer = b""
        self.in_data = False
        self.recipients: list[bytes] = []

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 counting-sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                end = self.buffer.find(END_OF_DATA)
                if end < 0:
                    break
                self.accept(self.buffer[2:end])
                self.buffer = self.buffer[end + len(END_OF_DATA) :]
                self.in_data = False
                replies.append(b"250 2.0.0 Ok: queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            reply = self.command(line)
            if reply is None:  # QUIT
                replies.append(b"221 2.0.0 Bye\r\n")
                self.reply(replies)
                self.transport.close()
                return
            replies.append(reply)
            if self.in_data:
                # The message follows DATA's line end: with it, an empty message's "." line
                # is found as "\r\n.\r\n" too (the message is then buffer[2:end]).
                self.buffer = b"\r\n" + self.buffer
        if replies:
            self.reply(replies)

    def reply(self, replies: list[bytes]) -> None:
        # The file first: a mail the client was told was taken is in it, and ``received()``
        # can follow the count while mail streams in.
        self.out.flush()
        self.transport.write(b"".join(replies))

    def command(self, line: bytes) -> bytes | None:
        verb = line[:4].upper()
        if verb == b"EHLO":
            return EHLO
        if verb == b"HELO":
            return b"250 counting-sink\r\n"
        if verb == b"MAIL":
            self.recipients = []
            return b"250 2.1.0 Ok\r\n"
        if verb == b"RCPT":
            match = ADDRESS.search(line)
            if match is None:
                return b"501 5.1.3 Bad recipient address syntax\r\n"
            self.recipients.append(match.group(1))
            return b"250 2.1.5 Ok\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 5.5.1 No valid recipients\r\n"
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self.recipients = []
            return b"250 2.0.0 Ok\r\n"
        if verb == b"NOOP":
            return b"250 2.0.0 Ok\r\n"
        if verb == b"QUIT":
            return None
        return b"502 5.5.2 Command not recognized\r\n"

    def accept(self, data: bytes) -> None:
        headers = data[: data.find(b"\r\n\r\n") + 2]
        match = MESSAGE_ID.search(headers)
        message_id = match.group(1).strip() if match else b"-"
        size = b"%d" % len(data)
        for address in self.recipients:
            self.out.write(b"\t".join((message_id, address, size)) + b"\n")
        self.recipients = []


async def serve(port: int, path: Path) -> None:
    with path.open("ab") as out:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SinkProtocol(out), "127.0.0.1", port, backlog=1024
        )
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print("ready", flush=True)
        async with server:
            await stop.wait()
        out.flush()


@dataclass
class Tally:
    """What a sink's file says: messages by Message-ID, and who got them."""

    lines: int = 0
    bytes: int = 0  # the messages' sizes added up (one per recipient)
    by_message_id: Counter = field(default_factory=Counter)
    recipients: set = field(default_factory=set)
    recipient_of: dict = field(default_factory=dict)
    mixed: int = 0  # one Message-ID sent to two different recipients (must stay 0)

    @property
    def messages(self) -> int:
        return len(self.by_message_id)

    @property
    def duplicates(self) -> int:
        return self.lines - self.messages


def tally(path: Path) -> Tally:
    result = Tally()
    with path.open("rb") as lines:
        for line in lines:
            message_id, address, size = line.rstrip(b"\n").split(b"\t")
            result.lines += 1
            result.bytes += int(size)
            result.by_message_id[message_id] += 1
            result.recipients.add(address)
            if result.recipient_of.setdefault(message_id, address) != address:
                result.mixed += 1
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingSink:
    """The sink in a process of its own: ``start()``, send to ``port``, ``stop()``, ``tally()``."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = path, port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "CountingSink":
        self.path.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(self.port), str(self.path)], stdout=subprocess.PIPE
        )
        if self.process.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError(f"the counting sink did not start on 127.0.0.1:{self.port}")
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM by PID; the sink flushes its file before it ends."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.process.stdout.close()

    def tally(self) -> Tally:
        return tally(self.path)

    def received(self) -> int:
        """Recipients accepted so far (read while the sink runs)."""
        with self.path.open("rb") as lines:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: lines.read(1 << 16), b""))

    def __enter__(self) -> "CountingSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
