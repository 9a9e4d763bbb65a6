"""D1.2, X7 (issue 6, security finding 1): behind a reverse proxy configured as docs/deploy.md
says, one client's failures do not lock out another client.

gunicorn runs as docs/deploy.md starts it, with the production variables of
docs/production.env (``MADOGUCHI_SECURE=1``, ``MADOGUCHI_PROXY_COUNT=1``) and a generated
secret key, against the test database; static files are collected as the deploy steps say.
The test plays the proxy: it connects from 127.0.0.1 and sends ``X-Forwarded-Proto: https``
and ``X-Forwarded-For: <client>`` as nginx would.
"""

import http.client
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.test_deploy_check import production_variables
from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.contracts.tests.factories import TEST_PASSWORD, DeskUserFactory
from madoguchi.testing.workers import BASE_DIR, manage, worker_env
from madoguchi.throttling.models import LoginFailure, LoginLock

HOST = "portal.example.ne.jp"  # DJANGO_ALLOWED_HOSTS of docs/production.env
CLIENT_A = "198.51.100.10"
CLIENT_B = "203.0.113.20"
ADDRESS_LIMIT = 8  # LOGIN_ADDRESS_FAILURE_LIMIT, small for the test
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn as docs/deploy.md starts it, on a free loopback port."""

    def __init__(self, var_dir: str):
        self.port = free_port()
        self.env = worker_env(
            **production_variables(),
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            MADOGUCHI_VAR_DIR=var_dir,
            LOGIN_ADDRESS_FAILURE_LIMIT=ADDRESS_LIMIT,
        )
        assert self.env["MADOGUCHI_SECURE"] == "1" and self.env["MADOGUCHI_PROXY_COUNT"] == "1"
        subprocess.run(
            manage("collectstatic", "--noinput", "-v", "0"),
            env=self.env,
            cwd=BASE_DIR,
            check=True,
            timeout=120,
        )
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "madoguchi.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            env=self.env,
            cwd=BASE_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until_ready()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.output()}"
            try:
                if Browser(self, "192.0.2.1").get("/desk/login/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
        self.log.close()


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.msg
        self.body = raw.read().decode("utf-8", "replace")


class Browser:
    """One client behind the proxy: its own cookies, its own address in X-Forwarded-For."""

    def __init__(self, server: Gunicorn, address: str):
        self.server, self.address = server, address
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, body: str | None = None) -> Response:
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = Response(connection.getresponse())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def log_in(self, username: str, password: str) -> Response:
        page = self.get("/desk/login/")
        assert page.status == 200, page.body
        login_id, _, realm = username.partition("@")
        form = {
            "csrfmiddlewaretoken": CSRF_INPUT.search(page.body).group(1),
            "login_id": login_id,
            "realm": realm,
            "password": password,
        }
        return self.request("POST", "/desk/login/", urlencode(form))


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    server = Gunicorn(str(tmp_path))
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_d1_2_x7_behind_a_proxy_one_clients_failures_do_not_lock_out_another(gunicorn):
    own_a, x, y, z = (DeskUserFactory(username=f"proxy{name}@biz.example.ne.jp") for name in "axyz")

    # Client A logs in to its own ID first (so the audit log has both clients' logins).
    assert Browser(gunicorn, CLIENT_A).log_in(own_a.username, TEST_PASSWORD).status == 302

    # Client A fails 5 times on ID X: X is locked for unknown browsers...
    a = Browser(gunicorn, CLIENT_A)
    statuses = [a.log_in(x.username, f"Wrong-{n}").status for n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert Browser(gunicorn, CLIENT_B).log_in(x.username, TEST_PASSWORD).status == 429
    # ...and client B, behind the same proxy, logs in to ID Y all the same.
    b = Browser(gunicorn, CLIENT_B)
    response = b.log_in(y.username, TEST_PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/desk/"
    assert b.get("/desk/").status == 200
    # Over HTTPS (the proxy's X-Forwarded-Proto), the device cookie is Secure and HttpOnly.
    device = next(h for h in b.set_cookie_headers if h.startswith(DESK_LOGINS.cookie_name))
    assert "Secure" in device and "HttpOnly" in device and "SameSite=Lax" in device

    # Client A goes on over other IDs until the address limit: A is throttled...
    for n in range(ADDRESS_LIMIT - 5):
        a.log_in(f"stuffing{n}@biz.example.ne.jp", "Leaked-1")
    refused = Browser(gunicorn, CLIENT_A).log_in(z.username, TEST_PASSWORD)
    assert refused.status == 429
    assert "お使いのネットワークからのログインの失敗が多いため" in refused.body
    # ...and B is not.
    assert Browser(gunicorn, CLIENT_B).log_in(z.username, TEST_PASSWORD).status == 302

    # Throttling and the audit log saw each client's own address, never the proxy's.
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert set(LoginLock.objects.values_list("kind", "key")) == {
        ("id", x.username),
        ("address", CLIENT_A),
    }
    logins = dict(
        AuditEntry.objects.filter(action="desk.login").values_list("actor_name", "ip_address")
    )
    assert logins == {own_a.username: CLIENT_A, y.username: CLIENT_B, z.username: CLIENT_B}
