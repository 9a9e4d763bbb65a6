"""Debian's FreeRADIUS and Dovecot on loopback, configured with the files of ``deploy/`` (P1, P2).

Each server gets a private temporary directory: a small host configuration written here (what
a Debian installation has around the snippets: listen address, client, run and log paths, no
user switch since tests run as whoever runs them) plus the SHIPPED snippets, copied with only
their connection settings changed to point at the database the tests run on (the SQLite test
file or the PostgreSQL test database). Nothing under /etc is read or written; no systemd.
The packages come from ``make server-deps``; a missing one fails the test, never skips it.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from madoguchi.testing.workers import BASE_DIR

DEPLOY = BASE_DIR / "deploy"
RADIUS_SECRET = "loopback-test-secret"
# The server binaries of the packages ``make server-deps`` installs, and what needs them.
COMMANDS = {
    "freeradius": "freeradius",
    "radtest": "freeradius-utils",
    "dovecot": "dovecot-core",
    "doveadm": "dovecot-core",
}
DRIVERS = {
    "sqlite": {
        "/usr/lib/freeradius/rlm_sql_sqlite.so": "freeradius",
        "/usr/lib/dovecot/modules/auth/libdriver_sqlite.so": "dovecot-sqlite",
    },
    "postgresql": {
        "/usr/lib/freeradius/rlm_sql_postgresql.so": "freeradius-postgresql",
        "/usr/lib/dovecot/modules/auth/libdriver_pgsql.so": "dovecot-pgsql",
    },
}


def database() -> dict:
    """The test database's connection settings, with ``vendor`` "sqlite" or "postgresql"."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"vendor": "sqlite", "name": str(db["NAME"])}
    return {
        "vendor": "postgresql",
        "name": db["NAME"],
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
    }


def require_packages(vendor: str) -> None:
    """Fail (never skip) with how to install what is missing."""
    missing = {package for command, package in COMMANDS.items() if not shutil.which(command)}
    missing |= {package for path, package in DRIVERS[vendor].items() if not Path(path).exists()}
    if missing:
        pytest.fail(
            f"Debian's {', '.join(sorted(missing))} not installed. The server tests never "
            "skip: install FreeRADIUS and Dovecot with their database drivers "
            "(`make server-deps`).",
            pytrace=False,
        )


def shipped(relative: str) -> str:
    return (DEPLOY / relative).read_text()


def configure(text: str, **options: str) -> str:
    """The text with each ``key = value`` option set to a new value.

    Each key must appear exactly once (commented-out lines do not count), so that a changed
    snippet cannot leave the test reading a setting it no longer has.
    """
    for key, value in options.items():
        pattern = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*).*$", re.MULTILINE)
        text, count = pattern.subn(lambda match, v=value: match.group(1) + v, text)
        assert count == 1, f"{key} = … appears {count} times in the snippet"
    return text


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def statements(sql: str) -> list[str]:
    """The statements of an SQL file (comments dropped; no ``;`` inside a statement)."""
    sql = re.sub(r"--[^\n]*", "", sql)
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


class Server:
    """A server process in the foreground, its output in a file; stopped by ``stop()``."""

    name = "server"

    def __init__(self, db: dict):
        self.db = db
        self.dir = Path(tempfile.mkdtemp(prefix=f"madoguchi-{self.name}-"))
        self.log = self.dir / f"{self.name}.log"
        self.popen: subprocess.Popen | None = None

    def spawn(self, *args: str) -> None:
        with open(self.dir / "output.txt", "wb") as output:
            self.popen = subprocess.Popen(
                args, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        texts = []
        for path in (self.dir / "output.txt", self.log):
            if path.exists():
                texts.append(path.read_text(errors="replace"))
        return "\n".join(texts)

    def wait_until(self, ready, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited ({self.popen.returncode}):\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} not ready after {timeout} s:\n{self.output()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to the server's process group (Dovecot's children too); SIGKILL if it hangs."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class FreeRadius(Server):
    """``freeradius -f`` with deploy/freeradius's module and virtual server."""

    name = "freeradius"

    def start(self) -> "FreeRadius":
        raddb = self.dir / "raddb"
        for sub in ("mods-enabled", "sites-enabled", "run"):
            (raddb / sub).mkdir(parents=True)
        self.port = free_udp_port()
        (raddb / "radiusd.conf").write_text(self.host_config(raddb))
        (raddb / "mods-enabled" / "madoguchi_sql").write_text(self.module())
        site = configure(
            shipped("freeradius/sites-available/madoguchi"),
            ipaddr="127.0.0.1",
            port=str(self.port),
        )
        (raddb / "sites-enabled" / "madoguchi").write_text(site)
        self.raddb = raddb
        self.spawn("freeradius", "-f", "-d", str(raddb), "-n", "radiusd")
        self.wait_until(lambda: "Ready to process requests" in self.output())
        return self

    def host_config(self, raddb: Path) -> str:
        """What Debian's radiusd.conf and clients.conf provide, reduced to this test."""
        return f"""
prefix = /usr
localstatedir = {self.dir}
logdir = {self.dir}
raddbdir = {raddb}
confdir = ${{raddbdir}}
modconfdir = ${{confdir}}/mods-config
run_dir = {raddb}/run
libdir = /usr/lib/freeradius
pidfile = ${{run_dir}}/radiusd.pid
name = radiusd
log {{
    destination = files
    file = {self.log}
    auth = no
    auth_badpass = no
    auth_goodpass = no
}}
security {{
    allow_core_dumps = no
    reject_delay = 0
    status_server = no
}}
thread pool {{
    start_servers = 2
    max_servers = 4
    min_spare_servers = 1
    max_spare_servers = 2
}}
client loopback {{
    ipaddr = 127.0.0.1
    secret = {RADIUS_SECRET}
}}
modules {{
    pap {{
    }}
    $INCLUDE mods-enabled/
}}
$INCLUDE sites-enabled/
"""

    def module(self) -> str:
        text = shipped("freeradius/mods-available/madoguchi_sql")
        db = self.db
        if db["vendor"] == "sqlite":
            return configure(text, dialect='"sqlite"', filename=f'"{db["name"]}"')
        return configure(
            text,
            dialect='"postgresql"',
            server=f'"{db["host"]}"',
            port=db["port"],
            login=f'"{db["user"]}"',
            password=f'"{db["password"]}"',
            radius_db=f'"{db["name"]}"',
        )

    def radtest(self, username: str, password: str) -> subprocess.CompletedProcess:
        """``radtest`` (PAP) against this server: ``Received Access-Accept`` or ``-Reject``."""
        return subprocess.run(
            ["radtest", username, password, f"127.0.0.1:{self.port}", "0", RADIUS_SECRET],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def reply(self, username: str, password: str) -> str:
        """The packet type the server answered with ("Access-Accept", "Access-Reject")."""
        result = self.radtest(username, password)
        found = re.search(r"^Received (Access-\w+) ", result.stdout, re.MULTILINE)
        assert found, f"no reply from FreeRADIUS:\n{result.stdout}{result.stderr}{self.output()}"
        return found.group(1)


class Dovecot(Server):
    """``dovecot -F`` whose passdb and userdb are deploy/dovecot/dovecot-sql.conf.ext."""

    name = "dovecot"

    def start(self) -> "Dovecot":
        sql_conf = self.dir / "dovecot-sql.conf.ext"
        sql_conf.write_text(self.sql_config())
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(self.host_config(sql_conf))
        self.spawn("dovecot", "-F", "-c", str(self.config))
        self.wait_until(lambda: (self.dir / "run" / "auth-client").exists())
        return self

    def host_config(self, sql_conf: Path) -> str:
        """What Debian's dovecot.conf, 10-auth.conf and auth-sql.conf.ext provide, here."""
        return f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/state
instance_name = madoguchi-test-{self.dir.name}
protocols =
ssl = no
log_path = {self.log}
default_internal_user = {self.user()}
default_internal_group = {self.group()}
default_login_user = {self.user()}
# Brute-force defences off: a test fails on purpose, repeatedly, from one client.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = sql
  args = {sql_conf}
}}
userdb {{
  driver = sql
  args = {sql_conf}
}}
"""

    @staticmethod
    def user() -> str:
        return pwd.getpwuid(os.getuid()).pw_name

    @staticmethod
    def group() -> str:
        return grp.getgrgid(os.getgid()).gr_name

    def sql_config(self) -> str:
        text = shipped("dovecot/dovecot-sql.conf.ext")
        db = self.db
        if db["vendor"] == "sqlite":
            return configure(text, driver="sqlite", connect=db["name"])
        password = f" password={db['password']}" if db["password"] else ""
        return configure(
            text,
            driver="pgsql",
            connect=(
                f"host={db['host']} port={db['port']} dbname={db['name']} user={db['user']}"
                + password
            ),
        )

    def auth_test(self, user: str, password: str) -> subprocess.CompletedProcess:
        """``doveadm auth test``: exit 0 and "auth succeeded", or 77 and "auth failed"."""
        return subprocess.run(
            ["doveadm", "-c", str(self.config), "auth", "test", user, password],
            capture_output=True,
            text=True,
            timeout=30,
        )

    def authenticates(self, user: str, password: str) -> bool:
        result = self.auth_test(user, password)
        if result.returncode == 0 and f"passdb: {user} auth succeeded" in result.stdout:
            return True
        assert result.returncode == 77 and f"passdb: {user} auth failed" in result.stdout, (
            f"doveadm auth test did not answer:\n{result.stdout}{result.stderr}{self.output()}"
        )
        return False


def create_radpostauth(vendor: str) -> None:
    """FreeRADIUS's authentication log, created from the shipped DDL (docs/provisioning.md)."""
    with connection.cursor() as cursor:
        for statement in statements(shipped(f"freeradius/radpostauth.{vendor}.sql")):
            cursor.execute(statement)


def drop_radpostauth() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS radpostauth")


def radpostauth() -> list[tuple[str, str]]:
    """(username, reply) of each row FreeRADIUS logged, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, reply FROM radpostauth ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]


def radpostauth_columns() -> list[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "radpostauth")
    return [column.name for column in description]


POSTFIX_TABLES = {"sqlite": "sqlite", "postgresql": "pgsql"}


def postfix_lookup(vendor: str, name: str, key: str) -> list[str]:
    """What Postfix's ``postmap -q KEY pgsql:…/sqlite:…`` answers with a shipped map.

    The map's ``query`` as Postfix runs it: ``%s`` replaced by the key, quotes doubled.
    """
    text = shipped(f"postfix/{POSTFIX_TABLES[vendor]}-{name}.cf")
    found = re.findall(r"^query\s*=\s*(.+)$", text, re.MULTILINE)
    assert len(found) == 1, f"one query in the {name} map: {found}"
    query = found[0].replace("%s", key.replace("'", "''"))
    with connection.cursor() as cursor:
        cursor.execute(query)
        return [str(row[0]) for row in cursor.fetchall()]
