"""Postfix's ``smtp-sink`` on 127.0.0.1, without installing an MTA.

``smtp-sink`` is a C test server of the Postfix source: it answers SMTP (with PIPELINING)
as fast as any client can talk and throws the mail away. Debian ships it inside the
``postfix`` package, so the package is fetched with ``apt-get download`` (no root needed,
nothing installed) and unpacked with ``dpkg -x`` into ``var/bench/postfix`` (git-ignored),
once. ``SMTP_SINK=/path/to/smtp-sink`` uses a binary from elsewhere instead.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CACHE = BASE_DIR / "var" / "bench" / "postfix"
BINARY = "usr/sbin/smtp-sink"
LIBRARIES = "usr/lib/postfix"


class SinkUnavailable(RuntimeError):
    """smtp-sink cannot be had here; the message says what to do."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unpack(cache: Path = CACHE) -> Path:
    """The directory holding the unpacked ``postfix`` package (fetched on first use)."""
    if (cache / BINARY).exists():
        return cache
    missing = [tool for tool in ("apt-get", "dpkg") if shutil.which(tool) is None]
    if missing:
        raise SinkUnavailable(
            f"smtp-sink comes from Debian's postfix package, fetched with apt-get download "
            f"and unpacked with dpkg -x; {' and '.join(missing)} not found on this machine. "
            f"Set SMTP_SINK=/path/to/smtp-sink to use a binary of your own."
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache.parent, prefix="download-") as download:
        # apt-get warns, harmlessly, when root downloads into a directory _apt cannot write.
        fetched = subprocess.run(
            ["apt-get", "download", "postfix"], cwd=download, capture_output=True, text=True
        )
        packages = list(Path(download).glob("postfix_*.deb"))
        if fetched.returncode != 0 or not packages:
            raise SinkUnavailable(
                "apt-get download postfix failed (is the package index there? "
                f"`apt-get update` fills it):\n{fetched.stderr.strip()}"
            )
        unpacked = Path(download) / "root"
        subprocess.run(["dpkg", "-x", str(packages[0]), str(unpacked)], check=True)
        if not (unpacked / BINARY).exists():
            raise SinkUnavailable(f"{packages[0].name} holds no {BINARY}")
        if cache.exists():
            shutil.rmtree(cache)
        unpacked.rename(cache)
    return cache


def command(port: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run smtp-sink on 127.0.0.1:``port``."""
    env = dict(os.environ)
    if os.environ.get("SMTP_SINK"):
        binary = Path(os.environ["SMTP_SINK"])
    else:
        root = unpack()
        binary = root / BINARY
        env["LD_LIBRARY_PATH"] = str(root / LIBRARIES)
    args = [str(binary)]
    if os.geteuid() == 0:
        args += ["-u", "nobody"]  # root: drop to nobody once the socket is open
    # Loopback only; 1024: the listen backlog.
    return [*args, f"127.0.0.1:{port}", "1024"], env


def answers(port: int) -> bool:
    """Whether an SMTP server greets on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            if sock.recv(512).startswith(b"220"):
                sock.sendall(b"QUIT\r\n")
                return True
    except OSError:
        pass
    return False


class SmtpSink:
    """One smtp-sink process: ``start()``, hand it mail on ``port``, ``stop()`` (by its PID)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> "SmtpSink":
        args, env = command(self.port)
        try:
            self.process = subprocess.Popen(
                args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as error:
            raise SinkUnavailable(f"cannot run {args[0]}: {error}") from None
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = self.error_output()
                self.stop()
                raise SinkUnavailable(f"smtp-sink did not answer on 127.0.0.1:{self.port}: {why}")
            time.sleep(0.05)
        return self

    def error_output(self) -> str:
        """What a sink that ended said on stderr (why it could not start)."""
        if self.process is None or self.process.poll() is None:
            return "(no answer)"
        text = self.process.stderr.read().decode("utf-8", "replace").strip()
        return text or f"it ended with exit code {self.process.returncode}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process.stderr.close()

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    # `python bench/smtp_sink.py`: fetch and unpack once, run the sink briefly, say where.
    with SmtpSink() as sink:
        print(f"smtp-sink answers on 127.0.0.1:{sink.port} (pid {sink.pid}); stopping")
