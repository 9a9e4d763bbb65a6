"""S2, X5: every bad input of the registration form gets a Japanese message beside its field,
nothing is stored, nothing is mailed, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.contracts.tests.pages import control, field_errors
from madoguchi.lib.drafts import SESSION_KEY
from madoguchi.outbox.models import Mail
from madoguchi.supportid.models import SupportAccount
from madoguchi.supportid.tests.journeys import FLOW, PASSWORD, enter, values

pytestmark = pytest.mark.django_db

TOO_LONG = "a-long-passphrase-" * 4  # 72 characters
TODAY = timezone.localdate()
TOMORROW = TODAY + timedelta(days=1)

CASES = [
    # (changes, the field whose box shows the message, the message)
    ({"email": ""}, "email", "メールアドレスを入力してください。"),
    (
        {"email": "hanako.example.com"},
        "email",
        "メールアドレスを正しい形式（例：taro@example.co.jp）で入力してください。",
    ),
    (
        {"email_confirm": "hanako@example.net"},
        "email_confirm",
        "メールアドレスとメールアドレス（確認用）が一致しません。",
    ),
    (
        {"email": "taro@biz.example.ne.jp", "email_confirm": "taro@biz.example.ne.jp"},
        "email",
        "「@biz.example.ne.jp」のメールアドレスはカスタマサポートデスクの認証IDの形式のため、"
        "お客さまサポートIDには登録できません。ご契約者さまは、認証IDとパスワードでそのまま"
        "ログインしてご利用いただけます。",
    ),
    (
        {"email": "a\u0000b@example.com"},
        "email",
        "メールアドレスに使用できない制御文字が含まれています。",
    ),
    ({"name": ""}, "name", "お名前を入力してください。"),
    ({"name": "花" * 51}, "name", "お名前は50文字以内で入力してください。"),
    ({"name": "見本\u200b花子"}, "name", "お名前に使用できない制御文字が含まれています。"),
    (
        {"name": "見本\ufffd花子"},
        "name",
        "お名前に文字化けした文字が含まれています。入力し直してください。",
    ),
    (
        {"birth_year": "", "birth_month": "", "birth_day": ""},
        "birth_year",
        "生年月日を選択してください。",
    ),
    ({"birth_day": ""}, "birth_year", "生年月日は年・月・日をすべて選択してください。"),
    (
        {"birth_year": "1990", "birth_month": "2", "birth_day": "30"},
        "birth_year",
        "生年月日に存在しない日付が選択されています（1990年2月30日）。",
    ),
    (
        {
            "birth_year": str(TOMORROW.year),
            "birth_month": str(TOMORROW.month),
            "birth_day": str(TOMORROW.day),
        }
        if TOMORROW.year == TODAY.year
        else {"birth_year": str(TODAY.year), "birth_month": "12", "birth_day": "31"},
        "birth_year",
        "生年月日には今日より前の日付を選択してください。",
    ),
    ({"birth_year": "1800"}, "birth_year", "生年月日の年を一覧から選択してください。"),
    ({"birth_month": "13"}, "birth_year", "生年月日の月を一覧から選択してください。"),
    ({"birth_day": "x"}, "birth_year", "生年月日の日を一覧から選択してください。"),
    ({"password": "", "password_confirm": ""}, "password", "パスワードを入力してください。"),
    (
        {"password": "short-7", "password_confirm": "short-7"},
        "password",
        "パスワードは8文字以上で入力してください（入力された文字数：7文字）。",
    ),
    (
        {"password": TOO_LONG, "password_confirm": TOO_LONG},
        "password",
        "パスワードは64文字以内で入力してください（入力された文字数：72文字）。",
    ),
    (
        {"password": "Password1", "password_confirm": "Password1"},
        "password",
        "このパスワードはよく使われていて推測されやすいため、ご利用いただけません。"
        "別のパスワードを入力してください。",
    ),
    (
        {"password": "iloveyou", "password_confirm": "iloveyou"},
        "password",
        "このパスワードはよく使われていて推測されやすいため、ご利用いただけません。"
        "別のパスワードを入力してください。",
    ),
    (
        {"password": "Hanako@Example.com", "password_confirm": "Hanako@Example.com"},
        "password",
        "メールアドレスと同じパスワードはご利用いただけません。",
    ),
    (
        {"password": "pass\u0000word-long", "password_confirm": "pass\u0000word-long"},
        "password",
        "パスワードに使用できない制御文字が含まれています。",
    ),
    (
        {"password_confirm": PASSWORD + "x"},
        "password_confirm",
        "パスワードとパスワード（確認用）が一致しません。",
    ),
    ({"password_confirm": ""}, "password_confirm", "パスワード（確認用）を入力してください。"),
]


@pytest.mark.parametrize(("changes", "field", "message"), CASES)
def test_x5_s2_registration_bad_input_message_beside_the_field(client, changes, field, message):
    response = enter(client, values(**changes))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert not SupportAccount.objects.exists() and not Mail.objects.exists()
    assert FLOW not in client.session.get(SESSION_KEY, {})  # no draft: nothing to submit
    html = response.content.decode()
    assert "maxlength" not in html
    assert PASSWORD not in html and TOO_LONG not in html  # passwords never rendered back


def test_x5_s2_no_composition_rules_any_characters_8_to_64(client):
    """NIST SP 800-63B: no composition rules; spaces and Japanese count as characters."""
    for password in ("すずめのなみだ八つ", "all lower case words", "x" * 7 + "y", "ぱ" * 64):
        response = enter(client, values(password=password, password_confirm=password))
        assert "登録する" in response.content.decode(), password


def test_x5_s2_registration_empty_post_and_garbage_never_500(client):
    response = client.post("/support/register/", {})
    assert response.status_code == 200
    assert field_errors(response, "email") == ["メールアドレスを入力してください。"]
    response = client.post(
        "/support/register/",
        {**values(), "birth_year": ["1990", "1991"], "email": "x" * 300 + "@example.com"},
    )
    assert response.status_code == 200
    assert field_errors(response, "email") == ["メールアドレスは254文字以内で入力してください。"]
    assert control(response, "email")  # the form is shown again


def test_x5_s2_address_is_any_domain_and_stored_lower_case(client):
    response = enter(
        client,
        values(email="Taro.Yamada@Mail.Example.JP", email_confirm="taro.yamada@mail.example.jp"),
    )
    assert "登録する" in response.content.decode()
    assert client.session[SESSION_KEY][FLOW]["data"]["email"] == "taro.yamada@mail.example.jp"
