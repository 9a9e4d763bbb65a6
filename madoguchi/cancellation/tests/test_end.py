"""D5.3, P1, P2, D1.3: the scheduled end of the contract, every other flow refused after
acceptance, an interrupted end completed once, missed dates caught up."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications import eligibility
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotOperable,
    fail_application,
    process_application,
    process_application_now,
    reconcile_applications,
)
from madoguchi.cancellation import services
from madoguchi.cancellation.tests.conftest import CONTACT_EMAIL
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.contracts.tests.pages import form_errors, login_data, page_text
from madoguchi.contracts.views import ENDED_CONTRACT
from madoguchi.mailboxes.models import AccountName, Mailbox
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.outbox.models import Mail
from madoguchi.provisioning.models import RadCheck, VirtualUser
from madoguchi.provisioning.services import network_password_hash, set_radius_password
from madoguchi.testing.workers import status_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

DUE = datetime.fromisoformat("2024-01-11T00:00:00+09:00")  # CANCELLATION_HOUR 0


def provision(user, *accounts):
    set_radius_password(username=user.username, crypt_hash=network_password_hash("Abc-1234"))
    for slot, account in enumerate(accounts, start=1):
        MailboxFactory(contract=user.contract, slot=slot, account=account, virus_check=slot == 1)


def refused(response) -> bool:
    return response.status_code == 403 and "を受け付けているため" in page_text(response)


def test_d5_3_every_menu_flow_refuses_after_acceptance(customer_client, customer, accept):
    provision(customer, "abcdefg")
    accept(customer)
    message = eligibility.cancellation_accepted(Contract.objects.get(pk=customer.contract_id))
    assert "2024/01/11(木)" in message
    # 認証パスワード変更 (D3): the page says why, and a POST changes nothing.
    page = customer_client.get(reverse("desk:password"))
    assert message in page_text(page)
    customer_client.post(
        reverse("desk:password"),
        {"current_password": "x", "new_password": "Abc-9999", "new_password_confirm": "Abc-9999"},
    )
    # メールアカウント add / change / delete (D4): refused pages; the list says so too.
    for url in [
        reverse("mailboxes:add", args=[2]),
        reverse("mailboxes:change", args=[1]),
        reverse("mailboxes:delete", args=[1]),
        reverse("mailboxes:confirm"),
    ]:
        assert refused(customer_client.get(url)), url
    assert refused(customer_client.post(reverse("mailboxes:add", args=[2]), {"account": "x"}))
    assert message in page_text(customer_client.get(reverse("mailboxes:list")))
    # The cancellation itself.
    assert refused(customer_client.get(reverse("cancellation:input")))
    assert list(Application.objects.values_list("kind", flat=True)) == ["cancellation"]


def test_d5_3_p1_p2_the_scheduled_work_ends_the_contract_on_its_date(
    customer, accept, time_machine, client, password
):
    provision(customer, "abcdefg", "hanako")
    application = accept(customer, contact_email="leaving@example.com")
    assert process_application(application.pk) is False  # not before the date
    time_machine.move_to(DUE - timedelta(seconds=1), tick=False)
    assert process_application(application.pk) is False
    Mail.objects.all().delete()

    time_machine.move_to(DUE, tick=False)
    assert process_application(application.pk) is True
    assert status_of(application) == Application.Status.DONE
    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.status == Contract.Status.ENDED
    assert not Mailbox.objects.filter(contract=contract).exists()
    assert not VirtualUser.objects.exists()  # P2 rows removed
    assert not AccountName.objects.exists()  # the names are free for others
    assert not RadCheck.objects.filter(username=customer.username).exists()  # P1
    # The completion mail goes to the contact address of the application.
    (mail,) = Mail.objects.all()
    assert (mail.to, mail.template) == ("leaving@example.com", "application_done")
    # D1.3: login is refused with a clear message.
    response = client.post(reverse("desk:login"), login_data(customer.username, password))
    assert form_errors(response) == [ENDED_CONTRACT]
    # Done once: running it again does nothing.
    assert process_application(application.pk) is False
    assert Mail.objects.count() == 1


def test_d1_3_an_open_session_is_logged_out_when_the_contract_ends(
    customer_client, customer, accept, time_machine
):
    application = accept(customer)
    time_machine.move_to(DUE, tick=False)
    customer_client.force_login(customer)
    process_application(application.pk)
    response = customer_client.get(reverse("desk:status"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:login")


def test_d5_3_interrupted_halfway_the_end_completes_once_when_run_again(
    customer, accept, time_machine, monkeypatch, settings
):
    """The worker dies after the mailboxes step (P2) and before the credential (P1)."""
    provision(customer, "abcdefg")
    application = accept(customer)
    Mail.objects.all().delete()
    time_machine.move_to(DUE, tick=False)

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services.provisioning, "remove_radius_user", crash)
    with pytest.raises(RuntimeError):
        process_application(application.pk)
    assert status_of(application) == Application.Status.PROCESSING  # held by a lease
    assert application.attempts == 1
    assert Contract.objects.get(pk=customer.contract_id).status != Contract.Status.ENDED
    assert not Mail.objects.exists()

    monkeypatch.undo()
    time_machine.shift(timedelta(seconds=settings.APPLICATION_LEASE_SECONDS + 1))
    assert process_application(application.pk) is True
    assert status_of(application) == Application.Status.DONE
    assert application.attempts == 2
    assert Contract.objects.get(pk=customer.contract_id).status == Contract.Status.ENDED
    assert not Mailbox.objects.exists() and not VirtualUser.objects.exists()
    assert not RadCheck.objects.exists()
    assert list(Mail.objects.values_list("template", flat=True)) == ["application_done"]
    assert process_application(application.pk) is False


def test_d5_3_p2_a_mailbox_already_gone_from_the_mail_system_is_no_obstacle(
    customer, accept, time_machine
):
    provision(customer, "abcdefg")
    VirtualUser.objects.all().delete()  # half done by an earlier run, or by an operator
    application = accept(customer)
    time_machine.move_to(DUE, tick=False)
    assert process_application(application.pk) is True
    assert not Mailbox.objects.exists()


def test_d5_3_a_clock_jumping_past_several_dates_ends_each_contract_once(
    customer, accept, time_machine, settings, django_capture_on_commit_callbacks
):
    """The workers were down: the first reconcile afterwards ends every contract that fell
    due (each once, each with one mail), and leaves the one due later."""
    settings.APPLICATION_STALE_SECONDS = 60
    users = [customer] + [DeskUserFactory(username=f"c{i}@biz.example.ne.jp") for i in range(3)]
    for user in users:
        provision(user)
    due = [
        accept(users[0], date="2024-01-11"),
        accept(users[1], date="2024-01-12"),
        accept(users[2], date="2024-01-16"),
    ]
    later = accept(users[3], date="2024-02-01")
    Mail.objects.all().delete()
    time_machine.move_to(datetime.fromisoformat("2024-01-20T10:00:00+09:00"), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_applications() == 3  # the immediate backend carries them out
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_applications() == 0  # nothing twice
    for application, user in zip(due, users, strict=False):
        assert status_of(application) == Application.Status.DONE
        assert application.attempts == 1
        assert Contract.objects.get(pk=user.contract_id).status == Contract.Status.ENDED
        assert not RadCheck.objects.filter(username=user.username).exists()
    assert status_of(later) == Application.Status.ACCEPTED
    assert Contract.objects.get(pk=users[3].contract_id).status == (
        Contract.Status.CANCELLATION_ACCEPTED
    )
    assert RadCheck.objects.filter(username=users[3].username).exists()
    done = Mail.objects.filter(template="application_done")
    assert sorted(done.values_list("reference", flat=True)) == sorted(a.number for a in due)
    assert set(done.values_list("to", flat=True)) == {CONTACT_EMAIL}


def test_d5_3_b1_an_operator_cannot_end_a_contract_before_its_date(customer, accept, operator):
    application = accept(customer)
    with pytest.raises(NotOperable) as refusal:
        process_application_now(application=application, operator=operator)
    assert "処理予定日時は 2024/01/11 00:00" in refusal.value.message


def test_d5_3_a_cancellation_failed_by_an_operator_leaves_the_contract_in_use(
    customer, accept, operator
):
    application = accept(customer)
    fail_application(application, reason="お客様からのお電話により中止しました。", actor=operator)
    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.status == Contract.Status.ACTIVE
    assert contract.cancellation_date is None
    assert eligibility.refusal(contract, "cancellation") is None
    # The failure mail goes to the contact address of the application.
    assert Mail.objects.get(template="application_failed").to == CONTACT_EMAIL


def test_d5_3_work_still_in_progress_when_the_contract_ends_is_failed(
    customer, accept, time_machine
):
    from madoguchi.applications.tests.factories import ApplicationFactory

    application = accept(customer)
    waiting = ApplicationFactory(
        submitted_by=customer, not_before=timezone.now() + timedelta(days=30)
    )
    time_machine.move_to(DUE, tick=False)
    process_application(application.pk)
    assert status_of(waiting) == Application.Status.FAILED
    assert waiting.failure_reason == services.ENDED_REASON
    assert process_application(waiting.pk) is False
