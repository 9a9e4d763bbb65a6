"""D6.2 and D6.3 in a real browser, to the completion mail read from a real SMTP server:
the postal lookup with JavaScript (in the page) and without (the 「住所検索」 button), and
another notice address confirmed by following the link in its mail."""

import re

import pytest
from playwright.sync_api import Page, expect

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

OTHER = "keiri@example.org"


def mails_of(smtp_server, application: Application) -> list:
    return [mail for mail in smtp_server.received if f"（{application.number}）" in mail.subject]


def completion_mail(smtp_server, application: Application):
    wait_for(
        lambda: [m for m in mails_of(smtp_server, application) if "完了しました" in m.subject],
        timeout=20,
    )
    [done] = [m for m in mails_of(smtp_server, application) if "完了しました" in m.subject]
    return done


def open_address_page(page: Page, log_in, customer, password) -> None:
    log_in(page, customer.username, password)
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_role("link", name="ご請求関連").click()
    expect(page.get_by_role("heading", name="ご請求関連", exact=True)).to_be_visible()
    page.get_by_role("link", name="送付先住所の変更 ▶").click()
    expect(page.get_by_text("STEP1 入力")).to_be_visible()


def fill_rest_and_register(page: Page, smtp_server, customer) -> Application:
    address = page.get_by_label("住所", exact=False).and_(page.locator("#id_address"))
    address.fill(address.input_value() + "1丁目2-3 梅田ビル5階")
    page.locator("#id_company").fill("テスト商事株式会社")
    page.locator("#id_department").fill("経理部")
    page.locator("#id_addressee").fill("経理 花子")
    submit(page, page.get_by_role("button", name="次へ ▶▶"))
    expect(page.get_by_text("STEP2 確認")).to_be_visible()
    expect(page.locator("#changes")).to_contain_text("大阪府大阪市北区梅田1丁目2-3 梅田ビル5階")
    submit(page, page.get_by_role("button", name="登録"))
    expect(page.get_by_text("STEP3 完了")).to_be_visible()
    application = Application.objects.get(contract=customer.contract, kind="billing_address")
    expect(page.locator("#application-number")).to_have_text(application.number)
    done = completion_mail(smtp_server, application)
    assert done.rcpt_to == [customer.contract.contact_email]
    assert "住所：大阪府大阪市北区梅田1丁目2-3 梅田ビル5階" in done.text
    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.billing_postal_code == "530-0001"
    assert contract.billing_address == "大阪府大阪市北区梅田1丁目2-3 梅田ビル5階"
    assert BillingChange.objects.get(application_number=application.number)
    page.get_by_role("link", name="◀◀ TOPへ戻る").click()
    expect(page.locator("#billing")).to_contain_text("大阪府大阪市北区梅田1丁目2-3 梅田ビル5階")
    return application


def test_d6_2_postal_lookup_with_javascript(
    page, log_in, customer, password, smtp_server, task_worker
):
    task_worker(**smtp_env(smtp_server))
    open_address_page(page, log_in, customer, password)
    page.locator("#id_postal_code").fill("０００－００００")
    page.get_by_role("button", name="住所検索").click()
    expect(page.locator("#postal-lookup-message")).to_contain_text("該当する住所が見つかりません")
    url = page.url
    page.locator("#id_postal_code").fill("５３０－０００１")
    page.get_by_role("button", name="住所検索").click()
    expect(page.locator("#id_address")).to_have_value("大阪府大阪市北区梅田")
    expect(page.locator("#id_postal_code")).to_have_value("530-0001")
    assert page.url == url  # filled in the page, no request of the form
    fill_rest_and_register(page, smtp_server, customer)


def test_d6_2_postal_lookup_without_javascript(
    new_page, log_in, customer, password, smtp_server, task_worker
):
    task_worker(**smtp_env(smtp_server))
    page = new_page(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    open_address_page(page, log_in, customer, password)
    page.locator("#id_postal_code").fill("000-0000")
    submit(page, page.get_by_role("button", name="住所検索"))
    expect(page.locator("#postal-lookup-message")).to_contain_text("該当する住所が見つかりません")
    page.locator("#id_postal_code").fill("5300001")
    submit(page, page.get_by_role("button", name="住所検索"))
    expect(page.locator("#id_address")).to_have_value("大阪府大阪市北区梅田")
    expect(page.locator("#postal-lookup-message")).to_contain_text("住所を入力しました")
    fill_rest_and_register(page, smtp_server, customer)


def test_d6_3_another_address_confirmed_from_its_mail(
    page, new_page, log_in, customer, password, smtp_server, task_worker
):
    MailboxFactory(contract=customer.contract, slot=1, account="taro")
    task_worker(**smtp_env(smtp_server))
    log_in(page, customer.username, password)
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_role("link", name="「口座振替のお知らせ」の送付方法").click()
    expect(page.get_by_text("taro@arrow.example.ne.jp")).to_be_visible()
    page.get_by_label("メール", exact=True).check()
    page.get_by_label("その他のメールアドレス").check()
    page.locator("#id_email").fill(OTHER)
    page.locator("#id_email_confirm").fill("keiri@example.com")
    submit(page, page.get_by_role("button", name="次へ ▶▶"))
    expect(
        page.get_by_text("メールアドレスとメールアドレス（確認用）が一致しません。")
    ).to_be_visible()
    page.locator("#id_email_confirm").fill(OTHER)
    submit(page, page.get_by_role("button", name="次へ ▶▶"))
    expect(page.locator("#confirmation-note")).to_contain_text(OTHER)
    submit(page, page.get_by_role("button", name="登録"))
    expect(page.locator("#application-status")).to_have_text("メール確認待ち")
    application = Application.objects.get(contract=customer.contract, kind="billing_notice")

    wait_for(lambda: [m for m in smtp_server.received if m.rcpt_to == [OTHER]], timeout=20)
    [request] = [m for m in smtp_server.received if m.rcpt_to == [OTHER]]
    link = re.search(r"https?://\S+/applications/confirm/\S+/", request.text)[0]
    # The address's reader opens the link in another browser, without logging in.
    reader = new_page(viewport={"width": 360, "height": 800})
    reader.goto(link)
    expect(reader.locator("#confirmation-email")).to_have_text(OTHER)
    submit(reader, reader.get_by_role("button", name="確認する"))
    expect(reader.locator("#confirmation-state")).to_contain_text("を確認しました")

    done = completion_mail(smtp_server, application)
    assert done.rcpt_to == [customer.contract.contact_email]
    assert f"送付先メールアドレス：{OTHER}" in done.text
    # The link works once only.
    reader.goto(link)
    expect(reader.locator("#confirmation-state")).to_contain_text("すでに使用されています")
    page.goto("/desk/")
    expect(page.locator("#billing")).to_contain_text(f"メール（{OTHER}）")
