"""D5.2 confirm and D5.3 acceptance: one application, one mail, the contract marked, what
waits withdrawn, every other flow refused; X2 double submit; the date checked again."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    ConfirmationRefused,
    confirm_application,
    confirmation_token,
    process_application,
)
from madoguchi.billing.services import submit_billing_notice
from madoguchi.cancellation.tests.conftest import CONTACT_EMAIL, form_data
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import by_id, dom, page_text, text
from madoguchi.lib.emails import render_email
from madoguchi.mailboxes.models import AccountName, MailboxOrder
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.outbox.models import Mail
from madoguchi.testing.drafts import with_draft_token
from madoguchi.testing.outbox import acceptance_recipients

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

INPUT = reverse("cancellation:input")
CONFIRM = reverse("cancellation:confirm")
REFUSED = (
    "ご契約の廃止のお申込み（廃止日：2024/01/11(木)）を受け付けているため、"
    "新たなお申込みはいただけません。"
)


def body(mail) -> str:
    return render_email(mail.template, mail.context)[1]


@pytest.fixture
def boxes(customer):
    return [
        MailboxFactory(contract=customer.contract, slot=1, account="abcdefg", virus_check=True),
        MailboxFactory(contract=customer.contract, slot=2, account="hanako"),
    ]


def test_d5_2_confirm_page_shows_usage_what_ends_and_the_values(customer_client, customer, boxes):
    customer_client.post(INPUT, form_data(remarks="よろしく", contact_department="総務部"))
    response = customer_client.get(CONFIRM)
    assert response.status_code == 200
    root = dom(response)
    contract = customer.contract
    assert text(by_id(root, "usage")) == (
        f"お客さま番号 {contract.customer_number} お名前 {contract.name} "
        f"提供メニュー {contract.service_name}"
    )
    options = text(by_id(root, "options"))
    assert f"{boxes[0].address}（契約中）" in options and f"{boxes[1].address}（契約中）" in options
    assert [text(li) for li in by_id(root, "ending").children if li.name == "li"] == [
        f"回線（{contract.service_name}）",
        f"メールアカウント（{boxes[0].address}）",
        f"ウィルスチェックサービス（{boxes[0].address}）",
        f"メールアカウント（{boxes[1].address}）",
    ]
    assert text(by_id(root, "line-values")) == (
        "廃止希望日 2024/01/11(木) 廃止理由 他社へ移行（NTTグループその他） "
        "廃止理由詳細 インターネット接続（ベストエフォート型サービス） 廃止詳細その他 "
        "移行理由 価格 備考 よろしく"
    )
    assert text(by_id(root, "contact-values")) == (
        "連絡先部署名 総務部 連絡先お客様名 コム太郎 連絡先電話番号 0120-123-456 "
        f"連絡先FAX番号 連絡先メールアドレス {CONTACT_EMAIL} "
        "このメールアドレスに、廃止申込み受付完了のお知らせメールが届きます。"
    )
    shown = page_text(response)
    for expected in [
        "現在のご利用状況",
        "本申込みにより廃止となる回線及びオプションサービス",
        "「申し込む」を押すと、廃止が実行され、一切の取り消しは出来ません。よろしいですか？",
        "◀ 戻る",
        "申し込む",
        "STEP2 確認",
    ]:
        assert expected in shown, expected
    assert not Application.objects.exists()


def test_d5_3_applying_accepts_once_mails_the_contact_and_marks_the_contract(
    customer_client, customer, walk, settings
):
    settings.CANCELLATION_HOUR = 9
    response = walk(customer_client)
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cancellation:complete", args=[application.pk])
    assert application.kind == "cancellation"
    assert application.status == Application.Status.ACCEPTED  # not due yet
    assert application.not_before == datetime.fromisoformat("2024-01-11T09:00:00+09:00")
    assert application.after["reason"] == "他社へ移行（NTTグループその他）"
    assert not application.can_be_cancelled
    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.status == Contract.Status.CANCELLATION_ACCEPTED
    assert contract.cancellation_date.isoformat() == "2024-01-11"
    # Exactly one mail: the acceptance, to the contact address entered.
    (mail,) = Mail.objects.all()
    assert mail.to == CONTACT_EMAIL
    assert mail.template == "application_cancellation"
    assert application.number in mail.subject
    assert "廃止希望日：2024/01/11(木)" in body(mail)
    assert "廃止処理日時：2024/01/11(木) 09:00" in body(mail)
    assert "連絡先お客様名：コム太郎" in body(mail)
    assert acceptance_recipients(application) == [CONTACT_EMAIL]

    page = customer_client.get(response["Location"])
    assert "STEP3 完了" in page_text(page)
    assert text(by_id(dom(page), "application-number")) == application.number
    assert text(by_id(dom(page), "cancellation-date")) == "2024/01/11(木)"
    # The status page shows the cancellation and its date.
    status = customer_client.get(reverse("desk:status"))
    assert "廃止日： 2024/01/11(木)" in text(by_id(dom(status), "cancellation"))


def test_x2_double_or_replayed_apply_makes_one_application_and_one_mail(
    customer_client, walk, django_capture_on_commit_callbacks
):
    first = walk(customer_client)
    token = first.wsgi_request.POST["draft"]
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            again = customer_client.post(CONFIRM, {"draft": token})
        assert again.status_code == 302
        assert again["Location"] == first["Location"]
    assert Application.objects.count() == 1
    assert Mail.objects.count() == 1


def test_d5_3_a_second_cancellation_is_refused(customer_client, customer, walk, accept):
    walk(customer_client)
    for url in (INPUT, CONFIRM):
        response = customer_client.get(url)
        assert response.status_code == 403
        assert REFUSED in page_text(response)
    response = customer_client.post(INPUT, form_data())
    assert response.status_code == 403
    assert REFUSED in page_text(response)
    assert Application.objects.count() == 1
    assert Mail.objects.count() == 1


def test_d5_3_a_second_cancellation_from_another_tab_is_refused_at_submission(
    customer_client, customer, accept
):
    customer_client.post(INPUT, form_data())  # a draft made before the other acceptance
    accept(customer)
    response = customer_client.post(CONFIRM, with_draft_token(customer_client, "cancellation"))
    assert response.status_code == 403
    assert REFUSED in page_text(response)
    assert Application.objects.count() == 1


def test_d5_3_the_desired_date_is_checked_again_at_submission(
    customer_client, customer, time_machine
):
    """Drafted before midnight, submitted after: 1/11 is now the 4th business day."""
    time_machine.move_to(datetime.fromisoformat("2024-01-03T23:59:00+09:00"), tick=False)
    customer_client.force_login(customer)  # a session of that evening
    customer_client.post(INPUT, form_data())
    time_machine.shift(timedelta(minutes=2))  # 2024-01-04 00:01: 1/12 is the first date
    response = customer_client.post(CONFIRM, with_draft_token(customer_client, "cancellation"))
    assert response.status_code == 200
    root = dom(response)
    assert text(by_id(root, "date-errors")) == "廃止希望日は一覧から選択してください。"
    assert "入力画面に戻る" in text(by_id(root, "confirm-error"))
    assert not Application.objects.exists()
    assert not Mail.objects.exists()
    assert Contract.objects.get(pk=customer.contract_id).status == Contract.Status.ACTIVE


@pytest.mark.parametrize("posted", ["2024-01-10", "2023-12-28", "2024-02-12", "2024-05-01", "x"])
def test_d5_3_the_service_refuses_a_date_not_offered(customer, accept, posted):
    from madoguchi.cancellation.services import CancellationError

    with pytest.raises(CancellationError) as refused:
        accept(customer, date=posted)
    assert refused.value.field == "date"
    assert not Application.objects.exists()
    assert not Mail.objects.exists()


def test_d5_3_pending_mailbox_applications_are_withdrawn_with_a_mail(
    customer, boxes, accept, settings, django_capture_on_commit_callbacks
):
    settings.MAILBOX_PROCESSING_DELAY_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=True):
        add = submit(customer, 3, "add", account="newbox")
        delete = submit(customer, 2, "delete")
    Mail.objects.all().delete()
    cancellation = accept(customer)
    for application in (add, delete):
        application.refresh_from_db()
        assert application.status == Application.Status.CANCELLED
        assert cancellation.number in application.failure_reason
    assert not MailboxOrder.objects.filter(pending=True).exists()
    assert not AccountName.objects.filter(name="newbox").exists()  # the name is free again
    withdrawn = Mail.objects.filter(template="application_cancelled")
    assert sorted(mail.reference for mail in withdrawn) == sorted([add.number, delete.number])
    assert {mail.to for mail in withdrawn} == {customer.contract.contact_email}
    mail = withdrawn.get(reference=add.number)
    assert "ご契約の廃止のお申込み" in body(mail) and "2024/01/11(木)" in body(mail)
    assert Mail.objects.filter(template="application_cancellation").count() == 1
    # Never carried out later either.
    assert process_application(add.pk) is False


def test_d5_3_an_address_awaiting_confirmation_is_withdrawn_and_its_link_refused(
    customer, accept, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = submit_billing_notice(
            user=customer,
            method="mail",
            source="other",
            email="keiri@example.org",
            submission_key="awaiting-notice",
            link_base="http://testserver/",
        )
    assert notice.status == Application.Status.AWAITING
    Mail.objects.all().delete()
    cancellation = accept(customer)
    notice.refresh_from_db()
    assert notice.status == Application.Status.CANCELLED
    assert cancellation.number in notice.failure_reason
    withdrawn = Mail.objects.get(template="application_cancelled")
    assert (withdrawn.to, withdrawn.reference) == (customer.contract.contact_email, notice.number)
    with pytest.raises(ConfirmationRefused):
        confirm_application(token=confirmation_token(notice))
    notice.refresh_from_db()
    assert notice.status == Application.Status.CANCELLED
    customer.contract.refresh_from_db()
    assert customer.contract.billing_notice_email != "keiri@example.org"


def test_d5_3_other_customers_completion_page_is_404(client, other_customer, customer, accept):
    application = accept(customer)
    client.force_login(other_customer)
    response = client.get(reverse("cancellation:complete", args=[application.pk]))
    assert response.status_code == 404
