"""Real task worker and command processes against the test database, and waiting for them.

A subprocess reads the real settings from its environment: ``worker_env`` points its
``DATABASE_URL`` at the database the tests run on (SQLite file or PostgreSQL test database),
selects the database task backend, and keeps mail away from any SMTP server unless a test
passes one (``smtp_env``). Tests that start processes need committed data:
``@pytest.mark.django_db(transaction=True)``.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from madoguchi.testing.drafts import with_draft_token

BASE_DIR = Path(__file__).resolve().parents[2]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

T = TypeVar("T")


def test_database_url() -> str:
    """A DATABASE_URL for the database the tests run on (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, even when imported into a test module


def smtp_env(server) -> dict[str, str]:
    """Environment that sends a subprocess's mail to a test SMTP server (``smtp_server``)."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
    }


def worker_env(**extra) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
            "DATABASE_URL": test_database_url(),
            "MADOGUCHI_VAR_DIR": str(django_settings.VAR_DIR),
            "PROVISIONING_DELAY_SECONDS": "0",
            "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
            # No mail leaves a subprocess unless the test routes it (smtp_env).
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def interrupted_poll(output: str) -> bool:
    """Whether a worker's non-zero exit was its graceful shutdown cutting short an idle poll:
    the shutdown message, then one traceback through the poll's transaction, no task run."""
    shutdown = output.rfind("shutting down gracefully")
    if shutdown < 0:
        return False
    after = output[shutdown:]
    return "in exclusive_transaction" in after and after.count("Traceback") == 1


class Process:
    """A management command running in its own process, its output kept in a file."""

    def __init__(self, *args: str, **env):
        self.args = args
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.popen = subprocess.Popen(
            manage(*args),
            env=worker_env(**env),
            cwd=BASE_DIR,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        self._output.seek(0)
        return self._output.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM and wait; returns the exit code (0 for a clean stop).

        A SIGTERM that lands while ``db_worker`` polls for a task makes django-tasks-db exit
        with 1 from inside its polling transaction (its handler calls ``sys.exit`` there);
        that poll claimed nothing, so such a stop counts as clean (``interrupted_poll``).
        """
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
        code = self.popen.wait(timeout)
        if code == 1 and interrupted_poll(self.output()):
            return 0
        return code

    def kill(self) -> int:
        """``kill -9``: the process gets no chance to clean up."""
        if self.running():
            os.kill(self.popen.pid, signal.SIGKILL)
        return self.popen.wait(15)

    def close(self) -> None:
        if self.running():
            self.kill()
        self._output.close()


def start_worker(**env) -> Process:
    """A real ``db_worker`` process polling every 0.1 s (no reloader: one process to kill)."""
    return Process("db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload", **env)


def run_command(*args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        manage(*args),
        env=worker_env(**env),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def wait_for(check: Callable[[], T], *, timeout: float = 30, interval: float = 0.05) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {check}")
        time.sleep(interval)


class Processes:
    """Processes started by one test; whatever still runs at teardown is killed."""

    def __init__(self):
        self.started: list[Process] = []

    def worker(self, **env) -> Process:
        process = start_worker(**env)
        self.started.append(process)
        return process

    def command(self, *args: str, **env) -> Process:
        process = Process(*args, **env)
        self.started.append(process)
        return process

    def close(self) -> None:
        for process in self.started:
            process.close()


@pytest.fixture
def database_tasks(settings):
    """Tasks go to the database queue (django-tasks-db) instead of running at once."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def processes(transactional_db):
    """Start real processes; they end before the test database is flushed."""
    started = Processes()
    yield started
    started.close()


def submit_password_change(client, *, current: str, new: str):
    """The desk's password change, input then confirm (D3); returns the confirm response."""
    response = client.post(
        reverse("desk:password"),
        {"current_password": current, "new_password": new, "new_password_confirm": new},
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("desk:password_confirm")
    response = client.post(
        reverse("desk:password_confirm"), with_draft_token(client, "network_password")
    )
    assert response.status_code == 302
    return response


def status_of(application) -> str:
    """The application's status as the database has it now."""
    application.refresh_from_db()
    return application.status


def queue_settled() -> bool:
    """Nothing left for a live worker: no task waiting (a dead worker's stays "running")."""
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.filter(status="READY").exists()
