"""The baseline: a minimal SMTP client with ESMTP PIPELINING, one process per connection.

What the machine can do when nothing but SMTP is done: N prepared messages of ~2 KB, the
recipient and Message-ID spliced into ready bytes, handed over C connections at once
(C processes, so C cores can work). Per message one round trip: the end of one message's
DATA goes out together with the next message's MAIL FROM, RCPT TO and DATA (RFC 2920), and
the client then reads the four replies.

No Django here: the processes are spawned, and the clock starts once all are connected.
``python bench/pipeline_client.py PORT [N] [C]`` runs it on its own.
"""

import multiprocessing
import socket
import sys
import time

MESSAGE_SIZE = 2048
SENDER = b"bounce@bench.example.jp"


def recipient(number: int) -> bytes:
    return b"user%d@bench.example.jp" % number


def prepared(size: int = MESSAGE_SIZE) -> tuple[bytes, bytes]:
    """A message's bytes before and after its To/Message-ID headers, ~``size`` in all."""
    head = (
        b"From: =?utf-8?b?44GK55+l44KJ44Gb?= <info@bench.example.jp>\r\n"
        b"Subject: =?utf-8?b?44CQ5bel5LqL44CR44OZ44Oz44OB44Oe44O844Kv?=\r\n"
        b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    )
    line = b"=E5=B7=A5=E4=BA=8B=E3=81=AE=E3=81=8A=E7=9F=A5=E3=82=89=E3=81=9B=E3=81=A7=E3=81=99\r\n"
    body = line * max(1, (size - len(head) - 120) // len(line))
    return head, b"\r\n" + body


def message(head: bytes, body: bytes, number: int) -> bytes:
    return b"".join(
        (
            head,
            b"To: ",
            recipient(number),
            b"\r\nMessage-ID: <bench.%d@bench.example.jp>\r\n" % number,
            body,
        )
    )


def envelope(number: int) -> bytes:
    return b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (SENDER, recipient(number))


class Replies:
    """SMTP replies read from a socket (multi-line replies joined)."""

    def __init__(self, sock: socket.socket):
        self.file = sock.makefile("rb")

    def read(self) -> tuple[int, bytes]:
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("connection closed by the server")
            lines.append(line)
            if line[3:4] != b"-":
                return int(line[:3]), b"".join(lines)

    def expect(self, code: int) -> bytes:
        got, text = self.read()
        if got != code:
            raise ConnectionError(f"expected {code}, got {text!r}")
        return text


def send(port: int, first: int, count: int, ready=None, host: str = "127.0.0.1") -> int:
    """Hand ``count`` messages (recipients ``first``…) over one pipelined connection."""
    head, body = prepared()
    with socket.create_connection((host, port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        replies = Replies(sock)
        replies.expect(220)
        sock.sendall(b"EHLO bench.example.jp\r\n")
        if b"PIPELINING" not in replies.expect(250).upper():
            raise ConnectionError("the server does not offer PIPELINING")
        if ready is not None:
            ready.wait()
        if count:
            sock.sendall(envelope(first))
            replies.expect(250), replies.expect(250), replies.expect(354)
        for number in range(first, first + count):
            last = number == first + count - 1
            data = message(head, body, number)
            sock.sendall(data + b"\r\n.\r\n" + (b"QUIT\r\n" if last else envelope(number + 1)))
            replies.expect(250)
            if last:
                replies.expect(221)
            else:
                replies.expect(250), replies.expect(250), replies.expect(354)
    return count


def shares(n: int, connections: int) -> list[tuple[int, int]]:
    """(first, count) per connection: n split as evenly as it goes."""
    size, extra = divmod(n, connections)
    result, first = [], 0
    for index in range(connections):
        count = size + (index < extra)
        result.append((first, count))
        first += count
    return result


def run(port: int, n: int, connections: int) -> float:
    """Seconds for C processes to hand N messages to 127.0.0.1:``port`` (after connecting)."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(connections + 1)
    workers = [
        context.Process(target=send, args=(port, first, count, ready))
        for first, count in shares(n, connections)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=60)
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    failed = [worker.exitcode for worker in workers if worker.exitcode != 0]
    if failed:
        raise RuntimeError(f"baseline client processes failed (exit codes {failed})")
    return elapsed


if __name__ == "__main__":
    port, n, connections = (int(arg) for arg in [*sys.argv[1:], 20000, 4][:3])
    seconds = run(port, n, connections)
    print(
        f"{n:,} messages over {connections} connections in {seconds:.2f} s: "
        f"{n / seconds:,.0f} msg/s"
    )
