"""X5: bad input in every field of the mailbox pages (D4.2, D4.4, D4.5).

Each bad value gets a Japanese message beside its field, the rest of the input is kept
(passwords never), nothing is stored, nothing is echoed unescaped, and nothing answers 500.
"""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.bad_input import BAD_VALUES, SCRIPT
from madoguchi.contracts.tests.pages import JAPANESE
from madoguchi.mailboxes.forms import PATTERN_REQUIRED, VIRUS_REQUIRED, ConfirmMailForm
from madoguchi.mailboxes.models import AccountName, MailboxOrder
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES, PASSWORD_MAX, PASSWORD_MESSAGES
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    NEW_PASSWORD,
    account_and_virus,
    account_only,
    add_data,
    add_url,
    all_errors,
    change_url,
    checked_values,
    errors_beside,
    pattern_errors,
    post_confirm,
    value_of,
    virus_only,
)

pytestmark = pytest.mark.django_db

ACCOUNT_LABEL = "メールアカウント"
PASSWORD_LABEL = "メールパスワード"
CONFIRM_LABEL = "メールパスワード(確認の為再入力)"
ECHOED = {"full_width", "html", "sql", "overlong"}  # values kept as typed for correcting


def expected(field: str, case: str) -> list[str] | None:
    """The exact messages where certain; None where several rules may apply."""
    if field == "virus_check":
        return [VIRUS_REQUIRED]
    label = {"account": ACCOUNT_LABEL, "password": PASSWORD_LABEL}.get(field, CONFIRM_LABEL)
    if case == "empty":
        return [f"{label}を入力してください。"]
    if case == "nul":
        return [f"{label}に使用できない制御文字が含まれています。"]
    if case == "overlong" or (field != "account" and len(BAD_VALUES[case]) > PASSWORD_MAX):
        return [ACCOUNT_MESSAGES["length"] if field == "account" else PASSWORD_MESSAGES["length"]]
    if field == "password_confirm":
        return [PASSWORD_MESSAGES["mismatch"]]
    return None


def allowed(field: str) -> set[str]:
    if field == "account":
        return set(ACCOUNT_MESSAGES.values())
    return set(PASSWORD_MESSAGES.values())


def stored_nothing(client):
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg"}
    assert client.get(CONFIRM).status_code == 302  # no draft: back to the list


def check_response(response, name: str, field: str, case: str):
    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body
    errors = errors_beside(response, name)
    assert errors, (name, case)
    assert all(JAPANESE.search(message) for message in errors), errors
    exact = expected(field, case)
    if exact is not None:
        assert errors == exact, (name, case)
    else:
        assert set(errors) <= allowed(field), errors
    # Passwords are never echoed back.
    for control in ("password", "password_confirm"):
        prefixed = name.rpartition("-")[0]
        key = f"{prefixed}-{control}" if prefixed else control
        assert value_of(response, key) is None
    assert NEW_PASSWORD not in body
    return errors


FIELDS = ["account", "password", "password_confirm", "virus_check"]


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", FIELDS)
def test_x5_bad_input_on_the_add_page(customer_client, mailbox, field, case):
    data = add_data("hijklmn", on=True)
    data[field] = BAD_VALUES[case]
    response = customer_client.post(add_url(2), data)
    check_response(response, field, field, case)
    # The rest of the input is kept.
    if field != "account":
        assert value_of(response, "account") == "hijklmn"
    elif case in ECHOED:
        assert value_of(response, "account") == BAD_VALUES[case]
    if field != "virus_check":
        assert checked_values(response, "virus_check") == ["1"]
    stored_nothing(customer_client)


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", FIELDS)
def test_x5_bad_input_in_pattern_b_on_the_change_page(customer_client, mailbox, field, case):
    data = account_and_virus("opqrstu", True)
    data[f"both-{field}"] = BAD_VALUES[case]
    response = customer_client.post(change_url(1), data)
    check_response(response, f"both-{field}", field, case)
    assert checked_values(response, "pattern") == ["both"]
    if field != "account":
        assert value_of(response, "both-account") == "opqrstu"
    if field != "virus_check":
        assert checked_values(response, "both-virus_check") == ["1"]
    stored_nothing(customer_client)


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", FIELDS[:3])
def test_x5_bad_input_in_pattern_c_on_the_change_page(customer_client, mailbox, field, case):
    data = account_only("opqrstu")
    data[f"account-{field}"] = BAD_VALUES[case]
    response = customer_client.post(change_url(1), data)
    check_response(response, f"account-{field}", field, case)
    if field != "account":
        assert value_of(response, "account-account") == "opqrstu"
    stored_nothing(customer_client)


@pytest.mark.parametrize("case", BAD_VALUES)
def test_x5_bad_input_in_pattern_a_on_the_change_page(customer_client, mailbox, case):
    data = virus_only(True)
    data["virus-virus_check"] = BAD_VALUES[case]
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 200
    assert errors_beside(response, "virus-virus_check") == [VIRUS_REQUIRED]
    assert SCRIPT not in response.content.decode()
    stored_nothing(customer_client)


@pytest.mark.parametrize("case", BAD_VALUES)
def test_x5_bad_pattern_on_the_change_page(customer_client, mailbox, case):
    data = account_only("opqrstu")
    data["pattern"] = BAD_VALUES[case]
    response = customer_client.post(change_url(1), data)
    assert response.status_code == 200
    assert pattern_errors(response) == [PATTERN_REQUIRED]
    assert all_errors(response) == [PATTERN_REQUIRED]
    assert SCRIPT not in response.content.decode()
    # Nothing was read, but what was typed is shown again (never the passwords).
    assert value_of(response, "account-account") == "opqrstu"
    assert value_of(response, "account-password") is None
    stored_nothing(customer_client)


@pytest.mark.parametrize("case", BAD_VALUES)
def test_x5_bad_mail_to_on_the_confirm_page(customer_client, mailbox, case):
    customer_client.post(change_url(1), account_only("opqrstu"))
    response = post_confirm(customer_client, {"mail_to": [BAD_VALUES[case]]})
    assert response.status_code == 200
    assert errors_beside(response, "mail_to") == [
        ConfirmMailForm.base_fields["mail_to"].error_messages["invalid_choice"]
    ]
    assert SCRIPT not in response.content.decode()
    assert not Application.objects.exists()
    assert not AccountName.objects.filter(name="opqrstu").exists()
    # The checkboxes are offered again as they were: the current address.
    assert checked_values(response, "mail_to") == []
    assert value_of(response, "mail_to") == "abcdefg@arrow.example.ne.jp"


def test_x5_html_in_the_account_is_echoed_escaped(customer_client):
    response = customer_client.post(add_url(1), add_data(SCRIPT))
    body = response.content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
