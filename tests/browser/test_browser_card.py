"""D6.1 in a real browser: the card form tokenizes with the demo provider's script under the
strict CSP, a declined card gets its message, the switch is applied by a real worker and the
completion mail is read from a real SMTP server."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.demopay.services import NUMBER_CHECK
from madoguchi.payments.providers import CardDeclined
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.test_browser_password_journey import expect_step

pytestmark = pytest.mark.browser

VISA = "4242 4242 4242 4242"
NUMBERS = ("4242424242424242", "4000000000000002", "4242424242424241")


def fill_card(page: Page, number: str, expiry: str = "12/39", cvc: str = "123") -> None:
    page.get_by_label("カード番号").fill(number)
    page.get_by_label("有効期限（月/年）").fill(expiry)
    page.get_by_label("セキュリティコード").fill(cvc)


def test_d6_1_card_journey(
    page: Page, log_in, customer, password, smtp_server, task_worker, console, screenshot_dir
):
    contract = customer.contract
    Contract.objects.filter(pk=contract.pk).update(
        payment_method=Contract.PaymentMethod.BANK_TRANSFER
    )
    # What the browser sends to the portal (never to /demopay/): no card number in it.
    portal_posts = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and "/desk/" in request.url
            and portal_posts.append(request.post_data or "")
        ),
    )
    log_in(page, customer.username, password)
    page.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name="お支払い方法（クレジットカードへ）"
    ).click()
    expect(page).to_have_url(re.compile(r"/desk/billing/card/$"))
    expect_step(page, "STEP1 入力")
    expect(page.locator("#current-payment")).to_contain_text("口座振替によるお支払い")
    expect(page.locator("#demopay-hint")).to_contain_text("4000 0000 0000 0002")

    # A Luhn-invalid number: the provider refuses it beside the field; nothing is posted.
    fill_card(page, "4242 4242 4242 4241")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#card-number-errors")).to_have_text(NUMBER_CHECK)
    expect(page).to_have_url(re.compile(r"/desk/billing/card/$"))
    # An expiry in the past: beside the expiry.
    fill_card(page, VISA, expiry="01/20")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#card-expiry-errors")).to_contain_text("有効期限が過ぎています")
    expect(page.locator("#card-number-errors")).to_be_hidden()

    # A declined card: tokenized, refused by the issuer when the portal resolves it.
    fill_card(page, "4000 0000 0000 0002")
    with page.expect_navigation():
        page.get_by_role("button", name="次へ").click()
    expect(page.locator("#card-number-errors")).to_have_text(CardDeclined.message)
    expect_step(page, "STEP1 入力")
    page.screenshot(path=screenshot_dir / "desktop-card-declined.png", full_page=True)
    assert not Application.objects.exists()

    # A good card → STEP2 (masked) → 登録 → STEP3.
    fill_card(page, VISA)
    with page.expect_navigation(url=re.compile(r"/confirm/$")):
        page.get_by_role("button", name="次へ").click()
    expect_step(page, "STEP2 確認")
    expect(page.locator("#card-masked")).to_have_text("VISA ****-****-****-4242（有効期限 12/39）")
    with page.expect_navigation():
        page.get_by_role("button", name="登録").click()
    expect(page).to_have_url(re.compile(r"/desk/billing/card/complete/\d+/$"))
    expect_step(page, "STEP3 完了")
    application = Application.objects.get()
    expect(page.locator("#application-number")).to_have_text(application.number)
    page.screenshot(path=screenshot_dir / "desktop-card-complete.png", full_page=True)

    task_worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 2, timeout=20)
    done = next(mail for mail in smtp_server.received if "処理が完了しました" in mail.text)
    assert done.rcpt_to == [contract.contact_email]
    assert application.number in done.text
    assert "VISA ****-****-****-4242" in done.text
    page.get_by_role("link", name="TOPへ戻る").click()
    expect(page.locator("#payment-method")).to_contain_text("クレジットカードによるお支払い")
    expect(page.locator("#payment-method")).to_contain_text("VISA ****-****-****-4242")
    assert BillingChange.objects.get().values["card_token"].startswith("card_")
    for body in portal_posts:
        for number in NUMBERS:
            assert number not in body.replace("+", "").replace("%20", "")
    assert any("card_token=tok_" in body for body in portal_posts)
    for mail in smtp_server.received:
        assert b"4242424242424242" not in mail.raw
