"""The 工事・故障情報メール fan-out against the raw SMTP limit (issue 10; `make bench`).

On a throw-away PostgreSQL database (bench/seed.py) with N destinations (``N``, default
200,000; ``N=1000000`` for the full run), in one run:

1. baseline: N prepared ~2 KB messages from a minimal pipelining client over C connections
   (C processes, C = ``DELIVERY_CONNECTIONS``, default 4) into Postfix's ``smtp-sink``;
2. the product, end to end: an operator's ``publish_notice`` marked 「メール配信する」 →
   selection → delivery rows → C real ``manage.py db_worker`` processes (django-tasks-db on
   PostgreSQL) sending into the same sink, until every row is recorded sent;
3. the desk: ご利用状況の確認 through gunicorn, requests per second while idle and during a
   fan-out (a second publication, to the first ``DESK_N`` destinations);
4. exactly once: ``N_CHECK`` (default 20,000) destinations into a counting sink — exactly
   N_CHECK messages to N_CHECK distinct addresses, none twice; then again with a worker
   killed (``kill -9``) halfway and restarted: none lost, duplicates (the same Message-ID
   twice) no more than the mails in flight at the kill.

The baseline runs before and after the product; the ratio is taken against the faster.
"""

import contextlib
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BASE_DIR), str(BENCH_DIR)]

import pipeline_client  # noqa: E402
import seed  # noqa: E402
from counting_sink import CountingSink  # noqa: E402
from desk_load import Gunicorn, measure, peak_rss_mib  # noqa: E402
from smtp_sink import SinkUnavailable, SmtpSink, free_port  # noqa: E402

OPERATOR = "operator"  # load_demo's 管理者
DESK_USER = "demo0001@biz.example.ne.jp"
BODY = (
    "本日未明より、一部地域で光アクセスサービスがご利用になりにくい状態となっております。"
    "復旧に向けて作業を進めております。ご迷惑をおかけし申し訳ございません。"
)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value.replace("_", "")) if value else default


def even(number: int) -> int:
    return number + number % 2


@dataclass
class Run:
    """What one fan-out took."""

    publication_id: int
    selected: int
    seconds: float
    selection_seconds: float | None
    sent: int
    sending_seconds: float  # from the end of the selection to the last row recorded

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


@dataclass
class Results:
    n: int
    connections: int
    load: list[float] = field(default_factory=list)  # at the start and at the end
    baseline: list[float] = field(default_factory=list)  # seconds, before and after
    product: Run | None = None
    message_size: int = 0
    desk_idle: float = 0
    desk_busy: float = 0
    desk_run: Run | None = None
    rss: dict[str, list[float]] = field(default_factory=dict)
    check: dict = field(default_factory=dict)
    kill: dict = field(default_factory=dict)


# --- set-up ---------------------------------------------------------------------------------


def configure(database: str, var_dir: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
            "DATABASE_URL": seed.database_url(database),
            "MADOGUCHI_VAR_DIR": var_dir,
            "DJANGO_DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
            "RADIUS_CRYPT_ROUNDS": "5000",  # demo data only; not measured
        }
    )
    import logging
    import warnings

    import django

    django.setup()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")


def prepare_database(n: int, n_check: int, n_desk: int) -> seed.Seeded:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    return seed.seed(n, n_check, n_desk)


def worker(sink_port: int, **env):
    from madoguchi.testing.workers import start_worker

    return start_worker(
        DELIVERY_SMTP_HOST="127.0.0.1", DELIVERY_SMTP_PORT=sink_port, LOG_LEVEL="WARNING", **env
    )


def stop_all(processes) -> None:
    """SIGTERM each (a sender finishes its batch first), kill -9 what does not stop."""
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.stop()
        process.close()


def record_rss(results: Results, label: str, pids) -> None:
    results.rss.setdefault(label, []).extend(
        rss for rss in (peak_rss_mib(pid) for pid in pids) if rss is not None
    )


# --- one publication ------------------------------------------------------------------------


def publish(product, title: str):
    """An operator publishes an outage notice marked 「メール配信する」; its publication."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from madoguchi.notices.models import Notice
    from madoguchi.notices.services import create_notice, publish_notice

    operator = get_user_model().objects.get(username=OPERATOR)
    notice = create_notice(
        notice=Notice(
            kind=Notice.Kind.OUTAGE,
            status=Notice.Status.OCCURRING,
            title=title,
            body=BODY,
            area="東京都千代田区、中央区、港区の一部",
            starts_at=timezone.now(),
        ),
        products=[product],
        actor=operator,
        ip="127.0.0.1",
    )
    return publish_notice(notice=notice, actor=operator, ip="127.0.0.1", send_mail=True)


def mailing_state(publication_id: int) -> str | None:
    from madoguchi.delivery.models import Mailing

    return Mailing.objects.filter(pk=publication_id).values_list("state", flat=True).first()


def wait_finished(publication_id: int, workers, timeout: float, during=None) -> float:
    """Poll until the publication's mailing is finished; ``during(state, publication_id)``
    runs meanwhile until it returns True."""
    start = time.perf_counter()
    while (state := mailing_state(publication_id)) != "finished":
        if time.perf_counter() - start > timeout:
            raise RuntimeError(
                f"publication {publication_id} not finished after {timeout:.0f} s "
                f"(mailing {state}, rows by status {status_counts(publication_id)}); "
                f"a worker's output:\n{workers[0].output()[-3000:]}"
            )
        dead = [process for process in workers if not process.running()]
        if dead:
            raise RuntimeError(f"a worker died:\n{dead[0].output()[-3000:]}")
        if during is not None and during(state, publication_id):
            during = None
        time.sleep(0.05)
    return time.perf_counter()


def fan_out(product, title: str, expected: int, workers, during=None) -> Run:
    """Publish, wait until every row is recorded; check that all ``expected`` were sent."""
    from madoguchi.delivery.models import Delivery, Mailing

    start = time.perf_counter()
    publication = publish(product, title)
    end = wait_finished(publication.pk, workers, timeout=120 + expected / 500, during=during)
    mailing = Mailing.objects.get(pk=publication.pk)
    statuses = status_counts(publication.pk)
    sent = statuses.get(Delivery.Status.SENT, 0)
    if mailing.selected != expected or statuses != {Delivery.Status.SENT: expected}:
        raise RuntimeError(
            f"publication {publication.pk}: selected {mailing.selected}, rows by status "
            f"{statuses}; expected {expected} sent"
        )
    sending = (mailing.finished_at - mailing.started_at).total_seconds()
    return Run(
        publication.pk, mailing.selected, end - start, mailing.selection_seconds, sent, sending
    )


def status_counts(publication_id: int) -> dict[int, int]:
    from django.db.models import Count

    from madoguchi.delivery.models import Delivery

    rows = (
        Delivery.objects.filter(publication_id=publication_id)
        .values_list("status")
        .annotate(rows=Count("id"))
        .order_by()
    )
    return dict(rows)


def claimed_unfinished(publication_id: int) -> int:
    """Rows claimed by a worker (lease running) and not yet recorded: the mails in flight."""
    from django.utils import timezone

    from madoguchi.delivery.models import Delivery

    return Delivery.objects.filter(
        publication_id=publication_id,
        status=Delivery.Status.PENDING,
        lease_until__gt=timezone.now(),
    ).count()


def handed_over_unrecorded(publication_id: int, tally) -> int:
    """Mails the sink took whose rows are not recorded sent: what a killed sender's
    successor sends again (the duplicates come from the killed one's share of these)."""
    from django.conf import settings

    from madoguchi.delivery.models import Delivery

    waiting = Delivery.objects.filter(
        publication_id=publication_id, status=Delivery.Status.PENDING
    ).only("id")
    domain = settings.DELIVERY_LIST_DOMAIN
    return sum(row.message_id(domain).encode() in tally.by_message_id for row in waiting)


# --- the passes -----------------------------------------------------------------------------


def desk_cookie() -> str:
    """A logged-in desk session (the demo customer) for the load clients."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=DESK_USER))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def throughput(results: Results, seeded: seed.Seeded) -> None:
    """Baseline, product, desk idle and busy, baseline again: all into one smtp-sink."""
    from django.urls import reverse

    from madoguchi.testing.workers import worker_env

    n, connections = results.n, results.connections
    seconds = env_int("DESK_SECONDS", 5)
    # Web nodes keep their database connections (docs/deploy.md): one per request would
    # cost more than the page.
    web_env = worker_env(DATABASE_CONN_MAX_AGE=60)
    with SmtpSink() as sink:
        results.baseline.append(pipeline_client.run(sink.port, n, connections))
        workers = [worker(sink.port) for _ in range(connections)]
        web = Gunicorn(free_port(), web_env).start()
        try:
            wait_ready(workers)
            results.product = fan_out(seeded.main, "【ベンチ】光アクセス障害", n, workers)
            status, cookie = reverse("desk:status"), desk_cookie()
            results.desk_idle = measure(web.port, status, cookie, seconds)

            def desk_meanwhile(state: str, publication_id: int) -> bool:
                if state != "sending":
                    return False
                results.desk_busy = measure(web.port, status, cookie, seconds)
                if mailing_state(publication_id) == "finished":
                    raise RuntimeError(
                        f"the fan-out to DESK_N={seeded.n_desk} ended before the desk's "
                        f"measurement did: raise DESK_N"
                    )
                return True

            results.desk_run = fan_out(
                seeded.desk, "【ベンチ】窓口計測", seeded.n_desk, workers, during=desk_meanwhile
            )
            record_rss(results, "db_worker", [process.pid for process in workers])
            record_rss(results, "gunicorn worker", web.worker_pids())
            record_rss(results, "smtp-sink", [sink.pid])
        finally:
            web.stop()
            stop_all(workers)
        results.baseline.append(pipeline_client.run(sink.port, n, connections))


def wait_ready(workers, timeout: float = 60) -> None:
    """Until every worker has started polling (so the product's time has no start-up in it)."""
    deadline = time.monotonic() + timeout
    while not all("Starting worker" in process.output() for process in workers):
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not ready:\n{workers[0].output()[-2000:]}")
        time.sleep(0.1)


def exactly_once(results: Results, seeded: seed.Seeded, var_dir: str) -> None:
    """N_CHECK destinations into the counting sink: every one once, nobody else."""
    with CountingSink(Path(var_dir) / "check.tsv") as sink:
        workers = [worker(sink.port) for _ in range(results.connections)]
        try:
            wait_ready(workers)
            run = fan_out(seeded.check, "【ベンチ】確認", seeded.n_check, workers)
        finally:
            stop_all(workers)
    tally = sink.tally()
    results.check = verdict(run, tally, seeded) | {"run": run}
    results.message_size = round(tally.bytes / max(tally.lines, 1))


def killed_worker(results: Results, seeded: seed.Seeded, var_dir: str) -> None:
    """The same with one worker killed (kill -9) halfway through and another started."""
    from madoguchi.testing.workers import Process

    lease = {"DELIVERY_LEASE_SECONDS": "5"}  # the killed worker's rows come back soon
    kill = {}
    with CountingSink(Path(var_dir) / "kill.tsv") as sink:
        workers = [worker(sink.port, **lease) for _ in range(results.connections)]
        reconcile = Process("reconcile", "--loop", "1", LOG_LEVEL="WARNING", **lease)

        def kill_halfway(state: str, publication_id: int) -> bool:
            # Counted at the sink, which takes mail one by one (rows are recorded per batch):
            # the senders are then in the middle of their batches.
            if state != "sending" or sink.received() < seeded.n_check // 2:
                return False
            victim = workers.pop(0)
            os.kill(victim.pid, signal.SIGSTOP)  # frozen: what it holds cannot change
            kill["sent"] = sink.received()
            kill["in_flight"] = claimed_unfinished(publication_id)
            kill["handed_over"] = handed_over_unrecorded(publication_id, sink.tally())
            victim.kill()
            victim.close()
            workers.append(worker(sink.port, **lease))
            return True

        try:
            wait_ready(workers)
            run = fan_out(seeded.check, "【ベンチ】停止試験", seeded.n_check, workers, kill_halfway)
        finally:
            stop_all([*workers, reconcile])
    if not kill:
        raise RuntimeError("the fan-out ended before the worker could be killed")
    results.kill = verdict(run, sink.tally(), seeded, allowed=kill["in_flight"]) | kill


def verdict(run: Run, tally, seeded: seed.Seeded, allowed: int = 0) -> dict:
    """Whether the sink got every selected destination, nobody else, each Message-ID once
    (or up to ``allowed`` twice), each Message-ID to one address only."""
    from django.conf import settings

    from madoguchi.delivery.models import Delivery

    expected_ids = {
        row.message_id(settings.DELIVERY_LIST_DOMAIN).encode()
        for row in Delivery.objects.filter(publication_id=run.publication_id).only("id")
    }
    lost = len(expected_ids - set(tally.by_message_id))
    return {
        "messages": tally.messages,
        "recipients": len(tally.recipients),
        "duplicates": tally.duplicates,
        "lost": lost,
        "ok": (
            lost == 0
            and tally.messages == len(expected_ids) == seeded.n_check
            and tally.recipients == seeded.addresses(seeded.n_check)
            and tally.mixed == 0
            and tally.duplicates <= allowed
        ),
    }


# --- report ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) / 1024 / 1024
    return (
        f"{os.cpu_count()} CPU(s) (nproc), {cpu}, {memory:.1f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )


def load_average() -> float:
    """The 1-minute load average: on a shared machine, how much else was running."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def report(results: Results, seeded: seed.Seeded, database: str, elapsed: float) -> bool:
    n, product = results.n, results.product
    baseline_rates = [n / seconds for seconds in results.baseline]
    baseline = max(baseline_rates)
    print("\nmadoguchi bench — 工事・故障情報メール fan-out (issue 10)")
    print(f"  machine: {machine()}")
    print(
        f"  load average (1 min): {results.load[0]:.1f} at the start, {results.load[1]:.1f} at "
        f"the end (above {os.cpu_count()}, other processes took part of the CPUs)"
    )
    print(f"  database: PostgreSQL {database} (throw-away: {seed.database_name()}, dropped)")
    print(
        f"  N: {n:,} destinations ({seeded.rows:,} rows seeded in {seeded.seconds:.1f} s; "
        f"the selection leaves out {seeded.left_out:,} others)"
    )
    print(
        f"  C: {results.connections} SMTP connections (baseline processes / db_worker processes)"
        f" into Postfix smtp-sink on 127.0.0.1"
    )
    print(
        "  baseline, pipelining client, ~2 KB messages: "
        + ", ".join(f"{rate:,.0f} msg/s" for rate in baseline_rates)
        + " (before, after the product; the faster is the baseline)"
    )
    print(
        f"  product, publish_notice → every row recorded sent: {product.rate:,.0f} msg/s "
        f"({product.seconds:.1f} s for {product.sent:,}; selection "
        f"{product.selection_seconds:.2f} s, then {product.sent / product.sending_seconds:,.0f} "
        f"msg/s while sending; messages of {results.message_size:,} bytes)"
    )
    print(f"ratio: {product.rate / baseline:.2f}")
    desk_ratio = results.desk_busy / results.desk_idle
    desk_seconds = env_int("DESK_SECONDS", 5)
    print(
        f"  desk ご利用状況の確認 through gunicorn ({os.cpu_count()} sync workers, 4 clients, "
        f"{desk_seconds} s each): idle {results.desk_idle:,.0f} req/s, during a fan-out "
        f"{results.desk_busy:,.0f} req/s (that fan-out: {results.desk_run.rate:,.0f} msg/s "
        f"to {results.desk_run.sent:,})"
    )
    print(f"desk ratio: {desk_ratio:.2f}")
    rss = "; ".join(
        f"{label} " + ", ".join(f"{value:.0f}" for value in values)
        for label, values in results.rss.items()
    )
    bench_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS (VmHWM, MiB): {rss}; this bench process {bench_rss:.0f}")
    check, kill = results.check, results.kill
    print(
        f"  exactly once, N_CHECK={seeded.n_check:,} into a counting sink: "
        f"{check['messages']:,} messages to {check['recipients']:,} distinct addresses, "
        f"{check['lost']} lost, {check['duplicates']} duplicates: "
        + ("OK" if check["ok"] else "FAILED")
    )
    print(
        f"  a worker killed (kill -9) at {kill['sent']:,} received and another started: "
        f"{kill['messages']:,} messages to {kill['recipients']:,} addresses, {kill['lost']} "
        f"lost, {kill['duplicates']} duplicates (same Message-ID) ≤ {kill['in_flight']:,} in "
        f"flight at the kill (claimed, not recorded; {kill['handed_over']:,} of them already "
        f"handed over, by all senders): " + ("OK" if kill["ok"] else "FAILED")
    )
    print(f"  ({elapsed:.0f} s in all)")
    return check["ok"] and kill["ok"]


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    n = env_int("N", 200_000)
    n_check = min(even(env_int("N_CHECK", 20_000)), n - n % 2)
    n_desk = min(even(env_int("DESK_N", 100_000)), n - n % 2)
    connections = env_int("DELIVERY_CONNECTIONS", 4)
    name = seed.database_name()
    try:
        SmtpSink().start().stop()  # fetched and unpacked once, before anything is seeded
        seed.create_database(name)
    except (SinkUnavailable, seed.DatabaseUnavailable) as error:
        print(f"delivery bench: {error}", file=sys.stderr)
        return 2
    results = Results(n, connections, load=[load_average()])
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as var_dir:
        try:
            configure(name, var_dir)
            print(f"seeding {n:,} destinations into PostgreSQL database {name} …", flush=True)
            seeded = prepare_database(n, n_check, n_desk)
            print("measuring the baseline, the product and the desk …", flush=True)
            throughput(results, seeded)
            print(f"proving exactly-once with N_CHECK={n_check:,} …", flush=True)
            exactly_once(results, seeded, var_dir)
            killed_worker(results, seeded, var_dir)
            version = postgres_version()
            results.load.append(load_average())
        finally:
            from django.db import connections as databases

            databases.close_all()
            seed.drop_database(name)
    return 0 if report(results, seeded, version, time.perf_counter() - started) else 1


if __name__ == "__main__":
    sys.exit(main())
