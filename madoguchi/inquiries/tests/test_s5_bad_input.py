"""S5, X5: every field of the inquiry form validated on the server, its message beside it,
the input kept (escaped), nothing stored, never a 500; CRLF in the subject refused."""

import pytest

from madoguchi.contracts.tests.pages import attr, control, field_errors, page_text
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.tests.pages import FIELDS, FLOW, INPUT, enter, send, values
from madoguchi.lib.drafts import SESSION_KEY
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db

EMAIL = "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。"
PHONE = "電話番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。"
CONTRACT = "お客様番号は「N」と数字9桁（例：N230110835）で入力してください。"


def errors(response) -> dict[str, list[str]]:
    return {name: field_errors(response, name) for name in FIELDS}


def expect_refused(client, data: dict, expected: dict[str, list[str]]):
    response = enter(client, data)
    assert response.status_code == 200
    assert errors(response) == {name: expected.get(name, []) for name in FIELDS}
    assert FLOW not in client.session.get(SESSION_KEY, {})
    assert not Inquiry.objects.exists() and not Mail.objects.exists()
    return response


def test_s5_missing_fields_each_get_their_message(client):
    expect_refused(
        client,
        dict.fromkeys(FIELDS, ""),
        {
            "category": ["お問い合わせ種別を選択してください。"],
            "subject": ["件名を入力してください。"],
            "body": ["お問い合わせ内容を入力してください。"],
            "name": ["お名前を入力してください。"],
            "email": ["メールアドレスを入力してください。"],
            "email_confirm": ["メールアドレス（確認用）を入力してください。"],
        },
    )


def test_s5_unknown_choices_are_refused(client):
    expect_refused(
        client,
        values(category="billing' OR 1=1", product="99999"),
        {
            "category": ["お問い合わせ種別を一覧から選択してください。"],
            "product": ["商品を一覧から選択してください。"],
        },
    )


OVERLONG = {
    "subject": ("件" * 101, "件名は100文字以内で入力してください。"),
    "body": ("本" * 4001, "お問い合わせ内容は4000文字以内で入力してください。"),
    "name": ("名" * 51, "お名前は50文字以内で入力してください。"),
    "phone": ("0" * 21, "電話番号は20文字以内で入力してください。"),
    "contract_number": ("N" * 21, "お客様番号は20文字以内で入力してください。"),
}


@pytest.mark.parametrize("field", OVERLONG)
def test_s5_overlong_values_are_refused(client, field):
    value, message = OVERLONG[field]
    response = expect_refused(client, values(**{field: value}), {field: [message]})
    if field != "body":
        assert attr(control(response, field), "maxlength") is None  # never cut in the browser


def test_s5_overlong_address_is_refused(client):
    address = "a" * 243 + "@example.com"
    expect_refused(
        client,
        values(email=address, email_confirm=address),
        {
            "email": ["メールアドレスは254文字以内で入力してください。"],
            "email_confirm": ["メールアドレス（確認用）は254文字以内で入力してください。"],
        },
    )


def test_s5_the_longest_values_are_accepted(client):
    response = send(client, values(subject="件" * 100, body="本" * 4000, name="名" * 50))
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (len(inquiry.subject), len(inquiry.body), len(inquiry.name)) == (100, 4000, 50)


LABELS = {
    "subject": "件名",
    "body": "お問い合わせ内容",
    "name": "お名前",
    "email": "メールアドレス",
    "phone": "電話番号",
    "contract_number": "お客様番号",
}


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\u200b", "\u202e"])
@pytest.mark.parametrize("field", LABELS)
def test_s5_x5_control_characters_are_refused_in_every_field(client, field, character):
    original = values(phone="03-1234-5678", contract_number="N230110835")[field]
    data = values(phone="03-1234-5678", contract_number="N230110835")
    data[field] = original[:2] + character + original[2:]
    expected = [f"{LABELS[field]}に使用できない制御文字が含まれています。"]
    if field == "email":
        data["email_confirm"] = data["email"]
        expect_refused(
            client,
            data,
            {
                "email": expected,
                "email_confirm": [
                    "メールアドレス（確認用）に使用できない制御文字が含まれています。"
                ],
            },
        )
    else:
        expect_refused(client, data, {field: expected})


def test_s5_x5_garbled_input_is_refused(client):
    """Bytes that are not UTF-8 become U+FFFD when decoded: refused beside the field."""
    shift_jis = "件名です".encode("shift_jis")
    data = values()
    data.pop("subject")
    from urllib.parse import urlencode

    body = urlencode(data).encode() + b"&subject=" + b"".join(b"%%%02X" % b for b in shift_jis)
    response = client.post(INPUT, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert field_errors(response, "subject") == [
        "件名に文字化けした文字が含まれています。入力し直してください。"
    ]
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("crlf", ["\r\n", "\n", "\r", "\r\nBcc: victim@example.org"])
def test_s5_crlf_in_the_subject_is_refused(client, crlf):
    expect_refused(
        client,
        values(subject=f"料金{crlf}について"),
        {"subject": ["件名に改行は使用できません。1行で入力してください。"]},
    )


@pytest.mark.parametrize(
    "address",
    [
        "taro@example.com\r\nBcc: victim@example.org",
        "taro@example.com, victim@example.org",
        "taro@example.com\nCc: victim@example.org",
        "Taro <taro@example.com>",
        "taro",
        "<script>@example.com",
    ],
)
def test_s5_an_address_that_is_not_one_address_is_refused(client, address):
    response = enter(client, values(email=address, email_confirm=address))
    assert response.status_code == 200
    assert field_errors(response, "email")[0] in (
        EMAIL,
        "メールアドレスに使用できない制御文字が含まれています。",
    )
    assert not Inquiry.objects.exists()


def test_s5_the_addresses_must_match(client):
    expect_refused(
        client,
        values(email_confirm="tar0@example.com"),
        {"email_confirm": ["メールアドレスとメールアドレス（確認用）が一致しません。"]},
    )


@pytest.mark.parametrize("phone", ["03-1234-567", "電話", "+1 202 555 0123", "03' OR '1'='1"])
def test_s5_a_phone_that_is_not_japanese_is_refused(client, phone):
    expect_refused(client, values(phone=phone), {"phone": [PHONE]})


@pytest.mark.parametrize("number", ["230110835", "N23011083", "X230110835", "N2301108351"])
def test_s5_a_malformed_contract_number_is_refused(client, number):
    expect_refused(client, values(contract_number=number), {"contract_number": [CONTRACT]})


def test_s5_a_contract_number_in_full_width_or_lower_case_is_accepted(client):
    send(client, values(contract_number="ｎ２３０１１０８３５"))
    assert Inquiry.objects.get().contract_number == "N230110835"


def test_s5_x5_html_is_echoed_escaped_and_stored_as_typed(client):
    script = "<script>alert('x')</script>"
    response = enter(client, values(subject=script, body=script, name=script, phone="x"))
    html = response.content.decode()
    assert "<script>alert" not in html
    assert attr(control(response, "subject"), "value") == script
    response = send(client, values(subject=script, body=script, name=f"<b>{script}</b>"))
    assert response.status_code == 302
    confirm_html = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in confirm_html
    inquiry = Inquiry.objects.get()
    assert (inquiry.subject, inquiry.body) == (script, script)


def test_s5_x5_sql_is_plain_text(client):
    sql = "'; DROP TABLE inquiries_inquiry; --"
    send(client, values(subject=sql, body=sql, name="Robert'); --"))
    inquiry = Inquiry.objects.get()
    assert (inquiry.subject, inquiry.body, inquiry.name) == (sql, sql, "Robert'); --")


def test_s5_line_breaks_and_tabs_are_welcome_in_the_body(client):
    send(client, values(body="1行目\r\n\t2行目\r3行目"))
    assert Inquiry.objects.get().body == "1行目\n\t2行目\n3行目"


def test_s5_values_are_kept_after_an_error(client):
    response = enter(client, values(subject="", body="本文は残る"))
    assert "本文は残る" in page_text(response)
    assert attr(control(response, "name"), "value") == "見本 太郎"
