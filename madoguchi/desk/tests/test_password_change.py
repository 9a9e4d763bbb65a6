"""D3: the network authentication password change (入力 → 確認 → 完了), X1, X2."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import (
    attr,
    by_id,
    control,
    dom,
    field_box,
    field_errors,
    find_all,
    form_errors,
    is_logged_in,
    page_text,
    post_login,
    text,
)
from madoguchi.desk.forms import MESSAGES
from madoguchi.desk.views import PASSWORD_FLOW
from madoguchi.lib.passwords import SYMBOLS
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.drafts import with_draft_token

NEW = "Abc-1234"
FIELDS = ("current_password", "new_password", "new_password_confirm")
START = datetime(2024, 1, 11, 0, 5, tzinfo=UTC)  # 09:05 in Tokyo, a Thursday


def submit(client, current, new, confirm=None):
    return client.post(
        reverse("desk:password"),
        {
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if confirm is None else confirm,
        },
    )


def change(client, current, new):
    """Input, then 登録: returns the response of the final POST."""
    response = submit(client, current, new)
    assert response.status_code == 302, field_errors_of(response)
    return client.post(
        reverse("desk:password_confirm"), with_draft_token(client, "network_password")
    )


def field_errors_of(response) -> dict[str, list[str]]:
    return {name: field_errors(response, name) for name in FIELDS}


def has_draft(client) -> bool:
    return PASSWORD_FLOW.name in client.session.get("drafts", {})


def assert_nothing_stored(client, user, password):
    user.refresh_from_db()
    assert user.check_password(password)
    assert user.password_changed_at is None
    assert not Application.objects.exists()
    assert not RadCheck.objects.exists()
    assert not has_draft(client)


# --- D3.1 the input page --------------------------------------------------------------------


@pytest.mark.django_db
def test_d3_1_input_page_shows_the_id_three_fields_and_the_caution_box(customer_client, customer):
    response = customer_client.get(reverse("desk:password"))
    assert response.status_code == 200
    root = dom(response)
    assert text(by_id(root, "login-id")) == customer.username
    labels = [
        text(find_all(field_box(root, name), lambda e: e.name == "label")[0]) for name in FIELDS
    ]
    assert labels == [
        "現在の認証パスワード <必須>",
        "新しい認証パスワード <必須>",
        "新しい認証パスワード(確認用) <必須>",
    ]
    for name in FIELDS:
        assert attr(control(response, name), "type") == "password"
    caution = by_id(root, "caution")
    assert [text(li) for li in find_all(caution, lambda e: e.name == "li")] == [
        "認証パスワードは6文字以上8文字以下の文字列にしてください。",
        "新しい認証パスワードは、2文字以上のアルファベットと1文字以上の数字、又は記号を用いて作成してください。",
        "認証パスワードに使用可能な文字は以下の通りです。 "
        "〔A-Z〕〔a-z〕〔0-9〕!$%&'()*+,-./;<=>?[]^_{}`~",
        "新しい認証パスワードが有効となるまで、最大5分程度かかる場合があります。あらかじめご了承ください。",
        "パスワード変更後、約1時間、パスワードの変更は実施できません。",
    ]
    assert text(find_all(caution, lambda e: e.name == "h3")[0]) == "ご注意"


@pytest.mark.django_db
def test_x1_step_indicator_marks_each_step(customer_client, password):
    def current_step(response):
        steps = find_all(
            dom(response), lambda e: e.name == "ol" and "steps" in (attr(e, "class") or "")
        )
        assert [text(li) for li in steps[0].children] == ["STEP1 入力", "STEP2 確認", "STEP3 完了"]
        return [text(li) for li in steps[0].children if attr(li, "aria-current") == "step"]

    assert current_step(customer_client.get(reverse("desk:password"))) == ["STEP1 入力"]
    submit(customer_client, password, NEW)
    assert current_step(customer_client.get(reverse("desk:password_confirm"))) == ["STEP2 確認"]
    complete = customer_client.post(
        reverse("desk:password_confirm"),
        with_draft_token(customer_client, "network_password"),
        follow=True,
    )
    assert current_step(complete) == ["STEP3 完了"]


# --- D3.2 every rule with its own message, nothing stored -----------------------------------

M = MESSAGES
RULE_CASES = {
    "length_5": ("Abc-1", {"new_password": [M["length"]]}),
    "length_9": ("Abc-12345", {"new_password": [M["length"]]}),
    "full_width_letters": ("Ａｂｃ-123", {"new_password": [M["characters"], M["composition"]]}),
    "full_width_digit": ("Abc-12３", {"new_password": [M["characters"]]}),
    "space": ("Abc 123", {"new_password": [M["characters"]]}),
    "hash": ("Abc#123", {"new_password": [M["characters"]]}),
    "at": ("Abc@123", {"new_password": [M["characters"]]}),
    "double_quote": ('Abc"123', {"new_password": [M["characters"]]}),
    "backslash": ("Abc\\123", {"new_password": [M["characters"]]}),
    "pipe": ("Abc|123", {"new_password": [M["characters"]]}),
    "colon": ("Abc:123", {"new_password": [M["characters"]]}),
    "one_letter_only": ("a123456", {"new_password": [M["composition"]]}),
    "digits_only": ("1234567", {"new_password": [M["composition"]]}),
    "letters_only": ("abcdefg", {"new_password": [M["composition"]]}),
    "symbols_only": ("!$%&'()", {"new_password": [M["composition"]]}),
    "too_short_and_one_letter": ("a1", {"new_password": [M["length"], M["composition"]]}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", RULE_CASES, ids=list(RULE_CASES))
def test_d3_2_each_rule_has_its_own_message_and_nothing_is_stored(
    customer_client, customer, password, case
):
    new, expected = RULE_CASES[case]
    response = submit(customer_client, password, new)
    assert response.status_code == 200
    assert field_errors_of(response) == {name: expected.get(name, []) for name in FIELDS}
    assert form_errors(response) == []
    # Passwords are never echoed back. Hidden inputs hold random tokens (CSRF, the draft's
    # key), which may contain a short password's characters by chance: they are left out.
    page = re.sub(r"<input type=\"hidden\"[^>]*>", "", response.content.decode())
    assert new not in page
    assert_nothing_stored(customer_client, customer, password)


@pytest.mark.django_db
def test_d3_2_mismatch_is_shown_beside_the_confirmation(customer_client, customer, password):
    response = submit(customer_client, password, NEW, "Abc-1235")
    assert field_errors_of(response) == {
        "current_password": [],
        "new_password": [],
        "new_password_confirm": [M["mismatch"]],
    }
    assert_nothing_stored(customer_client, customer, password)


@pytest.mark.django_db
def test_d3_2_wrong_current_password(customer_client, customer, password):
    response = submit(customer_client, "Wrong-12", NEW)
    assert field_errors_of(response) == {
        "current_password": [M["wrong_current"]],
        "new_password": [],
        "new_password_confirm": [],
    }
    assert_nothing_stored(customer_client, customer, password)


@pytest.mark.django_db
def test_d3_2_new_password_same_as_current(customer_client, customer, password):
    response = submit(customer_client, password, password)
    assert field_errors_of(response) == {
        "current_password": [],
        "new_password": [M["same_as_current"]],
        "new_password_confirm": [],
    }
    assert_nothing_stored(customer_client, customer, password)


@pytest.mark.django_db
def test_d3_2_several_broken_rules_show_all_their_messages(customer_client, customer, password):
    response = submit(customer_client, "Wrong-12", "a ", "x")
    assert field_errors_of(response) == {
        "current_password": [M["wrong_current"]],
        "new_password": [M["length"], M["characters"], M["composition"]],
        "new_password_confirm": [M["mismatch"]],
    }
    assert_nothing_stored(customer_client, customer, password)


VALID = ["Abc-12", "Abcd-123", "ab1cdefg", "AB1234", "1234ab", *(f"ab{s}def" for s in SYMBOLS)]


@pytest.mark.django_db
@pytest.mark.parametrize("new", VALID)
def test_d3_2_valid_passwords_go_to_confirm_and_change_nothing_yet(
    customer_client, customer, password, new
):
    response = submit(customer_client, password, new)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:password_confirm")
    assert has_draft(customer_client)
    customer.refresh_from_db()
    assert customer.check_password(password)
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_d3_2_every_symbol_of_the_seed_is_allowed():
    assert sorted(SYMBOLS) == sorted("!$%&'()*+,-./;<=>?[]^_{}`~")


# --- X1 back from confirm; nothing changed before 登録 --------------------------------------


@pytest.mark.django_db
def test_x1_back_from_confirm_returns_to_input_with_empty_password_fields(
    customer_client, customer, password
):
    submit(customer_client, password, NEW)
    confirm = customer_client.get(reverse("desk:password_confirm"))
    assert confirm.status_code == 200
    assert (
        "パスワードを変更します。よろしければ、「登録」ボタンをクリックしてください。"
        in page_text(confirm)
    )
    assert NEW not in confirm.content.decode()
    back = [a for a in find_all(dom(confirm), lambda e: e.name == "a") if text(a) == "◀ 戻る"]
    assert len(back) == 1
    response = customer_client.get(attr(back[0], "href"))
    assert response.status_code == 200
    for name in FIELDS:
        assert attr(control(response, name), "value") is None
    assert NEW not in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(password)
    assert customer.password_changed_at is None
    assert not Application.objects.exists()
    # Input again, then 登録: the new values count.
    response = change(customer_client, password, "Xyz-9876")
    customer.refresh_from_db()
    assert customer.check_password("Xyz-9876")


@pytest.mark.django_db
def test_x1_confirm_without_input_goes_back_to_input(customer_client):
    response = customer_client.get(reverse("desk:password_confirm"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:password")
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    assert response["Location"] == reverse("desk:password")
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_x1_a_draft_older_than_30_minutes_is_not_submitted(
    customer_client, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    submit(customer_client, password, NEW)
    time_machine.shift(timedelta(minutes=20))
    customer_client.get(reverse("desk:status"))  # the session stays alive
    time_machine.shift(timedelta(minutes=11))
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    assert response["Location"] == reverse("desk:password")
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)


# --- D3.3 cooldown ------------------------------------------------------------------------


@pytest.mark.django_db
def test_d3_3_cooldown_says_when_a_change_is_possible_again(
    customer_client, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    change(customer_client, password, NEW)
    time_machine.shift(timedelta(minutes=59, seconds=59))
    # The session has been idle too long by now: the customer logs in again.
    assert post_login(customer_client, customer.username, NEW).status_code == 302
    response = customer_client.get(reverse("desk:password"))
    cooldown = text(by_id(dom(response), "cooldown"))
    assert cooldown == (
        "認証パスワードは変更後、約1時間は変更できません。 "
        "2024/01/11(木) 10:05 以降に再度お手続きください。"
    )
    assert not find_all(dom(response), lambda e: attr(e, "name") == "current_password")
    # A POST made anyway (an old tab) changes nothing and stores no draft.
    response = submit(customer_client, NEW, "Xyz-9876")
    assert response.status_code == 200
    assert "2024/01/11(木) 10:05 以降" in page_text(response)
    assert not has_draft(customer_client)
    customer.refresh_from_db()
    assert customer.check_password(NEW)
    assert Application.objects.count() == 1


@pytest.mark.django_db
def test_d3_3_a_change_is_possible_again_after_one_hour(
    customer_client, customer, password, time_machine
):
    time_machine.move_to(START, tick=False)
    change(customer_client, password, NEW)
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert post_login(customer_client, customer.username, NEW).status_code == 302
    response = customer_client.get(reverse("desk:password"))
    assert not find_all(dom(response), lambda e: attr(e, "id") == "cooldown")
    response = change(customer_client, NEW, "Xyz-9876")
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("Xyz-9876")
    assert Application.objects.count() == 2


@pytest.mark.django_db
def test_d3_4_a_change_logs_out_the_customers_other_sessions(customer_client, customer, password):
    """A draft made in another browser cannot be confirmed once the password has changed."""
    other_browser = Client()
    other_browser.force_login(customer)
    submit(other_browser, password, "Xyz-9876")
    change(customer_client, password, NEW)
    response = other_browser.post(
        reverse("desk:password_confirm"), with_draft_token(other_browser, "network_password")
    )
    assert response["Location"].startswith(reverse("desk:login"))
    assert not is_logged_in(other_browser)
    customer.refresh_from_db()
    assert customer.check_password(NEW)
    assert Application.objects.count() == 1
    # The browser that made the change stays logged in.
    assert customer_client.get(reverse("desk:status")).status_code == 200


# --- D3.4 the portal uses the new password at once ----------------------------------------


@pytest.mark.django_db
def test_d3_4_portal_login_uses_the_new_password_at_once(customer_client, customer, password):
    change(customer_client, password, NEW)
    client = Client()  # another browser
    # The session that made the change stays logged in.
    assert customer_client.get(reverse("desk:status")).status_code == 200
    assert post_login(client, customer.username, password).status_code == 200
    assert not is_logged_in(client)
    assert post_login(client, customer.username, NEW).status_code == 302
    assert is_logged_in(client)


@pytest.mark.django_db
def test_d3_4_completion_page_says_up_to_5_minutes_and_routers(customer_client, password):
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    submit(customer_client, password, NEW)
    response = customer_client.post(
        reverse("desk:password_confirm"),
        with_draft_token(customer_client, "network_password"),
        follow=True,
    )
    application = Application.objects.get()
    content = page_text(response)
    assert "認証パスワード変更のお申込みを受け付けました。" in content
    assert text(by_id(dom(response), "application-number")) == application.number
    assert "最大5分程度かかる場合があります" in content
    assert "ルーター等のネットワーク機器に設定している認証パスワードも" in content


# --- D3.5 the stored hash -----------------------------------------------------------------


@pytest.mark.django_db
def test_d3_5_production_hasher_stores_argon2id_at_owasp_parameters(
    customer_client, customer, password, settings, django_capture_on_commit_callbacks
):
    """The customer's hash was made by the cheap test hasher: checking it must not log out."""
    settings.PASSWORD_HASHERS = ["madoguchi.contracts.hashers.OwaspArgon2PasswordHasher"]
    with django_capture_on_commit_callbacks(execute=True):
        response = change(customer_client, password, NEW)
    assert response["Location"].startswith("/desk/password/complete/")
    customer.refresh_from_db()
    assert customer.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert NEW not in customer.password
    assert customer.check_password(NEW)
    radius = RadCheck.objects.get(username=customer.username)
    assert radius.value.startswith("$6$") and NEW not in radius.value
    application = Application.objects.get()
    assert NEW not in str(application.before) + str(application.after) + str(application.work)


@pytest.mark.django_db
def test_d3_5_owasp_hasher_parameters():
    from madoguchi.contracts.hashers import OwaspArgon2PasswordHasher

    hasher = OwaspArgon2PasswordHasher()
    encoded = hasher.encode(NEW, hasher.salt())
    decoded = hasher.decode(encoded)
    assert decoded["variety"] == "argon2id"
    assert (decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]) == (19456, 2, 1)
    assert hasher.verify(NEW, encoded)
    assert not hasher.must_update(encoded)


# --- X2 exactly once; another customer's completion page ---------------------------------


@pytest.mark.django_db
def test_x2_double_post_reload_and_replay_make_one_application_and_one_mail(
    customer_client, customer, password, mailoutbox, django_capture_on_commit_callbacks
):
    submit(customer_client, password, NEW)
    with django_capture_on_commit_callbacks(execute=True):
        first = customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        )
    application = Application.objects.get()
    complete_url = reverse("desk:password_complete", args=[application.pk])
    assert first["Location"] == complete_url
    with django_capture_on_commit_callbacks(execute=True):
        second = customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        )  # double click
        for _ in range(2):  # reload of the completion page
            assert customer_client.get(complete_url).status_code == 200
        replay = customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        )  # back + resend
    assert second.status_code == replay.status_code == 302
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [customer.contract.contact_email]
    assert NEW not in mailoutbox[0].body
    customer.refresh_from_db()
    assert customer.check_password(NEW)


@pytest.mark.django_db
def test_x2_other_customers_completion_page_is_404(customer_client, other_customer, password):
    change(customer_client, password, NEW)
    application = Application.objects.get()
    client = Client()
    client.force_login(other_customer)
    response = client.get(reverse("desk:password_complete", args=[application.pk]))
    assert response.status_code == 404
    assert application.number not in response.content.decode()
    missing = client.get(reverse("desk:password_complete", args=[application.pk + 1000]))
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_d3_valid_change_publishes_and_mails(customer_client, customer, password, mailoutbox):
    """D3.3–D3.5, P1, X4: a valid change creates one application, publishes, mails."""
    response = submit(customer_client, password, NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:password_confirm")
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    application = Application.objects.get()
    assert response["Location"] == reverse("desk:password_complete", args=[application.pk])
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.submitted_by == customer
    assert application.kind == "network_password"
    row = RadCheck.objects.get(username=customer.username)
    assert row.attribute == "Crypt-Password" and row.value.startswith("$6$")
    assert len(mailoutbox) == 1
    assert NEW not in mailoutbox[0].body
    # X2: the same final POST again creates nothing.
    customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    assert Application.objects.count() == 1
    assert len(mailoutbox) == 1
    assert get_user_model().objects.get(pk=customer.pk).check_password(NEW)
