"""D5 in a real browser: the seed's 1.2.7 from the menu to the acceptance mail (read from a
real local SMTP server), then every other menu refuses, naming the cancellation's date."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.applications.models import Application
from madoguchi.cancellation.dates import offered_dates
from madoguchi.cancellation.seed import ensure_choices
from madoguchi.contracts.models import Contract
from madoguchi.lib.dates import format_date
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.testing.workers import wait_for
from tests.browser.test_browser_password_journey import expect_step

pytestmark = pytest.mark.browser

CONTACT = "dummy@example.com"


def menu_link(page: Page, name: str):
    return page.get_by_role("navigation", name="メニュー").get_by_role("link", name=name)


def test_d5_cancellation_journey(
    page: Page, log_in, customer, password, smtp_server, screenshot_dir
):
    ensure_choices()  # a transactional test before may have flushed the migration's rows
    contract = customer.contract
    box = MailboxFactory(contract=contract, slot=1, account="abcdefg", virus_check=True)
    first = format_date(offered_dates()[0])
    log_in(page, customer.username, password)

    # ① 廃止申込 in the menu → STEP1 with the seed's notices.
    menu_link(page, "廃止申込").click()
    expect(page).to_have_url(re.compile(r"/desk/cancellation/$"))
    expect_step(page, "STEP1 入力")
    expect(page.locator("h1")).to_have_text("廃止の受付")
    expect(page.locator("#notices li")).to_have_count(7)
    expect(page.locator("#line-heading")).to_have_text("回線情報")

    # ② A bad value gets its message beside the field and nothing else is lost.
    page.get_by_label("廃止希望日").select_option(label=first)
    page.get_by_label("廃止理由", exact=False).first.select_option(
        label="他社へ移行（NTTグループその他）"
    )
    page.get_by_label("廃止理由詳細").select_option(
        label="インターネット接続（ベストエフォート型サービス）"
    )
    page.get_by_label("移行理由").select_option(label="価格")
    page.get_by_label("連絡先お客様名").fill("コム太郎")
    page.get_by_label("連絡先電話番号").fill("０１２０－１２３－４５６")
    page.get_by_label(re.compile(r"^連絡先メールアドレス\s*<必須>$")).fill(CONTACT)
    page.get_by_label("連絡先メールアドレス（確認用）").fill("other@example.com")
    with page.expect_navigation():
        page.get_by_role("button", name="次へ ▶▶").click()
    expect(page.locator("#id_contact_email_confirm_errors")).to_have_text(
        "連絡先メールアドレスと連絡先メールアドレス（確認用）が一致しません。"
    )
    expect(page.get_by_label("連絡先お客様名")).to_have_value("コム太郎")
    page.screenshot(path=screenshot_dir / "desktop-cancellation-input.png", full_page=True)

    # ③④ Corrected → STEP2 with the usage, what ends and the values.
    page.get_by_label("連絡先メールアドレス（確認用）").fill(CONTACT)
    with page.expect_navigation():
        page.get_by_role("button", name="次へ ▶▶").click()
    expect(page).to_have_url(re.compile(r"/desk/cancellation/confirm/$"))
    expect_step(page, "STEP2 確認")
    expect(page.locator("#usage")).to_contain_text(contract.customer_number)
    expect(page.locator("#options")).to_contain_text(f"{box.address}（契約中）")
    expect(page.locator("#ending li")).to_have_text(
        [
            f"回線（{contract.service_name}）",
            f"メールアカウント（{box.address}）",
            f"ウィルスチェックサービス（{box.address}）",
        ]
    )
    expect(page.locator("#value-date")).to_have_text(first)
    expect(page.locator("#value-contact_phone")).to_have_text("0120-123-456")
    expect(page.locator("#contact-values")).to_contain_text(
        "このメールアドレスに、廃止申込み受付完了のお知らせメールが届きます。"
    )
    expect(page.locator("#final-warning")).to_have_text(
        "「申し込む」を押すと、廃止が実行され、一切の取り消しは出来ません。よろしいですか？"
    )
    page.screenshot(path=screenshot_dir / "desktop-cancellation-confirm.png", full_page=True)
    # 「◀ 戻る」 returns to STEP1 with the input kept; nothing is stored.
    page.get_by_role("link", name="◀ 戻る").click()
    expect_step(page, "STEP1 入力")
    expect(page.get_by_label("連絡先お客様名")).to_have_value("コム太郎")
    assert not Application.objects.exists()
    with page.expect_navigation():
        page.get_by_role("button", name="次へ ▶▶").click()

    # ⑤ 申し込む → STEP3, one application, the contract marked.
    page.get_by_role("button", name="申し込む").click()
    expect(page).to_have_url(re.compile(r"/desk/cancellation/complete/\d+/$"))
    expect_step(page, "STEP3 完了")
    application = Application.objects.get()
    expect(page.locator("#application-number")).to_have_text(application.number)
    expect(page.locator("#cancellation-date")).to_have_text(first)
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.CANCELLATION_ACCEPTED

    # The acceptance mail, through the outbox to the real SMTP server, to the contact.
    wait_for(lambda: smtp_server.received, timeout=15)
    (mail,) = smtp_server.received
    assert mail.rcpt_to == [CONTACT]
    assert application.number in mail.message["Subject"]
    assert f"廃止希望日：{first}" in mail.text

    # Every other menu refuses, naming the date; the status page shows it.
    refusal = f"ご契約の廃止のお申込み（廃止日：{first}）を受け付けているため"
    menu_link(page, "ご利用状況の確認").click()
    expect(page.locator("#cancellation")).to_contain_text(first)
    menu_link(page, "認証パスワード変更").click()
    expect(page.locator("#refusal")).to_contain_text(refusal)
    menu_link(page, "メールアカウントおよびウイルスチェック").click()
    expect(page.locator("main")).to_contain_text(refusal)
    page.goto("/desk/mail/2/add/")
    expect(page.locator("main")).to_contain_text(refusal)
    for item in (
        "お支払い方法（クレジットカードへ）",
        "「請求書」および「口座振替のお知らせ」送付先住所",
        "「口座振替のお知らせ」の送付方法",
        "担当者連絡先",
        "廃止申込",
    ):
        menu_link(page, item).click()
        expect(page.locator("main")).to_contain_text(refusal)
    page.screenshot(path=screenshot_dir / "desktop-cancellation-refused.png", full_page=True)
    assert Application.objects.count() == 1
    assert len(smtp_server.received) == 1
