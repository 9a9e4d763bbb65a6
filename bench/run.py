"""madoguchi benchmark: `make bench` (about half a minute on 2 cores).

Absolute figures wander on a shared machine, so every figure is reported as a ratio against a
baseline measured in the same run (../shared/design/performance.md):

  (a) desk login through the real view (throttling check + Argon2id + session + audit row)
      with the OWASP hasher, against Django's default Argon2 parameters (baseline), and a
      login to a locked ID from an unknown browser, refused before any hash is computed;
      plus the bare hash verification in `nproc` processes (the machine's login capacity);
  (b) the logged-in usage-status page against a hello-world view through the same middleware;
  (c) the number of queries per desk page;
  (d) customer mail: the outbox (rows claimed in batches, one SMTP connection per batch, each
      reply recorded) against sending each mail on a connection of its own (the baseline),
      both into one local SMTP sink (aiosmtpd, itself the slower side at ~2,000 msg/s).

It runs against a throw-away SQLite database in a temporary directory, never the project's.
"""

import os
import platform
import statistics
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PASSWORD = "Bench-pass-123"
OWASP = "madoguchi.contracts.hashers.OwaspArgon2PasswordHasher"
DJANGO_DEFAULT = "django.contrib.auth.hashers.Argon2PasswordHasher"


def configure(var_dir: str) -> None:
    """Point Django at a temporary SQLite database before it is set up."""
    os.environ["MADOGUCHI_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "madoguchi.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["RADIUS_CRYPT_ROUNDS"] = "5000"  # not measured here; keeps the setup short
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

    import logging
    import warnings

    import django

    django.setup()
    # Lockouts and 429s are expected here; their log lines would only slow the loop down.
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    from django.conf import settings

    # Served from the source folders, as under `make run` (no collectstatic needed).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver"]


def timed(function, n: int) -> list[float]:
    """Seconds per call, n calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def width(text: str) -> int:
    """Columns a string takes in a terminal (Japanese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


class Table:
    def __init__(self, title: str, columns: list[str]):
        self.title, self.columns, self.rows = title, columns, []

    def add(self, *cells) -> None:
        self.rows.append([str(cell) for cell in cells])

    def print(self) -> None:
        widths = [
            max(width(row[i]) for row in [self.columns, *self.rows])
            for i in range(len(self.columns))
        ]
        print(f"\n{self.title}")
        print("  " + "  ".join(pad(c, w) for c, w in zip(self.columns, widths, strict=True)))
        print("  " + "  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  " + "  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def per_second(seconds: float) -> str:
    return f"{1 / seconds:,.0f}/s"


# --- data ---------------------------------------------------------------------------------------


def make_customer(number: int, hasher: str):
    from django.contrib.auth.hashers import make_password

    from madoguchi.contracts.models import Contract, User

    contract = Contract.objects.create(
        customer_number=f"B{number:09d}",
        service_name="光フレッツ IP1 ファミリータイプ",
        name=f"ベンチ商事{number}株式会社",
        name_kana="ベンチショウジカブシキガイシャ",
        postal_code="100-0004",
        address="東京都千代田区大手町9丁目9-9",
        department="情報システム部",
        contact_email=f"bench{number}@example.com",
    )
    return User.objects.create(
        username=f"bench{number:04d}@biz.example.ne.jp",
        kind=User.Kind.DESK,
        contract=contract,
        password=make_password(PASSWORD, hasher=hasher_of(hasher)),
    )


def hasher_of(path: str) -> str:
    from django.utils.module_loading import import_string

    return import_string(path).algorithm


# --- (a) login ----------------------------------------------------------------------------------


_login_client = None


def login_post(username: str, ip: str, password: str = PASSWORD) -> int:
    """One login as a new browser would make it (no cookies), through the whole stack."""
    from http.cookies import SimpleCookie

    from django.test import Client
    from django.urls import reverse

    global _login_client
    if _login_client is None:
        _login_client = Client()  # one handler: middleware is loaded once, as in a server
    _login_client.cookies = SimpleCookie()
    login_id, _, realm = username.partition("@")
    response = _login_client.post(
        reverse("desk:login"),
        {"login_id": login_id, "realm": realm, "password": password},
        REMOTE_ADDR=ip,
    )
    return response.status_code


def bench_logins(n_owasp: int, n_default: int, n_locked: int) -> dict[str, list[float]]:
    from django.test import override_settings

    results = {}
    for label, hasher, n, number in (
        ("owasp", OWASP, n_owasp, 1),
        ("default", DJANGO_DEFAULT, n_default, 2),
    ):
        with override_settings(PASSWORD_HASHERS=[hasher]):
            user = make_customer(number, hasher)
            assert login_post(user.username, "192.0.2.1") == 302, "login failed"  # warm-up
            results[label] = timed(lambda u=user: login_post(u.username, "192.0.2.1"), n)

    # Five failures lock the ID for unknown browsers (login_post sends no device cookie).
    locked = make_customer(3, OWASP)
    for _ in range(5):
        login_post(locked.username, "198.51.100.1", password="Wrong-123")
    assert login_post(locked.username, "198.51.100.1") == 429, "not locked"
    results["locked"] = timed(lambda: login_post(locked.username, "198.51.100.1"), n_locked)
    return results


def verify_many(args: tuple[str, int]) -> float:
    """In a worker process: verify one hash n times; returns the seconds taken."""
    from argon2 import PasswordHasher

    encoded, n = args
    hasher = PasswordHasher()
    start = time.perf_counter()
    for _ in range(n):
        hasher.verify(encoded, PASSWORD)
    return time.perf_counter() - start


def bench_parallel_verify(processes: int, n_per_process: dict[str, int]) -> dict[str, float]:
    """Verifications per second with every core busy (no web stack)."""
    from django.contrib.auth.hashers import make_password

    rates = {}
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(verify_many, [("", 0)] * processes))  # start the workers
        for label, hasher in (("owasp", OWASP), ("default", DJANGO_DEFAULT)):
            from django.test import override_settings

            with override_settings(PASSWORD_HASHERS=[hasher]):
                encoded = make_password(PASSWORD).removeprefix("argon2")
            n = n_per_process[label]
            start = time.perf_counter()
            list(pool.map(verify_many, [(encoded, n)] * processes))
            rates[label] = processes * n / (time.perf_counter() - start)
    return rates


# --- (b) page rendering -------------------------------------------------------------------------


def hello(request):
    from django.http import HttpResponse

    return HttpResponse("Hello, world")


def bench_urlconf():
    """The project's URLs plus a hello-world view behind the same middleware."""
    from types import ModuleType

    from django.contrib.auth.decorators import login_not_required
    from django.urls import include, path

    module = ModuleType("bench_urls")
    module.urlpatterns = [
        path("bench/hello/", login_not_required(hello), name="bench-hello"),
        path("", include("madoguchi.urls")),
    ]
    sys.modules["bench_urls"] = module
    return "bench_urls"


def bench_pages(n: int) -> dict[str, list[float]]:
    from django.test import Client
    from django.urls import reverse

    user = make_customer(4, OWASP)
    client = Client()
    client.force_login(user)
    status_url, hello_url = reverse("desk:status"), reverse("bench-hello")
    for url in (status_url, hello_url):
        assert client.get(url).status_code == 200, url
    results = {"hello": [], "status": []}
    # Interleaved, so that drift of a noisy machine hits both alike.
    for _ in range(n):
        results["hello"] += timed(lambda: client.get(hello_url), 1)
        results["status"] += timed(lambda: client.get(status_url), 1)
    return results


# --- (c) queries per desk page -----------------------------------------------------------------


def desk_pages() -> list[tuple[str, str, bool]]:
    from django.urls import reverse

    pages = [
        ("ログイン", reverse("desk:login"), False),
        ("ご利用状況の確認", reverse("desk:status"), True),
        ("認証パスワード変更 STEP1", reverse("desk:password"), True),
        ("お電話での問い合わせ（設定方法）", reverse("desk:phone", args=["setup"]), True),
        ("ご請求関連（未提供）", reverse("desk:billing"), True),
        ("メールアカウントおよびウイルスチェック", reverse("mailboxes:list"), True),
        ("バックオフィス ご契約一覧", reverse("backoffice:contracts_contract_changelist"), None),
    ]
    return pages


def count_queries() -> list[tuple[str, int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from madoguchi.contracts.models import User

    user = make_customer(5, OWASP)
    operator = User.objects.create(
        username="bench-operator", kind=User.Kind.OPERATOR, is_staff=True, is_superuser=True
    )
    rows = []
    for title, url, as_customer in desk_pages():
        client = Client()
        if as_customer:
            client.force_login(user)
        elif as_customer is None:
            client.force_login(operator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        rows.append((title, response.status_code, len(queries.captured_queries)))
    return rows


# --- (d) customer mail ------------------------------------------------------------------------

MAIL_CONTEXT = {
    "application": {
        "number": "A00000001",
        "kind_label": "メールアカウント追加",
        "submitted_at": "2024/01/11(木) 09:05",
        "not_before": "2024/01/11(木) 09:15",
        "rows": [["メールアカウント", "—", "hanako"], ["月額料金", "0円", "250円"]],
        "before": {},
        "after": {},
    },
    "contract": {"name": "窓口テスト商事株式会社", "customer_number": "N230110835"},
}


def bench_mail(n: int) -> dict[str, float]:
    """Seconds to hand ``n`` mails to the SMTP sink: one connection each, then the outbox."""
    from django.core.mail import EmailMultiAlternatives
    from django.db import transaction
    from django.test.utils import override_settings

    from madoguchi.lib.emails import render_email
    from madoguchi.outbox.models import Mail
    from madoguchi.outbox.services import deliver_due, enqueue_mail
    from madoguchi.testing.smtp import SmtpServer

    server = SmtpServer().start()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": server.port,
    }
    try:
        with override_settings(**smtp):
            start = time.perf_counter()
            for number in range(n):
                subject, text, html = render_email("application_mailbox", MAIL_CONTEXT)
                message = EmailMultiAlternatives(subject, text, to=[f"user{number}@example.com"])
                message.attach_alternative(html, "text/html")
                message.send()  # opens and closes a connection of its own
            one_by_one = time.perf_counter() - start

            quiet = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
            with override_settings(TASKS=quiet), transaction.atomic():
                for number in range(n):
                    enqueue_mail(
                        to=f"user{number}@example.com",
                        template="application_mailbox",
                        context=MAIL_CONTEXT,
                    )
            start = time.perf_counter()
            sent = deliver_due()
            outbox = time.perf_counter() - start
        assert sent == n == Mail.objects.filter(status=Mail.Status.SENT).count()
        assert len(server.received) == 2 * n
    finally:
        server.stop()
    return {"one_by_one": one_by_one, "outbox": outbox, "n": n}


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    quick = "--quick" in sys.argv  # a smoke run: a few samples of each
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as var_dir:
        configure(var_dir)
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import override_settings

        call_command("migrate", verbosity=0, interactive=False)
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            logins = bench_logins(*((3, 2, 5) if quick else (60, 20, 300)))
            verify = bench_parallel_verify(
                os.cpu_count() or 1,
                {"owasp": 2, "default": 1} if quick else {"owasp": 20, "default": 4},
            )
            pages = bench_pages(20 if quick else 1000)
            queries = count_queries()
        mail = bench_mail(20 if quick else 1000)
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    report(logins, verify, pages, queries, mail, database, time.perf_counter() - started)


def report(logins, verify, pages, queries, mail, database, elapsed) -> None:
    import django

    median = {key: statistics.median(values) for key, values in {**logins, **pages}.items()}
    print("madoguchi bench")
    print(
        f"  machine: {os.cpu_count()} CPU(s) (nproc), Python {platform.python_version()}, "
        f"Django {django.get_version()}, {platform.machine()}, database {database} (temporary)"
    )

    table = Table(
        "(a) desk login, POST /desk/login/ through the whole stack, one process",
        ["case", "N", "median", "throughput", "ratio"],
    )
    base = median["default"]
    table.add(
        "Django default Argon2 (100 MiB, t=2, p=8) [baseline]",
        len(logins["default"]),
        ms(base),
        per_second(base),
        "1.00",
    )
    table.add(
        "OWASP Argon2id (19 MiB, t=2, p=1)",
        len(logins["owasp"]),
        ms(median["owasp"]),
        per_second(median["owasp"]),
        f"{median['owasp'] / base:.2f}",
    )
    table.add(
        "locked ID (refused before hashing)",
        len(logins["locked"]),
        ms(median["locked"]),
        per_second(median["locked"]),
        f"{median['locked'] / base:.3f}",
    )
    table.print()
    print(
        f"  OWASP login costs 1/{base / median['owasp']:.1f} of the default; a locked-out "
        f"attempt costs 1/{median['owasp'] / median['locked']:.0f} of an OWASP login."
    )

    table = Table(
        f"    bare Argon2 verification, {os.cpu_count()} processes (the machine's capacity)",
        ["case", "verifications/s", "ratio"],
    )
    table.add("Django default [baseline]", f"{verify['default']:,.0f}", "1.00")
    table.add("OWASP", f"{verify['owasp']:,.0f}", f"{verify['owasp'] / verify['default']:.2f}")
    table.print()

    table = Table(
        "(b) page render, GET through the test client (all middleware), one process",
        ["page", "N", "median", "throughput", "ratio"],
    )
    hello = median["hello"]
    table.add(
        "hello-world view [baseline]", len(pages["hello"]), ms(hello), per_second(hello), "1.00"
    )
    table.add(
        "ご利用状況の確認 (logged in)",
        len(pages["status"]),
        ms(median["status"]),
        per_second(median["status"]),
        f"{median['status'] / hello:.2f}",
    )
    table.print()

    table = Table("(c) queries per page", ["page", "status", "queries"])
    for title, status, count in queries:
        table.add(title, status, count)
    table.print()

    table = Table(
        f"(d) customer mail, {mail['n']:,} mails into a local SMTP sink (aiosmtpd)",
        ["case", "seconds", "mails/s", "ratio"],
    )
    base = mail["one_by_one"]
    table.add(
        "one connection per mail [baseline]", f"{base:.2f}", f"{mail['n'] / base:,.0f}", "1.00"
    )
    table.add(
        "outbox: claimed batches, one connection per batch, replies kept",
        f"{mail['outbox']:.2f}",
        f"{mail['n'] / mail['outbox']:,.0f}",
        f"{mail['outbox'] / base:.2f}",
    )
    table.print()
    print(f"\n  ({elapsed:.1f} s in all)")


if __name__ == "__main__":
    main()
