"""X3: ``manage.py reconcile`` as cron and ``make run`` run it (in a real process), and its
loop's resilience to database errors (in this process, with the error injected)."""

import logging
import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.management.commands import reconcile as reconcile_command
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.lib import periodic
from madoguchi.testing.workers import run_command, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_x3_reconcile_command_reenqueues_once():
    """Run once (cron): the lost application is re-enqueued, and it says so."""
    application = ApplicationFactory.aged(timedelta(minutes=5))
    result = run_command("reconcile")
    assert result.stdout.strip() == "re-enqueued 1 application(s)"
    assert {
        task.args_kwargs["kwargs"]["application_id"] for task in DBTaskResult.objects.all()
    } == {application.pk}
    assert DBTaskResult.objects.count() == 1  # its processing (it has no mail waiting)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_x3_reconcile_command_quiet_when_nothing_is_lost():
    ApplicationFactory()
    assert run_command("reconcile").stdout == ""
    assert run_command("reconcile", "-v", "2").stdout.splitlines() == [
        "expired 0 unconfirmed application(s)",
        "re-enqueued 0 application(s)",
        "woke a worker for 0 waiting mail(s)",
        "recorded 0 reminder(s) of planned work",
        "woke the senders of 0 notification mailing(s)",
    ]
    assert not DBTaskResult.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_x3_reconcile_loop_repeats_until_stopped(processes):
    """``reconcile --loop N`` (``make run``) checks again every N seconds."""
    ApplicationFactory.aged(timedelta(minutes=5))
    loop = processes.command("reconcile", "--loop", "0.2")
    wait_for(lambda: DBTaskResult.objects.count() >= 2, timeout=20)  # at least two rounds
    assert loop.running()
    loop.stop()
    assert loop.output().count("re-enqueued 1 application(s)") >= 2


class Stopped(Exception):
    """Ends the loop in the test (a signal would end it in production)."""


@pytest.mark.django_db  # each round checks the connection (close_old_connections)
def test_x3_reconcile_loop_survives_a_database_error(monkeypatch, caplog):
    """X3: the database restarts (or SQLite is locked) during a round: the loop logs it and
    tries again next round instead of dying (and stopping ``bin/run-local`` with it)."""
    rounds = []

    def reconcile():
        rounds.append(len(rounds) + 1)
        if len(rounds) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        if len(rounds) == 2:
            return 1
        raise Stopped

    monkeypatch.setattr(reconcile_command, "expire_unconfirmed_applications", lambda: 0)
    monkeypatch.setattr(reconcile_command, "reconcile_applications", reconcile)
    monkeypatch.setattr(reconcile_command, "reconcile_outbox", lambda: 0)
    monkeypatch.setattr(periodic, "_ROUNDS", [])  # the other apps' rounds
    out = StringIO()
    previous_handler = signal.getsignal(signal.SIGTERM)

    with pytest.raises(Stopped):
        call_command("reconcile", "--loop", "0.01", stdout=out)

    assert rounds == [1, 2, 3]
    assert out.getvalue() == "re-enqueued 1 application(s)\n"
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "database error" in record.getMessage()
    assert "server closed the connection unexpectedly" in record.exc_text
    assert signal.getsignal(signal.SIGTERM) == previous_handler


@pytest.mark.django_db
def test_x3_reconcile_once_reports_a_database_error(monkeypatch):
    """Run once (cron), a database error ends the command with the error (cron mails it)."""

    def reconcile():
        raise OperationalError("database is locked")

    monkeypatch.setattr(reconcile_command, "expire_unconfirmed_applications", lambda: 0)
    monkeypatch.setattr(reconcile_command, "reconcile_applications", reconcile)
    with pytest.raises(OperationalError):
        call_command("reconcile")
