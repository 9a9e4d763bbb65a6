"""Start real task worker processes against the test database."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """A DATABASE_URL for the database the tests run on (the test database)."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
            "DATABASE_URL": test_database_url(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(*args: str, **env: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def start_worker(**env: str) -> subprocess.Popen:
    """A real ``db_worker`` process polling every 0.1 s."""
    return subprocess.Popen(
        manage("db_worker", "--interval", "0.1", "--no-startup-delay"),
        env=worker_env(**env),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        manage(*args),
        env=worker_env(**env),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
