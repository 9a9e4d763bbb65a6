"""S3 in a real browser: a support ID chooses products, kinds, weekdays and hours; adds a
destination (仮登録), reads the 仮登録確認メール from a real local SMTP server, opens its
link on another device and presses the button (有効); re-adding a pending address within
30 minutes answers 「すでに登録されています」; a 4th destination from a tab opened earlier is
refused. Both pages at 1280 and 360 px (no sideways scroll), no CSP violation."""

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from madoguchi.alerts.models import AlertSettings, Destination
from madoguchi.alerts.tests.factories import make_product, make_support_account
from madoguchi.testing.workers import wait_for
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LINK = re.compile(r"https?://\S+/support/mymenu/mail/destinations/confirm/\S+/")


def required(label: str):
    return re.compile(rf"^{re.escape(label)}\s*<必須>$")


def logged_in(new_page, live_server, user, **options) -> Page:
    """A browser holding the session of ``user`` (logged in with the test client)."""
    client = Client()
    client.force_login(user)
    page = new_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def expect_fits(page: Page, what: str) -> None:
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{what}: the page scrolls sideways: {widths}"


def add_destination(page: Page, address: str):
    page.get_by_label(required("メールアドレス")).fill(address)
    page.get_by_label(required("メールアドレス（確認用）")).fill(address)
    return submit(page, page.get_by_role("button", name="追加する"))


def test_browser_s3_settings_and_destinations(new_page, live_server, smtp_server, screenshot_dir):
    make_product("b-fiber", "ブラウザ光アクセス", order=1)
    make_product("b-mail", "ブラウザメール", order=2)
    account = make_support_account("browser@example.com")
    page = logged_in(new_page, live_server, account.user, **DESKTOP)

    # Settings: nothing chosen yet, so the page warns; then Monday and Friday, 9時台 and 18時台.
    page.goto("/support/mymenu/mail/")
    expect(page.get_by_role("heading", level=1)).to_have_text("工事・故障情報メールの設定")
    expect(page.locator("#no-products")).to_have_text(
        "商品が1つも選択されていないため、工事・故障情報メールは配信されません。"
    )
    expect(page.locator("#window-note")).to_have_text(
        "配信希望曜日・時間帯以外に掲載された情報は、メール配信されません。"
    )
    page.screenshot(path=screenshot_dir / "alerts-settings-1280.png", full_page=True)
    page.get_by_label("ブラウザ光アクセス").check()
    page.get_by_label("故障情報", exact=True).uncheck()
    for day in "火水木土日":
        page.get_by_label(day, exact=True).uncheck()
    for hour in range(24):
        if hour not in (9, 18):
            page.get_by_label(f"{hour}時台", exact=True).uncheck()
    submit(page, page.get_by_role("button", name="設定を保存する"))
    expect(page.locator("#message")).to_have_text("設定を保存しました。")
    expect(page.locator("#no-products")).to_have_count(0)
    expect(page.get_by_label("9時台", exact=True)).to_be_checked()
    expect(page.get_by_label("10時台", exact=True)).not_to_be_checked()
    row = AlertSettings.objects.get(account=account)
    assert (row.weekdays, row.hours) == (0b10001, (1 << 9) | (1 << 18))
    assert (row.maintenance, row.outage) == (True, False)

    # No hour at all: the message beside the field, nothing saved.
    page.get_by_label("9時台", exact=True).uncheck()
    page.get_by_label("18時台", exact=True).uncheck()
    submit(page, page.get_by_role("button", name="設定を保存する"))
    expect(page.locator("#id_hours_errors")).to_have_text("配信時間帯を1つ以上選択してください。")
    assert AlertSettings.objects.get(account=account).hours == (1 << 9) | (1 << 18)

    # A destination: 仮登録, then the mail's link opened on another device → 有効.
    page.get_by_role("navigation", name="工事・故障情報メール").get_by_role(
        "link", name="配信先メールアドレス"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工事・故障情報メールの配信先")
    add_destination(page, "first@example.com")
    expect(page.locator("#destination-1 .badge")).to_have_text("仮登録")
    expect(page.locator("#destination-1")).to_contain_text("までに開き、登録を完了してください")
    wait_for(lambda: len(smtp_server.received) == 1, timeout=20)
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["first@example.com"]
    link = LINK.search(mail.text).group(0)

    phone = new_page(**PHONE)  # the mail is read on a phone, not logged in
    phone.goto(link)
    expect(phone.locator("#confirmation-address")).to_have_text("first@example.com")
    expect_fits(phone, "confirm page")
    phone.screenshot(path=screenshot_dir / "alerts-confirm-360.png", full_page=True)
    submit(phone, phone.get_by_role("button", name="配信先として登録する"))
    expect(phone.locator("#link-state")).to_contain_text("配信先として登録しました")
    page.reload()
    expect(page.locator("#destination-1 .badge")).to_have_text("有効")

    # Re-adding a pending address within 30 minutes: already registered, nothing sent.
    add_destination(page, "second@example.com")
    expect(page.locator("#destination-2 .badge")).to_have_text("仮登録")
    add_destination(page, "second@example.com")
    expect(page.locator("#id_address_errors")).to_contain_text("すでに登録されています")
    wait_for(lambda: len(smtp_server.received) == 2, timeout=20)
    assert Destination.objects.filter(address="second@example.com").count() == 1

    # A tab opened now still shows the add form after the third is added in the first tab.
    other_tab = page.context.new_page()
    other_tab.goto("/support/mymenu/mail/destinations/")
    add_destination(page, "third@example.com")
    expect(page.locator("#destination-3 .badge")).to_have_text("仮登録")
    expect(page.locator("#full")).to_contain_text("配信先は3件まで登録できます")
    expect(page.get_by_role("button", name="追加する")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "alerts-destinations-1280.png", full_page=True)
    add_destination(other_tab, "fourth@example.com")
    expect(other_tab.locator("#refused")).to_have_text(
        "配信先は3件まで登録できます。追加するには、登録済みの配信先を削除してください。"
    )
    assert Destination.objects.filter(account=account).count() == 3
    wait_for(lambda: len(smtp_server.received) == 3, timeout=20)
    assert [m.rcpt_to for m in smtp_server.received][-1] == ["third@example.com"]

    # Delete the second one (a confirm page first).
    page.get_by_role("link", name="second@example.com を削除").click()
    expect(page.locator("#delete-target")).to_contain_text("second@example.com")
    submit(page, page.get_by_role("button", name="削除する"))
    expect(page.locator("#message")).to_have_text("配信先（second@example.com）を削除しました。")
    expect(page.locator("#destination-2")).to_have_count(0)

    # Both pages on a phone: nothing scrolls sideways.
    small = logged_in(new_page, live_server, account.user, **PHONE)
    for url, name in (
        ("/support/mymenu/mail/", "alerts-settings-360.png"),
        ("/support/mymenu/mail/destinations/", "alerts-destinations-360.png"),
    ):
        small.goto(url)
        expect_fits(small, url)
        small.screenshot(path=screenshot_dir / name, full_page=True)
