"""S3 mailed links: the 仮登録確認 page and the 配信再開 page open without login, show what the
button does, and only the button's POST uses the token. Expired, used, altered or
other-purpose tokens and a deleted destination get a clear page; nothing changes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts import links, services
from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.factories import make_destination
from madoguchi.alerts.tests.pages import add, confirm_url, mailed_token, resume_url
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import by_id, dom, page_text, text

pytestmark = pytest.mark.django_db


def state(response) -> str:
    return text(by_id(dom(response), "link-state"))


@pytest.fixture
def pending(support_client):
    add(support_client, "taro@example.com")
    return Destination.objects.get(), mailed_token("taro@example.com")


def test_s3_the_confirmation_page_shows_the_address_and_changes_nothing(pending):
    destination, token = pending
    response = Client().get(confirm_url(token))  # another device, no login
    assert response.status_code == 200
    assert text(by_id(dom(response), "confirmation-address")) == "taro@example.com"
    assert "配信先として登録する" in page_text(response)
    assert "no-store" in response["Cache-Control"]
    destination.refresh_from_db()
    assert destination.status == Destination.Status.PENDING


def test_s3_confirming_makes_the_destination_active(pending, support_client, account):
    destination, token = pending
    response = Client().post(confirm_url(token), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200
    assert state(response) == "taro@example.com を工事・故障情報メールの配信先として登録しました。"
    destination.refresh_from_db()
    assert destination.status == Destination.Status.ACTIVE
    assert destination.confirmed_at is not None
    entry = AuditEntry.objects.get(action="alerts.destination_confirm")
    assert (entry.actor, entry.target, entry.ip_address) == (
        account.user,
        "taro@example.com",
        "192.0.2.44",
    )
    item = text(by_id(dom(support_client.get(reverse("alerts:destinations"))), "destination-1"))
    assert "有効" in item and "仮登録" not in item


def test_s3_a_used_link_is_refused(pending):
    _, token = pending
    Client().post(confirm_url(token))
    for method in ("get", "post"):
        response = getattr(Client(), method)(confirm_url(token))
        assert response.status_code == 400
        assert state(response) == "このURLはすでに使用されています。"
    assert AuditEntry.objects.filter(action="alerts.destination_confirm").count() == 1


def test_s3_confirming_after_the_destination_was_deleted(pending, support_client):
    destination, token = pending
    support_client.post(reverse("alerts:destination_delete", args=[destination.pk]))
    for method in ("get", "post"):
        response = getattr(Client(), method)(confirm_url(token))
        assert response.status_code == 400
        assert state(response) == "この配信先は削除されています。"
    assert not Destination.objects.exists()


def test_s3_an_expired_link_is_refused_and_changes_nothing(pending, time_machine):
    destination, token = pending
    time_machine.move_to(destination.created_at + timedelta(minutes=30))
    response = Client().post(confirm_url(token))
    assert response.status_code == 400
    assert "有効期限（仮登録から30分）が過ぎています" in state(response)
    destination.refresh_from_db()
    assert destination.status == Destination.Status.PENDING


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # verifier altered
        lambda t: t.split(".")[0],  # no verifier
        lambda t: "x" + t,  # unknown selector
        lambda t: t + "." + "a" * 300,  # overlong
        lambda t: "<script>alert(1)<script>",
    ],
)
def test_s3_an_altered_link_is_refused(pending, alter):
    destination, token = pending
    bad = alter(token)
    response = Client().post(confirm_url(bad))
    assert response.status_code == 400
    assert "このURLは無効です" in state(response)
    assert "<script>alert" not in response.content.decode()
    destination.refresh_from_db()
    assert destination.status == Destination.Status.PENDING


def test_s3_a_resume_token_does_not_confirm_and_a_confirm_token_does_not_resume(pending, account):
    destination, token = pending
    stopped = make_destination(account, "stopped@example.com", slot=2, status="suspended")
    resume_token = links.resume_link(stopped).rstrip("/").rsplit("/", 1)[1]
    assert Client().post(confirm_url(resume_token)).status_code == 400
    assert Client().post(resume_url(token)).status_code == 400
    destination.refresh_from_db()
    stopped.refresh_from_db()
    assert destination.status == Destination.Status.PENDING
    assert stopped.status == Destination.Status.SUSPENDED


def test_s3_the_resume_link_resumes_a_suspended_destination(account):
    stopped = make_destination(account, "stopped@example.com", slot=1, status="suspended")
    path = links.resume_link(stopped)
    assert path.startswith("/support/mymenu/mail/resume/")
    page = Client().get(path)
    assert page.status_code == 200
    assert "stopped@example.com" in text(by_id(dom(page), "resume-target"))
    assert "メールをお届けできない状態が続いたため" in page_text(page)
    stopped.refresh_from_db()
    assert stopped.status == Destination.Status.SUSPENDED  # the GET changed nothing

    response = Client().post(path)
    assert state(response) == "stopped@example.com への工事・故障情報メールの配信を再開しました。"
    stopped.refresh_from_db()
    assert stopped.status == Destination.Status.ACTIVE
    assert AuditEntry.objects.filter(action="alerts.destination_resume").count() == 1
    assert Client().post(path).status_code == 400  # single use


def test_s3_the_resume_link_of_an_active_destination_changes_nothing(account):
    active = make_destination(account, "ok@example.com", slot=1)
    path = links.resume_link(active)
    assert "この配信先は配信停止されていません。" in page_text(Client().get(path))
    response = Client().post(path)
    assert "配信停止されていません" in state(response)
    assert not AuditEntry.objects.filter(action="alerts.destination_resume").exists()


def test_s3_the_resume_link_after_deletion_and_after_expiry(account, time_machine):
    stopped = make_destination(account, "stopped@example.com", slot=1, status="suspended")
    expiring = links.resume_link(stopped)
    deleted = links.resume_link(stopped)
    time_machine.move_to(timezone.now() + links.RESUME_LINK_LIFETIME)
    response = Client().post(expiring)
    assert "有効期限が過ぎています" in state(response)
    time_machine.move_to(timezone.now() - links.RESUME_LINK_LIFETIME)
    services.delete_destination(stopped)
    assert state(Client().get(deleted)) == "この配信先は削除されています。"
