"""D2.1–D2.2: the usage-status page (ご利用状況の確認), the desk's home."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

NOTICE = (
    "【お客さまへのお知らせ】 セキュリティの観点からログインパスワードの定期的な変更を推奨して"
    "おります。 左側メニューに「認証パスワード変更」メニューの表示がある場合は、オンラインでのお"
    "手続きが可能です。 【注意事項】 認証パスワードを変更された場合は、ネットワーク機器等に設定"
    "しているパスワード変更も必要となる場合がございます。 あらかじめご確認をお願いいたします。"
)


def info_rows(response) -> list[tuple[str, str]]:
    tables = find_all(
        dom(response),
        lambda e: e.name == "table" and ("class", "info") in e.attributes and not attr(e, "id"),
    )
    assert len(tables) == 1
    return [
        (text(row.children[0]), text(row.children[1]))
        for row in find_all(tables[0], lambda e: e.name == "tr")
    ]


def in_progress_rows(response) -> list[list[str]]:
    table = by_id(dom(response), "in-progress")
    rows = find_all(table, lambda e: e.name == "tr")
    return [[text(cell) for cell in row.children] for row in rows[1:]]


@pytest.fixture
def contract(customer):
    Contract.objects.filter(pk=customer.contract_id).update(
        customer_number="N230110835",
        service_name="光フレッツ IP1 ビジネスタイプ",
        name="株式会社窓口テスト",
        name_kana="カブシキガイシャマドグチテスト",
        postal_code="160-0023",
        address="東京都新宿区西新宿1丁目2-3 窓口ビル5F",
        department="総務部",
        payment_method=Contract.PaymentMethod.BANK_TRANSFER,
    )
    customer.contract.refresh_from_db()
    return customer.contract


def test_d2_1_greeting_and_notices_of_the_seed(customer_client, contract):
    response = customer_client.get(reverse("desk:status"))
    assert response.status_code == 200
    greeting = find_all(dom(response), lambda e: ("class", "greeting") in e.attributes)
    assert text(greeting[0]).startswith("株式会社窓口テスト様 madoguchiのご利用まことに")
    notice = find_all(dom(response), lambda e: e.name == "section")
    assert text(notice[0]) == NOTICE
    assert "株式会社窓口テスト様の登録情報" in page_text(response)


def test_d2_1_basic_information_shows_the_contracts_values(customer_client, contract):
    response = customer_client.get(reverse("desk:status"))
    assert "■お客様基本情報" in page_text(response)
    assert info_rows(response) == [
        ("お客様番号", "N230110835"),
        ("サービス品目", "光フレッツ IP1 ビジネスタイプ"),
        ("お名前（カナ）", "カブシキガイシャマドグチテスト 様"),
        ("郵便番号", "160-0023"),
        ("ご住所", "東京都新宿区西新宿1丁目2-3 窓口ビル5F"),
        ("部課名", "総務部"),
        ("支払い方法", "口座振替によるお支払い"),
    ]


def test_d2_1_values_are_escaped(customer_client, contract):
    Contract.objects.filter(pk=contract.pk).update(department="<script>alert(1)</script>")
    body = customer_client.get(reverse("desk:status")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_d2_1_each_customer_sees_their_own_contract(client, customer, other_customer):
    client.force_login(other_customer)
    text_ = page_text(client.get(reverse("desk:status")))
    assert other_customer.contract.customer_number in text_
    assert customer.contract.customer_number not in text_


def test_d2_2_no_options_and_no_applications(customer_client):
    response = customer_client.get(reverse("desk:status"))
    assert "■ご利用中のオプションサービス ご利用中のオプションサービスはありません。" in page_text(
        response
    )
    assert "お手続き中のお申込みはありません。" in page_text(response)


def test_d2_2_pending_password_change_shows_as_being_applied(
    customer_client, customer, password, settings, time_machine
):
    """A real change whose publication has not run yet: 反映中, with its date (D3.4)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    time_machine.move_to(datetime(2024, 1, 11, 0, 5, tzinfo=UTC), tick=False)
    new = "Abc-1234"
    data = {"current_password": password, "new_password": new, "new_password_confirm": new}
    customer_client.post(reverse("desk:password"), data)
    customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    application = Application.objects.get()
    assert application.status == Application.Status.ACCEPTED
    response = customer_client.get(reverse("desk:status"))
    assert in_progress_rows(response) == [
        [application.number, "2024/01/11(木) 09:05", "認証パスワード変更", "反映中"]
    ]
    # Once published it is no longer in progress.
    Application.objects.filter(pk=application.pk).update(status=Application.Status.DONE)
    response = customer_client.get(reverse("desk:status"))
    assert "お手続き中のお申込みはありません。" in page_text(response)


def test_d2_2_in_progress_lists_only_this_contracts_unfinished_applications(
    customer_client, customer, other_customer, time_machine
):
    time_machine.move_to(datetime(2024, 1, 14, 6, 0, tzinfo=UTC), tick=False)
    older = ApplicationFactory(submitted_by=customer)
    time_machine.shift(timedelta(days=1))
    newer = ApplicationFactory(submitted_by=customer, processing=True)
    ApplicationFactory(submitted_by=customer, done=True)
    ApplicationFactory(submitted_by=customer, status=Application.Status.CANCELLED)
    ApplicationFactory(submitted_by=other_customer)
    rows = in_progress_rows(customer_client.get(reverse("desk:status")))
    assert rows == [
        [newer.number, "2024/01/15(月) 15:00", "認証パスワード変更", "反映中"],
        [older.number, "2024/01/14(日) 15:00", "認証パスワード変更", "反映中"],
    ]


def test_d5_3_the_status_page_shows_an_accepted_cancellation_and_its_date(
    customer_client, customer
):
    page = customer_client.get(reverse("desk:status"))
    assert "廃止日" not in page_text(page)
    Contract.objects.filter(pk=customer.contract_id).update(
        status=Contract.Status.CANCELLATION_ACCEPTED, cancellation_date=date(2027, 1, 12)
    )
    page = customer_client.get(reverse("desk:status"))
    assert "廃止日： 2027/01/12(火)" in text(by_id(dom(page), "cancellation"))


def test_d6_the_status_page_shows_billing_and_the_contact_person(customer_client, customer):
    Contract.objects.filter(pk=customer.contract_id).update(
        payment_method=Contract.PaymentMethod.CARD,
        card_token="tok_x",
        card_brand="VISA",
        card_last4="4242",
        card_expiry="12/29",
        billing_postal_code="100-0004",
        billing_address="東京都千代田区大手町1-1-1",
        billing_company="株式会社例",
        billing_department="経理部",
        billing_addressee="山田太郎",
        billing_notice_method=Contract.NoticeMethod.MAIL,
        billing_notice_email="keiri@example.com",
        contact_person_name="佐藤花子",
        contact_person_kana="サトウ\u3000ハナコ",
        contact_person_department="情報システム部",
        contact_person_phone="03-1234-5678",
        contact_email="sato@example.com",
    )
    page = dom(customer_client.get(reverse("desk:status")))
    assert text(by_id(page, "payment-method")) == (
        "クレジットカードによるお支払い VISA ****-****-****-4242（有効期限 12/29）"
    )
    assert "tok_x" not in text(page)
    billing = text(by_id(page, "billing"))
    assert "〒100-0004 東京都千代田区大手町1-1-1 株式会社例 経理部 山田太郎 様" in billing
    assert "メール（keiri@example.com）" in billing
    assert text(by_id(page, "contact-person")).split() == [
        "氏名", "佐藤花子", "氏名（カナ）", "サトウ", "ハナコ", "部署名", "情報システム部",
        "電話番号", "03-1234-5678", "メールアドレス", "sato@example.com",
    ]  # fmt: skip
