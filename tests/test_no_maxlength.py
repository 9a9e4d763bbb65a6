"""Issue 6, defect 3 (the general part): no page lets the browser cut what people type.

Every form is rendered by ``madoguchi.lib.forms.FormRenderer`` (``FORM_RENDERER``), which
leaves ``maxlength`` out; ``assert_no_input_limits`` checks the rendered pages. The walk is
the access matrix's, so new pages are covered as they are added there.
"""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from test_access_matrix import Objects, people, routes  # noqa: F401 (fixture)

from madoguchi.contracts.tests.pages import field_errors, login_data
from madoguchi.testing.html import assert_no_input_limits

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["anonymous", "customer", "kanrisha"])
def test_issue6_defect3_no_page_carries_maxlength(people, role):  # noqa: F811 (the fixture)
    objects = Objects(people["customer"])
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    pages = 0
    for route in routes():
        url, _ = objects.url(route.route)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert_no_input_limits(response)
            pages += 1
    assert pages >= {"anonymous": 2, "customer": 10, "kanrisha": 30}[role]


def test_issue6_defect3_a_free_mailbox_slot_form_carries_no_maxlength(customer_client):
    response = customer_client.get(reverse("mailboxes:add", args=[3]))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert_no_input_limits(response)


def test_issue6_defect3_the_server_still_refuses_an_overlong_login_id(client):
    """Without the browser's limit the form's own message answers (D1.1)."""
    response = client.post(reverse("desk:login"), login_data("a" * 33 + "@biz.example.ne.jp", "x"))
    assert response.status_code == 200
    assert field_errors(response, "login_id") == ["認証IDは32文字以内で入力してください。"]


def test_issue6_defect3_the_renderer_drops_explicit_and_implied_maxlength():
    class Form(forms.Form):
        implied = forms.CharField(max_length=16)
        explicit = forms.CharField(widget=forms.Textarea(attrs={"maxlength": 200, "rows": 3}))

    html = Form().as_div()
    assert_no_input_limits(html)
    assert 'rows="3"' in html  # other attributes stay


def test_issue6_defect3_the_helper_catches_maxlength():
    with pytest.raises(AssertionError, match='name="password" maxlength="16"'):
        assert_no_input_limits('<form><input type="password" name="password" maxlength="16">')
    with pytest.raises(AssertionError, match="textarea"):
        assert_no_input_limits('<textarea name="reason" maxlength="200"></textarea>')
