"""The desk under load: gunicorn serving the portal, and clients requesting one page.

``Gunicorn`` starts the production web server (``nproc`` sync workers, as docs/deploy.md
sizes it) on the benchmark's database; ``measure`` has a few client processes request a
logged-in page as fast as it answers for a few seconds and returns the successful requests
per second. The clients are spawned and connect fresh per request (sync workers close the
connection after each response).
"""

import http.client
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Gunicorn:
    def __init__(self, port: int, env: dict[str, str], workers: int | None = None):
        self.port, self.env = port, env
        self.workers = workers or os.cpu_count() or 1
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "madoguchi.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers or not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start on 127.0.0.1:{self.port}")
            time.sleep(0.1)
        return self

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            return True
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), while it still runs."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def request_loop(port: int, path: str, cookie: str, seconds: float, ready, results) -> None:
    ready.wait()
    ok = failed = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status == 200:
            ok += 1
        else:
            failed += 1
    results.put((ok, failed))


def measure(port: int, path: str, cookie: str, seconds: float = 5, clients: int = 4) -> float:
    """Successful requests per second of ``clients`` processes for ``seconds``."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(clients), context.Queue()
    processes = [
        context.Process(target=request_loop, args=(port, path, cookie, seconds, ready, results))
        for _ in range(clients)
    ]
    for process in processes:
        process.start()
    counts = [results.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    failed = sum(count[1] for count in counts)
    if failed:
        raise RuntimeError(f"{failed} requests for {path} did not answer 200")
    return sum(count[0] for count in counts) / seconds
