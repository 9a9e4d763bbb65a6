"""S3 destinations: add (仮登録 + 仮登録確認メール), the 30-minute rule, at most three,
delete with a confirm page, 配信再開 for a suspended one, the hourly limits (X5)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.factories import make_destination
from madoguchi.alerts.tests.pages import DESTINATIONS, add, confirm_url, mailed_token
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import by_id, dom, field_errors, form_errors, page_text, text
from madoguchi.lib.dates import format_datetime
from madoguchi.outbox.models import Mail
from madoguchi.supportid.models import MailToken

pytestmark = pytest.mark.django_db

ALREADY = "すでに登録されています"
FULL = "配信先は3件まで登録できます。追加するには、登録済みの配信先を削除してください。"


def confirm_mails(address: str | None = None):
    mails = Mail.objects.filter(template="alerts_destination_confirm")
    return mails.filter(to=address) if address else mails


def test_s3_adding_makes_a_pending_destination_and_queues_the_confirmation_mail(
    support_client, account
):
    response = add(support_client, "Taro@Example.COM", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302 and response["Location"] == DESTINATIONS
    destination = Destination.objects.get()
    assert (destination.account, destination.slot, destination.address) == (
        account,
        1,
        "taro@example.com",
    )
    assert destination.status == Destination.Status.PENDING
    [mail] = confirm_mails("taro@example.com")
    assert mail.context["link"].startswith("http://testserver/support/mymenu/mail/destinations/")
    token = MailToken.objects.get(purpose=MailToken.Purpose.DESTINATION)
    assert token.target == destination.pk and token.account == account
    assert token.expires_at == destination.created_at + timedelta(minutes=30)
    entry = AuditEntry.objects.get(action="alerts.destination_add")
    assert entry.after == {"配信先": "taro@example.com", "状態": "仮登録"}
    assert entry.ip_address == "203.0.113.5"
    assert mail.context["link"].rsplit("/", 2)[1] not in str(entry.after)  # no token logged

    page = support_client.get(DESTINATIONS)
    item = text(by_id(dom(page), "destination-1"))
    assert "仮登録" in item and "taro@example.com" in item
    assert format_datetime(destination.created_at + timedelta(minutes=30)) in item
    assert "taro@example.com 宛てに仮登録確認メールをお送りしました" in page_text(page)


def test_s3_re_adding_within_30_minutes_says_already_registered_and_sends_nothing(
    support_client, time_machine
):
    time_machine.move_to(timezone.now())
    add(support_client, "taro@example.com")
    time_machine.shift(timedelta(minutes=29, seconds=59))
    response = add(support_client, "TARO@example.com")
    assert response.status_code == 200
    [message] = field_errors(response, "address")
    assert ALREADY in message and "30分経過後" in message
    assert Destination.objects.count() == 1
    assert confirm_mails().count() == 1
    assert MailToken.objects.count() == 1


def test_s3_after_30_minutes_the_pending_one_expires_and_may_be_added_again(
    support_client, account, time_machine
):
    time_machine.move_to(timezone.now())
    add(support_client, "taro@example.com")
    first_token = mailed_token("taro@example.com")
    first = Destination.objects.get()
    time_machine.shift(timedelta(minutes=30))
    support_client.force_login(account.user)  # the session idled out meanwhile
    # Expired: no longer listed as 仮登録 (the list leaves it out, writing nothing).
    page = support_client.get(DESTINATIONS)
    assert "taro@example.com" not in text(by_id(dom(page), "destinations"))
    assert Destination.objects.filter(pk=first.pk).exists()

    response = add(support_client, "taro@example.com")
    assert response.status_code == 302
    second = Destination.objects.get()
    assert second.pk != first.pk and second.status == Destination.Status.PENDING
    assert confirm_mails("taro@example.com").count() == 2
    assert mailed_token("taro@example.com") != first_token
    # The first mail's link has expired with its destination.
    refused = support_client.get(confirm_url(first_token))
    assert refused.status_code == 400
    assert "有効期限" in text(by_id(dom(refused), "link-state"))


def test_s3_an_active_or_suspended_address_is_already_registered(support_client, account):
    make_destination(account, "active@example.com", slot=1)
    make_destination(account, "stopped@example.com", slot=2, status="suspended")
    for address in ("active@example.com", "Stopped@Example.com"):
        response = add(support_client, address)
        assert field_errors(response, "address") == ["このメールアドレスはすでに登録されています。"]
    assert Destination.objects.count() == 2 and not confirm_mails().exists()


def test_s3_a_fourth_destination_is_refused(support_client, account):
    for n in (1, 2, 3):
        assert add(support_client, f"d{n}@example.com").status_code == 302
    page = support_client.get(DESTINATIONS)
    assert [d.slot for d in Destination.objects.all()] == [1, 2, 3]
    assert FULL in text(by_id(dom(page), "full"))  # no add form once full
    assert "address" not in page.content.decode().split('id="add"')[1]

    response = add(support_client, "d4@example.com")  # e.g. a tab opened earlier
    assert response.status_code == 200
    assert form_errors(response) == [FULL]
    assert Destination.objects.count() == 3 and confirm_mails().count() == 3
    assert not Destination.objects.filter(address="d4@example.com").exists()


def test_s3_a_deleted_slot_is_used_again(support_client, account):
    make_destination(account, "one@example.com", slot=1)
    make_destination(account, "two@example.com", slot=2)
    make_destination(account, "three@example.com", slot=3)
    Destination.objects.get(slot=2).delete()
    add(support_client, "new@example.com")
    assert Destination.objects.get(address="new@example.com").slot == 2


@pytest.mark.parametrize(
    ("address", "confirm", "field", "message"),
    [
        ("", "", "address", "メールアドレスを入力してください。"),
        (
            "not-an-address",
            "not-an-address",
            "address",
            "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。",
        ),
        (
            "a@example.com",
            "b@example.com",
            "address_confirm",
            "メールアドレスとメールアドレス（確認用）が一致しません。",
        ),
        (
            "a@example.com\r\nBcc: x@example.com",
            "a@example.com",
            "address",
            "メールアドレスに使用できない制御文字が含まれています。",
        ),
        (
            "x" * 250 + "@example.com",
            "",
            "address",
            "メールアドレスは254文字以内で入力してください。",
        ),
        (
            "<script>alert(1)</script>@example.com",
            "",
            "address",
            "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。",
        ),
    ],
)
def test_s3_x5_bad_addresses_are_refused_beside_the_field(
    support_client, address, confirm, field, message
):
    response = add(support_client, address, confirm)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert not Destination.objects.exists() and not Mail.objects.exists()
    assert "<script>alert" not in response.content.decode()


def test_s3_x5_too_many_adds_from_one_client_are_throttled(support_client, settings):
    settings.MAIL_FORM_LIMIT_PER_CLIENT = 2
    add(support_client, "a@example.com", REMOTE_ADDR="198.51.100.9")
    add(support_client, "a@example.com", REMOTE_ADDR="198.51.100.9")  # refused, still counted
    response = add(support_client, "b@example.com", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert "短時間に多くの配信先の追加が行われたため" in text(by_id(dom(response), "refused"))
    assert list(Destination.objects.values_list("address", flat=True)) == ["a@example.com"]
    assert confirm_mails().count() == 1
    assert add(support_client, "b@example.com", REMOTE_ADDR="198.51.100.10").status_code == 302


def test_s3_x5_too_many_adds_for_one_address_are_throttled(
    support_client, account, other_account, client, settings
):
    """The address limit counts adds of the same address by every ID (no mail bombing)."""
    settings.MAIL_FORM_LIMIT_PER_ADDRESS = 1
    add(support_client, "victim@example.com", REMOTE_ADDR="198.51.100.20")
    client.force_login(other_account.user)
    response = add(client, "victim@example.com", REMOTE_ADDR="198.51.100.21")
    assert response.status_code == 429
    [message] = field_errors(response, "address")
    assert "このメールアドレスへの仮登録確認メールの送信が短時間に続いたため" in message
    assert confirm_mails("victim@example.com").count() == 1


def test_s3_delete_asks_first_then_deletes_and_revokes_the_link(support_client, account):
    add(support_client, "taro@example.com")
    token = mailed_token("taro@example.com")
    destination = Destination.objects.get()
    url = reverse("alerts:destination_delete", args=[destination.pk])
    page = support_client.get(url)
    assert page.status_code == 200
    assert "taro@example.com" in text(by_id(dom(page), "delete-target"))
    assert Destination.objects.exists()  # the GET changes nothing

    response = support_client.post(url, follow=True)
    assert "配信先（taro@example.com）を削除しました。" in page_text(response)
    assert not Destination.objects.exists()
    assert MailToken.objects.get().used_at is not None  # revoked
    entry = AuditEntry.objects.get(action="alerts.destination_delete")
    assert entry.before == {"配信先": "taro@example.com", "状態": "仮登録"}
    assert support_client.post(url).status_code == 404  # gone
    refused = support_client.get(confirm_url(token))
    assert text(by_id(dom(refused), "link-state")) == "この配信先は削除されています。"


def test_s3_a_suspended_destination_shows_why_and_since_when_and_resumes(support_client, account):
    stopped = make_destination(account, "stopped@example.com", slot=1, status="suspended")
    page = support_client.get(DESTINATIONS)
    item = text(by_id(dom(page), "destination-1"))
    assert "配信停止" in item
    assert format_datetime(stopped.suspended_at) in item
    assert "メールをお届けできない状態が続いたため" in item
    assert "配信再開" in item

    url = reverse("alerts:destination_resume", args=[stopped.pk])
    response = support_client.post(url, follow=True)
    assert "配信先（stopped@example.com）への配信を再開しました。" in page_text(response)
    stopped.refresh_from_db()
    assert stopped.status == Destination.Status.ACTIVE and stopped.suspended_at is None
    assert "配信再開" not in text(by_id(dom(response), "destination-1"))
    assert AuditEntry.objects.get(action="alerts.destination_resume").actor == account.user

    again = support_client.post(url, follow=True)
    assert "配信停止されていません" in page_text(again)


def test_s3_active_destination_shows_its_badge(support_client, account):
    make_destination(account, "ok@example.com", slot=2)
    item = by_id(dom(support_client.get(DESTINATIONS)), "destination-2")
    assert "有効" in text(item) and "配信再開" not in text(item)


def test_s3_the_list_takes_few_queries(support_client, account, django_assert_max_num_queries):
    for n in (1, 2, 3):
        make_destination(account, f"d{n}@example.com", slot=n)
    support_client.get(DESTINATIONS)  # the first visit creates the settings row
    with django_assert_max_num_queries(9):
        support_client.get(DESTINATIONS)
