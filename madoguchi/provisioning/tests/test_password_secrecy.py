"""D3.5, P1 (issue 2, "Security"): no password anywhere but as a hash.

A password change runs end to end — a failed login, the login, a refused and a valid change,
publication by a real worker, the contact mail over SMTP, logout and login with the new
password — then the database dump, every table, the sessions, the task queue, the captured
logs (SQL included), the worker's output and every mail are searched for each password
typed: 0 hits.
"""

import json
import logging
from email import message_from_bytes, policy
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from passlib.hash import sha512_crypt

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.tables import table_scan
from madoguchi.testing.workers import smtp_env, submit_password_change, wait_for
from madoguchi.throttling.models import LoginFailure

OLD = "Vk3q-Orig"
NEW = "Zq7-Leak"  # D3.2: 8 characters, letters, a digit and a symbol
WRONG = "Wr0ng-Xy"
SECRETS = (OLD, NEW, WRONG)
LOGIN_ID, REALM = "leak1", "biz.example.ne.jp"


def login(client, password: str):
    return client.post(
        reverse("desk:login"), {"login_id": LOGIN_ID, "realm": REALM, "password": password}
    )


def database_dump() -> str:
    out = StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def sessions() -> str:
    return "\n".join(json.dumps(session.get_decoded()) for session in Session.objects.all())


def task_queue() -> str:
    return "\n".join(
        json.dumps([task.args_kwargs, task.return_value, task.traceback], ensure_ascii=False)
        for task in DBTaskResult.objects.all()
    )


def mails(server) -> str:
    """Each mail raw and decoded (a base64 or quoted-printable body hides nothing)."""
    texts = []
    for mail in server.received:
        texts.append(mail.raw.decode("utf-8", "replace"))
        message = message_from_bytes(mail.raw, policy=policy.default)
        texts.extend(str(value) for value in message.values())
        texts.extend(part.get_content() for part in message.walk() if not part.is_multipart())
    return "\n".join(texts)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_d3_5_no_password_in_database_tasks_logs_or_mails(
    client, caplog, capfd, settings, database_tasks, processes, smtp_server
):
    # Before logs are captured: factory_boy's own debug log names the arguments it got.
    user = DeskUserFactory(username=f"{LOGIN_ID}@{REALM}", password=OLD)
    settings.DEBUG = True  # SQL statements are logged, with their parameters
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")

    assert login(client, WRONG).status_code == 200  # refused, and counted (D1.2)
    assert login(client, OLD).status_code == 302
    refused = client.post(
        reverse("desk:password"),
        {"current_password": WRONG, "new_password": NEW, "new_password_confirm": NEW},
    )
    assert "現在の認証パスワードが正しくありません。" in refused.content.decode()
    submit_password_change(client, current=OLD, new=NEW)
    application = Application.objects.get()

    worker = processes.worker(LOG_LEVEL="DEBUG", **smtp_env(smtp_server))
    wait_for(lambda: Application.objects.get().status == Application.Status.DONE)
    wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2)
    assert worker.stop() == 0, worker.output()
    client.post(reverse("desk:logout"))
    assert login(client, NEW).status_code == 302
    client.post(reverse("desk:logout"))
    assert login(client, WRONG).status_code == 200  # a failure throttling keeps a row of
    # Two wrong logins and the wrong current password: rows with the ID, never the password.
    assert LoginFailure.objects.filter(username=user.username).count() == 3

    # The change really happened, and every secret passed through the code under test.
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert sha512_crypt.verify(NEW, RadCheck.objects.get(username=user.username).value)
    assert len(smtp_server.received) == 1

    captured = capfd.readouterr()
    haystacks = {
        "database dump": database_dump(),
        "tables": table_scan(),
        "sessions": sessions(),
        "task arguments and results": task_queue(),
        "logs": caplog.text,
        "output": captured.out + captured.err,
        "worker output": worker.output(),
        "mails": mails(smtp_server),
    }
    for where, text in haystacks.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} found in {where}"

    # The search looks where a leak would be: SQL with its parameters (the portal's hash),
    # the worker's log, the mail decoded, the rows of the change.
    assert user.password in haystacks["logs"]
    assert f"application {application.number}" in haystacks["worker output"]
    assert f"認証ID　　　：{user.username}" in haystacks["mails"]
    assert user.password in haystacks["database dump"] and user.password in haystacks["tables"]
    assert application.work["radius_hash"] in haystacks["tables"]
    assert str(application.pk) in haystacks["task arguments and results"]
    assert f"desk {user.username}" in haystacks["tables"]  # the failures' rows were searched
