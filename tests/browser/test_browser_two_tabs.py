"""X1, X2 in a real browser: two tabs of one session. 「登録」 on the older tab's confirm page
never sets the password typed in the newer tab (the confirm page cannot show a password): the
customer starts over at the input step, and nothing changes until a password is confirmed
in the tab where it was typed."""

import re

import pytest
from playwright.sync_api import expect

from madoguchi.applications.models import Application
from madoguchi.lib.drafts import RESTART_MESSAGE
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser


def enter_password(page, current: str, new: str) -> None:
    page.goto("/desk/password/")
    page.get_by_label("現在の認証パスワード").fill(current)
    page.get_by_label(re.compile(r"^新しい認証パスワード\s*<必須>$")).fill(new)
    page.get_by_label("新しい認証パスワード(確認用)").fill(new)
    submit(page, page.get_by_role("button", name="次へ"))
    expect(page).to_have_url(re.compile(r"/desk/password/confirm/$"))


def test_x2_older_tab_register_starts_over_and_changes_nothing(page, log_in, customer, password):
    log_in(page, customer.username, password)
    tab_a = page
    tab_b = page.context.new_page()
    enter_password(tab_a, password, "Tab-A111")
    enter_password(tab_b, password, "Tab-B222")

    submit(tab_a, tab_a.get_by_role("button", name="登録"))

    expect(tab_a).to_have_url(re.compile(r"/desk/password/$"))
    expect(tab_a.get_by_role("alert")).to_contain_text(RESTART_MESSAGE)
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)

    # Tab B's 「登録」 submits nothing either: its draft went with tab A's restart.
    submit(tab_b, tab_b.get_by_role("button", name="登録"))
    expect(tab_b).to_have_url(re.compile(r"/desk/password/$"))
    assert not Application.objects.exists()

    # Typed again and confirmed in one tab, the change goes through.
    enter_password(tab_b, password, "Tab-B222")
    submit(tab_b, tab_b.get_by_role("button", name="登録"))
    expect(tab_b).to_have_url(re.compile(r"/desk/password/complete/\d+/$"))
    customer.refresh_from_db()
    assert customer.check_password("Tab-B222")
