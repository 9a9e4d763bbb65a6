"""X3: ``manage.py reconcile`` as cron and ``make run`` run it, in a real process."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.testing.workers import run_command, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_x3_reconcile_command_reenqueues_once():
    """Run once (cron): the lost application is re-enqueued, and it says so."""
    application = ApplicationFactory.aged(timedelta(minutes=5))
    result = run_command("reconcile")
    assert result.stdout.strip() == "re-enqueued 1 application(s)"
    assert {
        task.args_kwargs["kwargs"]["application_id"] for task in DBTaskResult.objects.all()
    } == {application.pk}
    assert DBTaskResult.objects.count() == 2  # its publication and its mail


def test_x3_reconcile_command_quiet_when_nothing_is_lost():
    ApplicationFactory()
    assert run_command("reconcile").stdout == ""
    assert run_command("reconcile", "-v", "2").stdout.strip() == "re-enqueued 0 application(s)"
    assert not DBTaskResult.objects.exists()


def test_x3_reconcile_loop_repeats_until_stopped(processes):
    """``reconcile --loop N`` (``make run``) checks again every N seconds."""
    ApplicationFactory.aged(timedelta(minutes=5))
    loop = processes.command("reconcile", "--loop", "0.2")
    wait_for(lambda: DBTaskResult.objects.count() >= 4, timeout=20)  # at least two rounds
    assert loop.running()
    loop.stop()
    assert loop.output().count("re-enqueued 1 application(s)") >= 2
