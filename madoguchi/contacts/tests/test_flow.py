"""D6.4 担当者連絡先: 入力 → 確認 → 完了, the application, its mails, the status page (X1, X4)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry
from madoguchi.contacts.tests.pages import CONFIRM, FIELDS, INPUT, NEW, enter, register, values
from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    dom,
    field_box,
    find_all,
    page_text,
    post_login,
    text,
)
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db


def rows(response, table_id: str) -> list[list[str]]:
    table = by_id(dom(response), table_id)
    return [
        [text(cell) for cell in row.children if getattr(cell, "name", None) in ("th", "td")]
        for row in find_all(table, lambda e: e.name == "tr")
    ]


def initial(response, name: str) -> str | None:
    [field] = find_all(dom(response), lambda e: attr(e, "name") == name)
    return attr(field, "value")


def current_step(response) -> list[str]:
    [steps] = find_all(dom(response), lambda e: e.name == "ol" and attr(e, "class") == "steps")
    assert [text(li) for li in steps.children] == ["STEP1 入力", "STEP2 確認", "STEP3 完了"]
    return [text(li) for li in steps.children if attr(li, "aria-current") == "step"]


def current_menu_item(response) -> list[str]:
    nav = find_all(dom(response), lambda e: e.name == "nav")[0]
    links = find_all(nav, lambda e: e.name == "a" and attr(e, "aria-current") == "page")
    return [text(a) for a in links]


def test_d6_4_input_page_shows_the_current_values_and_the_fields(customer_client, contract):
    response = customer_client.get(INPUT)
    assert response.status_code == 200
    assert rows(response, "contact-current") == [
        ["氏名", "窓口 太郎"],
        ["氏名（カナ）", "マドグチ タロウ"],
        ["部署名", "情報システム部"],
        ["電話番号", "03-1234-5678"],
        ["メールアドレス", "taro@example.com"],
    ]
    root = dom(response)
    labels = [
        text(find_all(field_box(root, name), lambda e: e.name == "label")[0]) for name in FIELDS
    ]
    assert labels == [
        "氏名 <必須>",
        "氏名（カナ） <必須>",
        "部署名",
        "電話番号 <必須>",
        "メールアドレス <必須>",
        "メールアドレス（確認用） <必須>",
    ]
    # The form starts at the current values: a change of one field is one edit.
    assert [initial(response, name) for name in FIELDS] == [
        "窓口 太郎",
        "マドグチ\u3000タロウ",
        "情報システム部",
        "03-1234-5678",
        "taro@example.com",
        "taro@example.com",
    ]
    assert attr(find_all(root, lambda e: attr(e, "name") == "email")[0], "type") == "email"


def test_d6_4_x1_step_indicator_and_menu_item_on_every_step(customer_client, contract):
    page = customer_client.get(INPUT)
    assert current_step(page) == ["STEP1 入力"]
    assert current_menu_item(page) == ["担当者連絡先"]
    enter(customer_client, NEW)
    page = customer_client.get(CONFIRM)
    assert current_step(page) == ["STEP2 確認"]
    assert current_menu_item(page) == ["担当者連絡先"]
    page = customer_client.post(
        CONFIRM, with_draft_token(customer_client, "contact_person"), follow=True
    )
    assert current_step(page) == ["STEP3 完了"]
    assert current_menu_item(page) == ["担当者連絡先"]


def test_d6_4_confirm_shows_each_value_before_and_after_and_where_the_mail_goes(
    customer_client, contract
):
    enter(customer_client, values(department="情報システム部", phone="0312345678"))
    response = customer_client.get(CONFIRM)
    assert rows(response, "contact-summary") == [
        ["項目", "現在の登録内容", "変更後"],
        ["氏名", "窓口 太郎", "窓口 花子"],
        ["氏名（カナ）", "マドグチ タロウ", "マドグチ ハナコ"],
        ["部署名", "情報システム部", "変更なし"],
        ["電話番号", "03-1234-5678", "変更なし"],  # the same number, typed without hyphens
        ["メールアドレス", "taro@example.com", "hanako@example.com"],
    ]
    mail_to = by_id(dom(response), "mail-to")
    assert [text(li) for li in find_all(mail_to, lambda e: e.name == "li")] == [
        "taro@example.com",
        "hanako@example.com",
    ]
    assert "変更前と変更後の両方のメールアドレスにお送りします" in text(mail_to)
    assert [text(b) for b in find_all(dom(response), lambda e: e.name == "button")][-1] == "登録"
    # X1: nothing changes before 「登録」.
    contract.refresh_from_db()
    assert contract.contact_person_name == "窓口 太郎"
    assert not Application.objects.exists()


def test_d6_4_confirm_without_an_address_change_mails_the_current_address_only(
    customer_client, contract
):
    enter(customer_client, values(email="taro@example.com", email_confirm="taro@example.com"))
    mail_to = by_id(dom(customer_client.get(CONFIRM)), "mail-to")
    assert [text(li) for li in find_all(mail_to, lambda e: e.name == "li")] == ["taro@example.com"]
    assert "両方" not in text(mail_to)


def test_d6_4_register_accepts_one_application_and_the_completion_page_shows_its_number(
    customer_client, customer, contract, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(customer_client)
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:complete", args=[application.pk])
    assert application.kind == "contact_person"
    assert application.submitted_by == customer
    assert application.before == {
        "name": "窓口 太郎",
        "kana": "マドグチ\u3000タロウ",
        "department": "情報システム部",
        "phone": "03-1234-5678",
        "email": "taro@example.com",
    }
    assert application.after == {
        "name": "窓口 花子",
        "kana": "マドグチ\u3000ハナコ",
        "department": "総務部",
        "phone": "03-9876-5432",
        "email": "hanako@example.com",
    }
    # Processed at once (the tests' immediate backend): the contract holds the new values.
    assert application.status == Application.Status.DONE
    contract.refresh_from_db()
    assert (
        contract.contact_person_name,
        contract.contact_person_kana,
        contract.contact_person_department,
        contract.contact_person_phone,
        contract.contact_email,
    ) == ("窓口 花子", "マドグチ\u3000ハナコ", "総務部", "03-9876-5432", "hanako@example.com")

    page = customer_client.get(response["Location"])
    assert text(by_id(dom(page), "application-number")) == application.number
    assert "担当者連絡先変更のお申込みの処理が完了しました。" in page_text(page)
    assert "taro@example.com と hanako@example.com にメールでお知らせします" in page_text(page)

    # The acceptance mail to the old and the new address, the completion to the new one.
    accepted = [m for m in mailoutbox if "受け付けました" in m.subject]
    assert sorted(m.to[0] for m in accepted) == ["hanako@example.com", "taro@example.com"]
    for mail in accepted:
        assert mail.subject == (
            f"【madoguchi】担当者連絡先変更のお申込みを受け付けました（{application.number}）"
        )
        assert "氏名：窓口 太郎 → 窓口 花子" in mail.body
        assert "メールアドレス：taro@example.com → hanako@example.com" in mail.body
        assert "変更前と変更後の両方のメールアドレスにお送りしています" in mail.body
    [done] = [m for m in mailoutbox if "完了" in m.subject]
    assert done.to == ["hanako@example.com"]
    assert application.number in done.body
    assert "電話番号：03-9876-5432" in done.body
    assert len(mailoutbox) == 3


def test_d6_4_the_status_page_reflects_the_change_once_done(
    customer_client, contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(customer_client)
    status = customer_client.get(reverse("desk:status"))
    assert rows(status, "contact-person") == [
        ["氏名", "窓口 花子"],
        ["氏名（カナ）", "マドグチ ハナコ"],
        ["部署名", "総務部"],
        ["電話番号", "03-9876-5432"],
        ["メールアドレス", "hanako@example.com"],
    ]
    assert "担当者連絡先変更" in text(by_id(dom(status), "finished"))


def test_d6_4_only_the_changed_fields_change_and_the_mail_says_which(
    customer_client, contract, mailoutbox, django_capture_on_commit_callbacks
):
    data = values(
        name="窓口 太郎",
        kana="マドグチ\u3000タロウ",
        department="",
        phone="03-1234-5678",
        email="taro@example.com",
        email_confirm="taro@example.com",
    )
    with django_capture_on_commit_callbacks(execute=True):
        register(customer_client, data)
    application = Application.objects.get()
    assert application.after == {"department": ""}
    contract.refresh_from_db()
    assert (contract.contact_person_name, contract.contact_person_department) == ("窓口 太郎", "")
    [accepted] = [m for m in mailoutbox if "受け付けました" in m.subject]
    assert accepted.to == ["taro@example.com"]
    assert "部署名：情報システム部 → （未登録）" in accepted.body
    assert "氏名：窓口 太郎 → 変更なし" in accepted.body
    assert "両方" not in accepted.body


def test_d6_4_x1_back_returns_to_the_input_with_the_entered_values(customer_client, contract):
    enter(customer_client, values(phone="０９０－１２３４－５６７８", kana="ﾏﾄﾞｸﾞﾁ ﾊﾅｺ"))
    confirm = customer_client.get(CONFIRM)
    [back] = find_all(dom(confirm), lambda e: e.name == "a" and text(e) == "◀ 戻る")
    assert attr(back, "href") == INPUT
    page = customer_client.get(INPUT)
    assert [initial(page, name) for name in FIELDS] == [
        "窓口 花子",
        "マドグチ\u3000ハナコ",
        "総務部",
        "090-1234-5678",
        "hanako@example.com",
        "hanako@example.com",
    ]


def test_d6_4_x7_the_change_is_in_the_audit_log_with_labels(
    customer_client, contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(customer_client)
    entry = AuditEntry.objects.get(action="application.contact_person.submit")
    assert entry.before["氏名"] == "窓口 太郎"
    assert entry.after["メールアドレス"] == "hanako@example.com"
    assert AuditEntry.objects.filter(action="application.contact_person.done").exists()


def test_d6_4_p3_a_contact_person_change_is_not_published_to_billing(
    customer_client, contract, django_capture_on_commit_callbacks
):
    """The contact person is not billing data (see contacts/services.py)."""
    with django_capture_on_commit_callbacks(execute=True):
        register(customer_client)
    assert Application.objects.get().status == Application.Status.DONE
    assert not BillingChange.objects.exists()


def test_d6_4_another_customer_cannot_open_the_completion_page(
    customer_client, customer, contract, other_customer
):
    register(customer_client)
    application = Application.objects.get()
    url = reverse("contacts:complete", args=[application.pk])
    assert customer_client.get(url).status_code == 200
    other = Client()
    other.force_login(other_customer)
    assert other.get(url).status_code == 404
    # Nor does this URL show the customer's application of another kind.
    password = ApplicationFactory(submitted_by=customer)
    assert customer_client.get(reverse("contacts:complete", args=[password.pk])).status_code == 404


def test_d6_4_demo0001_walks_the_change(client, django_capture_on_commit_callbacks):
    """README: demo0001 has a contact person to change."""
    call_command("load_demo", stdout=StringIO())
    assert post_login(client, "demo0001@biz.example.ne.jp", "Demo-123").status_code == 302
    page = client.get(INPUT)
    assert "窓口 太郎" in text(by_id(dom(page), "contact-current"))
    assert initial(page, "email") == "contact@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client)
    application = Application.objects.get(kind="contact_person")
    assert response["Location"] == reverse("contacts:complete", args=[application.pk])
    assert application.status == Application.Status.DONE
