"""X5: bad input in every field of the password change form (D3.1, D3.2)."""

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.bad_input import BAD_VALUES, SCRIPT
from madoguchi.contracts.tests.pages import JAPANESE, attr, control, field_errors
from madoguchi.desk.forms import MESSAGES
from madoguchi.desk.views import PASSWORD_FLOW
from madoguchi.provisioning.models import RadCheck

pytestmark = pytest.mark.django_db

NEW = "Abc-1234"
LABELS = {
    "current_password": "現在の認証パスワード",
    "new_password": "新しい認証パスワード",
    "new_password_confirm": "新しい認証パスワード(確認用)",
}
CONTROL = {"nul", "escape", "rtl_override"}


def expected_message(field: str, case: str) -> str | None:
    """The first message beside the field, where it is certain."""
    label = LABELS[field]
    if case == "empty":
        return f"{label}を入力してください。"
    if case == "overlong":
        return f"{label}は128文字以内で入力してください。"
    if case == "nul":
        return f"{label}に使用できない制御文字が含まれています。"
    if field == "current_password":
        if case in CONTROL:
            return f"{label}に使用できない制御文字が含まれています。"
        return MESSAGES["wrong_current"]
    if field == "new_password_confirm":
        return MESSAGES["mismatch"]
    return None  # new_password: one or more D3.2 rule messages


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", LABELS)
def test_x5_bad_password_form_input_gets_a_japanese_message_and_stores_nothing(
    customer_client, customer, password, field, case
):
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    data[field] = BAD_VALUES[case]
    response = customer_client.post(reverse("desk:password"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body
    errors = field_errors(response, field)
    assert errors and all(JAPANESE.search(message) for message in errors), errors
    expected = expected_message(field, case)
    if expected is not None:
        assert errors[0] == expected
    if field == "new_password" and case not in {"empty", "overlong", "nul"}:
        assert set(errors) <= {MESSAGES["length"], MESSAGES["characters"], MESSAGES["composition"]}
    # Passwords are never echoed back, neither the bad one nor the others.
    for name in LABELS:
        assert attr(control(response, name), "value") is None
    assert password not in body and NEW not in body
    # Nothing stored.
    customer.refresh_from_db()
    assert customer.check_password(password)
    assert customer.password_changed_at is None
    assert not Application.objects.exists()
    assert not RadCheck.objects.exists()
    assert PASSWORD_FLOW.name not in customer_client.session.get("drafts", {})
