"""S4 with real task workers, on both engines the fan-out runs on (django-tasks-db and
django-tasks-rq with Redis): every destination gets exactly one mail; a worker killed with
``kill -9`` mid-batch loses none (its batch is claimed again once its lease runs out, the
same Message-IDs); a relay answering 421, then recovering, loses none and fails none."""

import os
import time
from collections import Counter

import pytest
from django.utils import timezone

from madoguchi.delivery.models import Delivery, Mailing
from madoguchi.delivery.services import reconcile_mailings
from madoguchi.delivery.tests import fanout
from madoguchi.testing.workers import smtp_env, wait_for

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(params=["db", "rq"])
def engine(request, settings):
    """The task backend under test, in this process and in the workers it starts."""
    if request.param == "db":
        settings.TASKS = DB_TASKS
        yield {"name": "db", "env": {"TASK_BACKEND": DB_TASKS["default"]["BACKEND"]}}
        return
    import redis

    # A Redis database of this test process's own (several pytest-xdist workers at once).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = 8 + int(worker.removeprefix("gw") or 0) % 8
    url = f"redis://127.0.0.1:6379/{number}"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is required at 127.0.0.1:6379 for the rq engine: {error}")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    settings.RQ_QUEUES = {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = RQ_TASKS
    yield {"name": "rq", "env": {"TASK_BACKEND": RQ_TASKS["default"]["BACKEND"], "REDIS_URL": url}}
    redis.Redis.from_url(url).flushdb()


def start_worker(processes, engine, server, **env):
    env = {
        **engine["env"],
        **smtp_env(server),
        "DELIVERY_SMTP_HOST": "127.0.0.1",
        "DELIVERY_SMTP_PORT": server.port,
        "DELIVERY_BATCH_SIZE": 20,
        "DELIVERY_CONNECTIONS": 2,
        **env,
    }
    if engine["name"] == "db":
        return processes.command(
            "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload", **env
        )
    # SimpleWorker runs each job in the worker process itself: kill -9 kills the job too.
    return processes.command(
        "rqworker",
        "default",
        "--worker-class",
        "rq.worker.SimpleWorker",
        "--job-class",
        "django_tasks_rq.backend.Job",
        **env,
    )


def sent_count(publication) -> int:
    return Delivery.objects.filter(publication=publication, status=Delivery.Status.SENT).count()


def published(count: int):
    product = fanout.product()
    fanout.bulk_subscribers(product, count)
    return fanout.publish(fanout.notice([product]))  # commits: the mailing starts


@pytest.mark.django_db(transaction=True)
def test_s4_real_workers_mail_every_destination_exactly_once(engine, processes, smtp_server):
    first = start_worker(processes, engine, smtp_server)
    second = start_worker(processes, engine, smtp_server)
    publication = published(120)
    wait_for(lambda: sent_count(publication) == 120, timeout=60)
    wait_for(lambda: Mailing.objects.get(pk=publication.pk).state == Mailing.State.FINISHED)
    recipients = [mail.rcpt_to[0] for mail in smtp_server.received]
    assert len(recipients) == 120 and len(set(recipients)) == 120
    assert Mailing.objects.get(pk=publication.pk).selected == 120
    assert first.stop() == 0 and second.stop() == 0


@pytest.mark.django_db(transaction=True)
def test_s4_a_worker_killed_mid_batch_loses_none(engine, processes, smtp_server):
    smtp_server.handler.delay = 0.01  # ~100 mails a second: the kill lands mid-run
    worker = start_worker(processes, engine, smtp_server, DELIVERY_LEASE_SECONDS=2)
    publication = published(150)

    def leased():
        return Delivery.objects.filter(
            publication=publication, status=Delivery.Status.PENDING, lease_until__gt=timezone.now()
        ).count()

    # Halfway, while a batch is claimed and being handed over.
    wait_for(lambda: len(smtp_server.received) >= 50 and leased(), timeout=60, interval=0.01)
    assert worker.kill() == -9
    in_flight = leased()
    assert in_flight <= 20  # one claimed batch at most per sender
    start_worker(processes, engine, smtp_server, DELIVERY_LEASE_SECONDS=2)
    time.sleep(2)  # the dead worker's lease runs out
    reconcile_mailings()  # as `manage.py reconcile` does every minute
    wait_for(lambda: sent_count(publication) == 150, timeout=60)

    by_recipient = Counter(mail.rcpt_to[0] for mail in smtp_server.received)
    assert len(by_recipient) == 150  # none lost
    twice = [address for address, times in by_recipient.items() if times > 1]
    assert len(twice) <= in_flight  # duplicates no more than the mails in flight
    for address in twice:
        ids_seen = {
            m.message["Message-ID"] for m in smtp_server.received if m.rcpt_to[0] == address
        }
        assert len(ids_seen) == 1  # the same mail again, recognisably


@pytest.mark.django_db(transaction=True)
def test_s4_relay_answering_421_then_recovering_loses_none(engine, processes, smtp_server):
    smtp_server.handler.unavailable_until = time.monotonic() + 2.5
    start_worker(processes, engine, smtp_server, DELIVERY_RELAY_PATIENCE_SECONDS=30)
    publication = published(60)
    wait_for(lambda: sent_count(publication) == 60, timeout=60)
    assert not Delivery.objects.filter(
        publication=publication, status=Delivery.Status.FAILED
    ).exists()
    assert all(row.attempts == 1 for row in Delivery.objects.filter(publication=publication))
    assert len({mail.rcpt_to[0] for mail in smtp_server.received}) == 60
