"""X5: bad input in every field of the desk login form (D1.1, D1.2)."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.bad_input import BAD_VALUES, SCRIPT
from madoguchi.contracts.tests.pages import (
    JAPANESE,
    attr,
    control,
    field_errors,
    form_errors,
    selected_option,
)
from madoguchi.contracts.views import INVALID_LOGIN
from madoguchi.throttling.models import LoginFailure

pytestmark = pytest.mark.django_db

FIELDS = ("login_id", "realm", "password")
# A password in a valid form is simply a wrong password: the generic message (D1.2); so is
# an overlong one (issue 6, defect 11).
GENERIC = {
    ("password", "full_width"),
    ("password", "html"),
    ("password", "sql"),
    ("password", "overlong"),
}
CONTROL = {"nul", "escape", "rtl_override"}


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", FIELDS)
def test_x5_bad_login_input_gets_a_japanese_message_and_changes_nothing(
    client, customer, password, field, case
):
    data = {"login_id": customer.login_id, "realm": customer.realm, "password": password}
    data[field] = BAD_VALUES[case]
    response = client.post(reverse("desk:login"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body
    errors = {name: field_errors(response, name) for name in FIELDS}
    if (field, case) in GENERIC:
        assert form_errors(response) == [INVALID_LOGIN]
        assert errors == {name: [] for name in FIELDS}
    else:
        assert errors[field], errors
        assert all(JAPANESE.search(message) for message in errors[field]), errors
        if case in CONTROL and field != "realm":
            label = {"login_id": "認証ID", "password": "パスワード"}[field]
            assert errors[field] == [f"{label}に使用できない制御文字が含まれています。"]
        assert {name: e for name, e in errors.items() if name != field} == {
            name: [] for name in FIELDS if name != field
        }
    # The other input is kept, the password never.
    if field != "login_id":
        assert attr(control(response, "login_id"), "value") == customer.login_id
    if field != "realm":
        assert selected_option(response, "realm") == customer.realm
    assert attr(control(response, "password"), "value") is None
    if BAD_VALUES[case]:
        assert password not in body
    # Nothing stored: no session, no audit row; a failed attempt only for a wrong password.
    assert not Session.objects.exists()
    assert not AuditEntry.objects.exists()
    expected_attempts = 1 if (field, case) in GENERIC else 0
    assert LoginFailure.objects.count() == expected_attempts


@pytest.mark.parametrize("case", ["html", "sql", "full_width"])
def test_x5_login_id_is_kept_escaped(client, case):
    value = BAD_VALUES[case]
    response = client.post(
        reverse("desk:login"),
        {"login_id": value, "realm": "biz.example.ne.jp", "password": "x"},
    )
    assert attr(control(response, "login_id"), "value") == value
    assert SCRIPT not in response.content.decode()
