"""D6.4, X5: every field of 担当者連絡先 validated on the server, its message beside it, the
input kept, nothing stored and never a 500."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contacts.forms import MISMATCH, NOTHING_CHANGED
from madoguchi.contacts.tests.pages import CONFIRM, FIELDS, INPUT, enter, values
from madoguchi.contracts.tests.pages import attr, dom, field_errors, find_all, form_errors
from madoguchi.lib.drafts import SESSION_KEY

pytestmark = pytest.mark.django_db

PHONE = "電話番号は正しい電話番号を半角または全角の数字とハイフンで入力してください。"
KANA = "氏名（カナ）は全角カタカナで入力してください。"
EMAIL = "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。"


def control_message(label: str) -> str:
    return f"{label}に使用できない制御文字が含まれています。"


def errors(response) -> dict[str, list[str]]:
    return {name: field_errors(response, name) for name in FIELDS}


def expect_refused(client, contract, data: dict, expected: dict[str, list[str]]):
    """The form again with exactly these messages, the typed values kept, nothing stored."""
    response = enter(client, data)
    assert response.status_code == 200
    assert errors(response) == {name: expected.get(name, []) for name in FIELDS}
    for name in FIELDS:
        [field] = find_all(dom(response), lambda e, name=name: attr(e, "name") == name)
        assert attr(field, "value") == (data[name].strip() or None)
    assert "contact_person" not in client.session.get(SESSION_KEY, {})
    assert not Application.objects.exists()
    contract.refresh_from_db()
    assert contract.contact_person_name == "窓口 太郎"
    assert contract.contact_email == "taro@example.com"
    return response


def accepted(client, data: dict) -> dict:
    """The values the draft holds after a valid input."""
    response = enter(client, data)
    assert response.status_code == 302, errors(response)
    assert response["Location"] == CONFIRM
    return client.session[SESSION_KEY]["contact_person"]["data"]


# --- 氏名（カナ）: full-width katakana, half-width converted, other scripts refused ------------

KANA_ACCEPTED = {
    "full_width": ("マドグチ\u3000ハナコ", "マドグチ\u3000ハナコ"),
    "half_width": ("ﾏﾄﾞｸﾞﾁ ﾊﾅｺ", "マドグチ\u3000ハナコ"),
    "half_width_voiced_and_long": ("ｶﾞｰﾃﾞﾝ ﾊﾟｰﾄﾅｰｽﾞ", "ガーデン\u3000パートナーズ"),
    "mixed_widths": ("ﾏﾄﾞグチ ハナｺ", "マドグチ\u3000ハナコ"),
    "ascii_spaces_become_one": ("マドグチ   ハナコ", "マドグチ\u3000ハナコ"),
    "middle_dot_and_vu": ("ヴァン・ハナコ", "ヴァン・ハナコ"),
    "surrounding_spaces_dropped": ("  マドグチ  ", "マドグチ"),
}


@pytest.mark.parametrize("case", KANA_ACCEPTED)
def test_d6_4_kana_is_stored_in_full_width_katakana(customer_client, contract, case):
    typed, stored = KANA_ACCEPTED[case]
    assert accepted(customer_client, values(kana=typed))["kana"] == stored


KANA_REFUSED = {
    "hiragana": "まどぐち はなこ",
    "kanji": "窓口 花子",
    "latin": "MADOGUCHI HANAKO",
    "full_width_latin": "ＭＡＤＯＧＵＣＨＩ",
    "digits": "マドグチ2",
    "cyrillic": "Мадогучи",
    "hangul": "마도구치",
    "symbols": "マドグチ！",
    "html": "<b>マドグチ</b>",
    "sql": "マドグチ' OR '1'='1",
}


@pytest.mark.parametrize("case", KANA_REFUSED)
def test_d6_4_kana_in_another_script_is_refused(customer_client, contract, case):
    expect_refused(customer_client, contract, values(kana=KANA_REFUSED[case]), {"kana": [KANA]})


# --- 電話番号: a Japanese number, stored as 03-1234-5678, full width accepted ----------------

PHONE_ACCEPTED = {
    "hyphens": ("03-9876-5432", "03-9876-5432"),
    "digits_only": ("0398765432", "03-9876-5432"),
    "full_width": ("０３－９８７６－５４３２", "03-9876-5432"),
    "full_width_long_dash": ("０３ー９８７６ー５４３２", "03-9876-5432"),
    "parentheses": ("(03)9876-5432", "03-9876-5432"),
    "spaces": ("03 9876 5432", "03-9876-5432"),
    "mobile": ("09012345678", "090-1234-5678"),
    "ip_phone": ("050-1234-5678", "050-1234-5678"),
    "toll_free": ("0120123456", "0120-123-456"),
    "osaka": ("0661234567", "06-6123-4567"),
}


@pytest.mark.parametrize("case", PHONE_ACCEPTED)
def test_d6_4_phone_is_stored_in_one_form(customer_client, contract, case):
    typed, stored = PHONE_ACCEPTED[case]
    assert accepted(customer_client, values(phone=typed))["phone"] == stored


PHONE_REFUSED = {
    "too_few_digits": "03-1234-567",
    "too_many_digits": "03-1234-56789",
    "not_in_service": "00-1234-5678",
    "letters": "03-ABCD-5678",
    "foreign": "+1 202 555 0123",
    "words": "会社の代表番号",
    "html": "<b>03-1234-5678</b>",
    "sql": "03' OR '1'='1",
}


@pytest.mark.parametrize("case", PHONE_REFUSED)
def test_d6_4_phone_that_is_not_a_japanese_number_is_refused(customer_client, contract, case):
    data = values(phone=PHONE_REFUSED[case])
    expect_refused(customer_client, contract, data, {"phone": [PHONE]})


# --- missing, overlong, control characters, HTML -------------------------------------------


def test_d6_4_missing_required_fields_each_get_their_message(customer_client, contract):
    empty = dict.fromkeys(FIELDS, "")
    expect_refused(
        customer_client,
        contract,
        empty,
        {
            "name": ["氏名を入力してください。"],
            "kana": ["氏名（カナ）を入力してください。"],
            "phone": ["電話番号を入力してください。"],
            "email": ["メールアドレスを入力してください。"],
            "email_confirm": ["メールアドレス（確認用）を入力してください。"],
        },
    )


def test_d6_4_only_spaces_count_as_missing(customer_client, contract):
    data = values(name="\u3000 ", phone="   ")
    response = enter(customer_client, data)
    assert field_errors(response, "name") == ["氏名を入力してください。"]
    assert field_errors(response, "phone") == ["電話番号を入力してください。"]
    assert not Application.objects.exists()


def test_d6_4_department_may_be_empty(customer_client, contract):
    assert accepted(customer_client, values(department=""))["department"] == ""


OVERLONG = {
    "name": ("窓" * 51, "氏名は50文字以内で入力してください。"),
    "kana": ("マ" * 51, "氏名（カナ）は50文字以内で入力してください。"),
    "department": ("部" * 101, "部署名は100文字以内で入力してください。"),
    "phone": ("0" * 21, "電話番号は20文字以内で入力してください。"),
    "email": ("a" * 243 + "@example.com", "メールアドレスは254文字以内で入力してください。"),
}


@pytest.mark.parametrize("field", OVERLONG)
def test_d6_4_overlong_values_are_refused(customer_client, contract, field):
    value, message = OVERLONG[field]
    data = values(**{field: value})
    expected = {field: [message]}
    if field == "email":
        data["email_confirm"] = value
        expected["email_confirm"] = ["メールアドレス（確認用）は254文字以内で入力してください。"]
    expect_refused(customer_client, contract, data, expected)


def test_d6_4_the_longest_values_are_accepted(customer_client, contract):
    address = "a" * 242 + "@example.com"  # 254 characters
    draft = accepted(
        customer_client,
        values(
            name="窓" * 50,
            kana="マ" * 50,
            department="部" * 100,
            email=address,
            email_confirm=address,
        ),
    )
    assert (len(draft["name"]), len(draft["kana"]), len(draft["department"])) == (50, 50, 100)
    assert draft["email"] == address


LABELS = {
    "name": "氏名",
    "kana": "氏名（カナ）",
    "department": "部署名",
    "phone": "電話番号",
    "email": "メールアドレス",
}


@pytest.mark.parametrize("character", ["\x00", "\x07", "\n", "\t", "\x1b", "\u200b", "\u202e"])
@pytest.mark.parametrize("field", LABELS)
def test_d6_4_control_characters_are_refused_in_every_field(
    customer_client, contract, field, character
):
    original = values()[field]
    data = values(**{field: original[:2] + character + original[2:]})
    response = enter(customer_client, data)
    assert response.status_code == 200
    assert field_errors(response, field) == [control_message(LABELS[field])]
    assert "contact_person" not in customer_client.session.get(SESSION_KEY, {})
    assert not Application.objects.exists()


def test_d6_4_garbled_input_is_refused(customer_client, contract):
    response = enter(customer_client, values(name="窓口\ufffd花子"))
    assert field_errors(response, "name") == [
        "氏名に文字化けした文字が含まれています。入力し直してください。"
    ]


@pytest.mark.parametrize("field", ["name", "department"])
def test_d6_4_html_is_refused_and_echoed_escaped(customer_client, contract, field):
    script = '<script>alert("x")</script>'
    label = LABELS[field]
    response = expect_refused(
        customer_client,
        contract,
        values(**{field: script}),
        {field: [f"{label}に使用できない文字（< >）が含まれています。"]},
    )
    html = response.content.decode()
    assert script not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_d6_4_sql_in_a_name_is_plain_text(customer_client, contract):
    name = "O'Reilly; DROP TABLE contracts_contract; --"
    assert accepted(customer_client, values(name=name))["name"] == name


# --- メールアドレス: entered twice, must match ------------------------------------------------

EMAIL_REFUSED = {
    "no_at": "hanako.example.com",
    "no_domain": "hanako@",
    "two_ats": "hanako@@example.com",
    "space": "hana ko@example.com",
    "html": "<hanako>@example.com",
    "japanese": "はなこ@例え.jp@",
}


@pytest.mark.parametrize("case", EMAIL_REFUSED)
def test_d6_4_an_address_that_is_not_one_is_refused(customer_client, contract, case):
    address = EMAIL_REFUSED[case]
    expect_refused(
        customer_client,
        contract,
        values(email=address, email_confirm=address),
        {
            "email": [EMAIL],
            "email_confirm": [EMAIL.replace("メールアドレス", "メールアドレス（確認用）")],
        },
    )


def test_d6_4_mismatched_addresses_are_refused_beside_the_confirmation(customer_client, contract):
    expect_refused(
        customer_client,
        contract,
        values(email="hanako@example.com", email_confirm="hanak0@example.com"),
        {"email_confirm": [MISMATCH]},
    )


def test_d6_4_addresses_differing_in_case_do_not_match(customer_client, contract):
    expect_refused(
        customer_client,
        contract,
        values(email="Hanako@example.com", email_confirm="hanako@example.com"),
        {"email_confirm": [MISMATCH]},
    )


def test_d6_4_a_changed_address_with_an_empty_confirmation_is_refused(customer_client, contract):
    expect_refused(
        customer_client,
        contract,
        values(email_confirm=""),
        {"email_confirm": ["メールアドレス（確認用）を入力してください。"]},
    )


def test_d6_4_several_errors_are_shown_at_once(customer_client, contract):
    expect_refused(
        customer_client,
        contract,
        values(name="", kana="まどぐち", phone="123", email_confirm="other@example.com"),
        {
            "name": ["氏名を入力してください。"],
            "kana": [KANA],
            "phone": [PHONE],
            "email_confirm": [MISMATCH],
        },
    )


def test_d6_4_nothing_changed_is_refused_above_the_form(customer_client, contract):
    same = {
        "name": "窓口 太郎",
        "kana": "ﾏﾄﾞｸﾞﾁ ﾀﾛｳ",  # the same name once converted
        "department": "情報システム部",
        "phone": "０３１２３４５６７８",  # the same number once normalized
        "email": "taro@example.com",
        "email_confirm": "taro@example.com",
    }
    response = enter(customer_client, same)
    assert response.status_code == 200
    assert NOTHING_CHANGED in form_errors(response)
    assert not Application.objects.exists()
    assert "contact_person" not in customer_client.session.get(SESSION_KEY, {})


def test_d6_4_a_form_missing_its_fields_entirely_gets_messages_not_a_500(customer_client, contract):
    response = customer_client.post(INPUT, {})
    assert response.status_code == 200
    assert field_errors(response, "name") == ["氏名を入力してください。"]
    response = customer_client.post(INPUT, {"name": ["a", "b"], "email": "x" * 100_000})
    assert response.status_code == 200
    assert not Application.objects.exists()
