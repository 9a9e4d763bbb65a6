"""D5.1: the input step (STEP1) — notices, fields, choices and every field's message (X5)."""

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.cancellation.tests.conftest import CONTACT_EMAIL, FIRST, form_data
from madoguchi.contracts.tests.bad_input import SCRIPT
from madoguchi.contracts.tests.pages import by_id, control, dom, field_errors, page_text, text
from madoguchi.outbox.models import Mail
from madoguchi.testing.html import assert_no_input_limits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

URL = reverse("cancellation:input")


def options(response, name: str) -> list[str]:
    return [text(option) for option in control(response, name).children if option.name == "option"]


def test_d5_1_input_page_shows_the_seeds_notices_and_fields(customer_client, customer):
    response = customer_client.get(URL)
    assert response.status_code == 200
    shown = page_text(response)
    for expected in [
        "廃止の受付",
        "STEP1 入力",
        "廃止申込みをする場合は、入力後、画面下部にございます「次へ」ボタンをクリックしてください。",
        f"本画面は、ご利用中の回線（{customer.contract.service_name}）及び全てのオプションサービスの廃止を一括して受付けます。",
        "廃止受付完了後は、各種変更のお申込みができなくなります。",
        "廃止処理の完了後は本画面にログインできなくなります。",
        "お申込内容入力",
        "回線情報",
        "お客様連絡先",
        "本お申込みに関するお客さま連絡先をご入力ください。",
        "！/ご注意",
        "日中帯にご連絡可能なご連絡先を入力してください。",
        "◀◀ 戻る",
        "次へ ▶▶",
    ]:
        assert expected in shown, expected
    assert "OCN" not in shown
    for label in [
        "廃止希望日 <必須>",
        "廃止理由 <必須>",
        "廃止理由詳細 <必須>",
        "移行理由 <必須>",
        "連絡先お客様名 <必須>",
        "連絡先電話番号 <必須>",
        "連絡先メールアドレス <必須>",
        "連絡先メールアドレス（確認用） <必須>",
    ]:
        assert label in shown, label
    for optional in ["廃止詳細その他", "備考", "連絡先部署名", "連絡先FAX番号"]:
        assert optional in shown and f"{optional} <必須>" not in shown
    assert_no_input_limits(response)


def test_d5_1_desired_dates_are_the_offered_business_days(customer_client):
    dates = options(customer_client.get(URL), "date")
    assert dates[0] == "選択してください"
    assert dates[1] == "2024/01/11(木)"
    assert dates[-1] == "2024/04/30(火)"
    assert "2024/01/13(土)" not in dates and "2024/02/12(月)" not in dates  # 振替休日


def test_d5_1_reason_lists_are_the_operators_active_choices(customer_client):
    CancellationChoice.objects.filter(label="価格").update(active=False)
    CancellationChoice.objects.create(item="migration_reason", label="新しい理由", order=1)
    response = customer_client.get(URL)
    assert "他社へ移行（NTTグループその他）" in options(response, "reason")
    assert "インターネット接続（ベストエフォート型サービス）" in options(response, "reason_detail")
    migration = options(response, "migration_reason")
    assert migration[:2] == ["選択してください", "新しい理由"]
    assert "価格" not in migration


def test_d5_1_valid_input_goes_to_the_confirm_step_storing_nothing(customer_client):
    response = customer_client.post(URL, form_data(contact_phone="０１２０ー１２３ー４５６"))
    assert response.status_code == 302
    assert response["Location"] == reverse("cancellation:confirm")
    assert not Application.objects.exists()
    assert not Mail.objects.exists()


REQUIRED = {
    "date": "廃止希望日を選択してください。",
    "reason": "廃止理由を選択してください。",
    "reason_detail": "廃止理由詳細を選択してください。",
    "migration_reason": "移行理由を選択してください。",
    "contact_name": "連絡先お客様名を入力してください。",
    "contact_phone": "連絡先電話番号を入力してください。",
    "contact_email": "連絡先メールアドレスを入力してください。",
    "contact_email_confirm": "連絡先メールアドレス（確認用）を入力してください。",
}


@pytest.mark.parametrize(("field", "message"), REQUIRED.items())
def test_d5_1_required_fields_have_their_message(customer_client, field, message):
    response = customer_client.post(URL, form_data(**{field: ""}))
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert not Application.objects.exists()


DATE_MESSAGE = ["廃止希望日は一覧から選択してください。"]


@pytest.mark.parametrize(
    "posted",
    [
        "2024-01-10",  # the 4th business day: too early
        "2024-01-03",  # today
        "2023-12-25",  # the past
        "2024-05-01",  # after the end of the third month
        "2024-01-13",  # a Saturday
        "2024-02-12",  # a public holiday (振替休日)
        "2024-12-30",  # far out, and a year-end holiday
        "2024/01/11",  # not the form's value
        "not-a-date",
        SCRIPT,
    ],
)
def test_d5_1_a_desired_date_posted_by_hand_outside_the_offer_is_refused(customer_client, posted):
    response = customer_client.post(URL, form_data(date=posted))
    assert response.status_code == 200
    assert field_errors(response, "date") == DATE_MESSAGE
    assert not Application.objects.exists()


def test_d5_1_a_choice_not_offered_is_refused(customer_client):
    inactive = CancellationChoice.objects.get(label="価格")
    inactive.active = False
    inactive.save()
    for posted in [str(inactive.pk), "999999", "価格", SCRIPT]:
        response = customer_client.post(URL, form_data(migration_reason=posted))
        assert field_errors(response, "migration_reason") == [
            "移行理由は一覧から選択してください。"
        ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("detail_other", "あ" * 201, "廃止詳細その他は200文字以内で入力してください。"),
        ("remarks", "a" * 10_000, "備考は200文字以内で入力してください。"),
        ("contact_name", "名" * 101, "連絡先お客様名は100文字以内で入力してください。"),
        ("contact_department", "部" * 101, "連絡先部署名は100文字以内で入力してください。"),
        ("remarks", "a\x00b", "備考に使用できない制御文字が含まれています。"),
        ("contact_name", "コム\x1b太郎", "連絡先お客様名に使用できない制御文字が含まれています。"),
        ("detail_other", "a\u202eb", "廃止詳細その他に使用できない制御文字が含まれています。"),
        (
            "contact_phone",
            "03-1234",
            "連絡先電話番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。",
        ),
        (
            "contact_phone",
            "でんわ",
            "連絡先電話番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。",
        ),
        (
            "contact_fax",
            "+1 202 555 0100",
            "連絡先FAX番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。",
        ),
        ("contact_email", "not-an-address", "連絡先メールアドレスを正しい形式で入力してください。"),
        (
            "contact_email_confirm",
            "other@example.com",
            "連絡先メールアドレスと連絡先メールアドレス（確認用）が一致しません。",
        ),
    ],
)
def test_d5_1_x5_bad_values_get_the_fields_message_and_keep_the_input(
    customer_client, field, value, message
):
    data = form_data(**{field: value})
    response = customer_client.post(URL, data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    # The other values are kept (X5).
    assert control(response, "contact_name").attributes is not None
    assert f'value="{CONTACT_EMAIL}"' in response.content.decode()
    assert not Application.objects.exists()


def test_d5_1_x5_html_is_kept_as_text_and_shown_escaped(customer_client):
    response = customer_client.post(URL, form_data(remarks=SCRIPT, contact_name=SCRIPT))
    assert response.status_code == 302
    response = customer_client.get(reverse("cancellation:confirm"))
    body = response.content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert text(by_id(dom(response), "value-remarks")) == SCRIPT


def test_x1_back_from_the_confirm_step_keeps_the_input(customer_client):
    customer_client.post(URL, form_data(remarks="よろしくお願いします", contact_fax="03-1234-5678"))
    response = customer_client.get(URL)
    body = response.content.decode()
    assert f'<option value="{FIRST}" selected>' in body
    assert "よろしくお願いします" in body
    assert 'value="03-1234-5678"' in body
