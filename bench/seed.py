"""A throw-away PostgreSQL database for the delivery benchmark, and its subscribers.

The database (``madoguchi_bench`` unless ``BENCH_DATABASE`` names another) is created on the
server of ``DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/) and dropped at the
end. Subscribers are written by a few ``INSERT … SELECT … generate_series`` statements run by
the database — a million support IDs through the ORM would take longer than the benchmark —
with an unusable password (no Argon2 to compute), all confirmed, all weekdays and hours:

- ``main``: N destinations, two per support ID, subscribed to the bench's access product;
- ``check``: the first N_CHECK of them also subscribe a second product (the exactly-once
  passes publish about it), and the first DESK_N a third (the pass the desk is measured in);
- noise the selection must leave out: one more support ID per ten with its destination on
  another product only, and a third, unconfirmed (仮登録) destination on every tenth ID.
"""

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_NAME = "madoguchi_bench"
UNUSABLE_PASSWORD = "!bench-seeded-no-login"
SEEDED_TABLES = (
    "contracts_user",
    "supportid_supportaccount",
    "alerts_alertsettings",
    "alerts_alertproduct",
    "alerts_destination",
)


class DatabaseUnavailable(RuntimeError):
    pass


def database_name() -> str:
    return os.environ.get("BENCH_DATABASE", DEFAULT_NAME)


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_SERVER


def database_url(name: str) -> str:
    """The URL of database ``name`` on the same server."""
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection():
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(server_url())
    try:
        return psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=config["PORT"] or 5432,
            user=config["USER"] or "postgres",
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
            autocommit=True,
        )
    except psycopg.Error as error:
        where = f"{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
        raise DatabaseUnavailable(
            f"the delivery benchmark runs on PostgreSQL, which is not reachable at {where} "
            f"({str(error).strip()}). Start PostgreSQL or point DATABASE_URL at a server "
            f"(postgres://user@host:port/any) where a database can be created and dropped."
        ) from None


# Sessions still open on it (a worker of an interrupted run) are ended first.
DROP_SQL = "DROP DATABASE IF EXISTS {} WITH (FORCE)"


def create_database(name: str) -> None:
    """A new, empty database ``name`` (one left over by an interrupted run is dropped)."""
    from psycopg import sql

    with _admin_connection() as connection:
        connection.execute(sql.SQL(DROP_SQL).format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    from psycopg import sql

    with _admin_connection() as connection:
        connection.execute(sql.SQL(DROP_SQL).format(sql.Identifier(name)))


@dataclass(frozen=True)
class Seeded:
    main: object  # the products (notices.Product)
    check: object
    desk: object
    n: int
    n_check: int
    n_desk: int
    rows: int  # rows written in all
    left_out: int  # destinations the selection must not pick
    seconds: float

    def addresses(self, count: int) -> set[bytes]:
        """The addresses of the first ``count`` destinations (what a pass must reach)."""
        return {address(number).encode() for number in range(1, count + 1)}


def address(number: int) -> str:
    return f"user{number}@bench.example.jp"


def seed(n: int, n_check: int, n_desk: int) -> Seeded:
    """Write the subscribers (see the module's docstring); n_check and n_desk are even."""
    import time

    from django.db import connection, transaction

    from madoguchi.notices.models import Product

    start = time.perf_counter()
    main = Product.objects.create(code="bench-access", name="光アクセス（ベンチ）", order=900)
    check = Product.objects.create(code="bench-check", name="確認用（ベンチ）", order=901)
    desk = Product.objects.create(code="bench-desk", name="窓口計測用（ベンチ）", order=902)
    other = Product.objects.create(code="bench-other", name="対象外（ベンチ）", order=903)
    accounts = (n + 1) // 2
    noise = max(1, n // 10)
    total = accounts + noise
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM contracts_user")
        (u0,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(id), 0) FROM supportid_supportaccount")
        (a0,) = cursor.fetchone()
        statements = [
            (
                "INSERT INTO contracts_user (id, password, is_superuser, username, first_name,"
                " last_name, email, is_staff, is_active, date_joined, kind)"
                " SELECT %(u0)s + i, %(password)s, false, 'support:bench' || i, '', '', '',"
                " false, true, now(), 'support' FROM generate_series(1, %(total)s) i"
            ),
            (
                "INSERT INTO supportid_supportaccount (id, email, name, birth_date, created_at,"
                " confirmed_at, user_id)"
                " SELECT %(a0)s + i, 'bench' || i || '@bench.example.jp', 'ベンチ ' || i,"
                " date '1980-01-01', now(), now(), %(u0)s + i FROM generate_series(1, %(total)s) i"
            ),
            (
                "INSERT INTO alerts_alertsettings (account_id, maintenance, outage, weekdays,"
                " hours, updated_at)"
                " SELECT %(a0)s + i, true, true, 127, 16777215, now()"
                " FROM generate_series(1, %(total)s) i"
            ),
            (
                "INSERT INTO alerts_alertproduct (product_id, settings_id)"
                " SELECT CASE WHEN i <= %(accounts)s THEN %(main)s ELSE %(other)s END, %(a0)s + i"
                " FROM generate_series(1, %(total)s) i"
            ),
            (
                "INSERT INTO alerts_alertproduct (product_id, settings_id)"
                " SELECT %(check)s, %(a0)s + i FROM generate_series(1, %(n_check)s / 2) i"
            ),
            (
                "INSERT INTO alerts_alertproduct (product_id, settings_id)"
                " SELECT %(desk)s, %(a0)s + i FROM generate_series(1, %(n_desk)s / 2) i"
            ),
            # Destination j belongs to support ID ceil(j / 2), in slot 1 or 2.
            (
                "INSERT INTO alerts_destination (slot, address, status, created_at,"
                " confirmed_at, suspension_reason, account_id)"
                " SELECT 2 - j %% 2, 'user' || j || '@bench.example.jp', 'active', now(), now(),"
                " '', %(a0)s + (j + 1) / 2 FROM generate_series(1, %(n)s) j"
            ),
            (
                "INSERT INTO alerts_destination (slot, address, status, created_at,"
                " confirmed_at, suspension_reason, account_id)"
                " SELECT 1, 'other' || k || '@bench.example.jp', 'active', now(), now(), '',"
                " %(a0)s + %(accounts)s + k FROM generate_series(1, %(noise)s) k"
            ),
            (
                "INSERT INTO alerts_destination (slot, address, status, created_at,"
                " suspension_reason, account_id)"
                " SELECT 3, 'pending' || i || '@bench.example.jp', 'pending', now(), '',"
                " %(a0)s + i FROM generate_series(10, %(accounts)s, 10) i"
            ),
        ]
        params = {
            "u0": u0,
            "a0": a0,
            "password": UNUSABLE_PASSWORD,
            "total": total,
            "accounts": accounts,
            "noise": noise,
            "n": n,
            "n_check": n_check,
            "n_desk": n_desk,
            "main": main.pk,
            "check": check.pk,
            "desk": desk.pk,
            "other": other.pk,
        }
        rows = 0
        for statement in statements:
            cursor.execute(statement, params)
            rows += cursor.rowcount
        for table in (
            "contracts_user",
            "supportid_supportaccount",
            "alerts_alertproduct",
            "alerts_destination",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
    with connection.cursor() as cursor:  # the visibility map, for index-only scans
        for table in SEEDED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    left_out = noise + accounts // 10
    seconds = time.perf_counter() - start
    return Seeded(main, check, desk, n, n_check, n_desk, rows, left_out, seconds)
