"""S4 and B2 end to end in a real browser, with real task workers and a real SMTP server: a
管理者 publishes a notice with 「メール配信する」, follows 「送信状況」 and watches the progress
bar reach the end without reloading; the subscriber's mail arrives with its list headers, and
its unsubscribe link, opened in a browser without cookies, stops that kind at once."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.alerts.models import Destination
from madoguchi.delivery.models import Delivery, Mailing
from madoguchi.delivery.tests import fanout
from madoguchi.notices.models import Publication
from madoguchi.notices.seed import ensure_products
from madoguchi.testing.workers import smtp_env, wait_for
from tests.browser.test_browser_backoffice import DESKTOP, back_office_login

pytestmark = pytest.mark.browser

SUBSCRIBERS = 40


def test_s4_b2_publish_watch_the_progress_read_the_mail_and_unsubscribe(
    new_page, operator, task_worker, smtp_server, live_server, settings, screenshot_dir
):
    fiber = ensure_products()["fiber"]
    destinations = fanout.subscribers(fiber, SUBSCRIBERS, prefix="e2e")
    task_worker(
        **smtp_env(smtp_server),
        DELIVERY_SMTP_HOST="127.0.0.1",
        DELIVERY_SMTP_PORT=smtp_server.port,
        DELIVERY_BATCH_SIZE=5,
        PUBLIC_BASE_URL=live_server.url,
    )
    smtp_server.handler.delay = 0.08  # slow enough for the page to see the mailing move

    page = new_page(**DESKTOP)
    back_office_login(page, operator.username)
    page.goto("/backoffice/notices/notice/add/")
    page.locator("#id_kind").select_option(label="工事")
    page.locator("#id_status").select_option(label="予定")
    page.locator("#id_title").fill("光アクセス設備の切替工事")
    page.get_by_label(fiber.name).check()
    page.locator("#id_area").fill("東京都千代田区の一部")
    start = timezone.localtime() + timezone.timedelta(days=3)
    page.locator("input[name=starts_at_0]").fill(start.strftime("%Y-%m-%d"))
    page.locator("input[name=starts_at_1]").fill("02:00")
    page.locator("#id_body").fill("切替のため、最大30分ほど通信が途切れます。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存して編集を続ける").click()
    publish = page.locator("form.notice-publish-form")
    publish.get_by_label("メール配信する").check()
    with page.expect_navigation():
        publish.get_by_role("button", name="公開する").click()
    expect(page.locator("ul.messagelist")).to_contain_text("公開しました（メール配信する）")

    # 「送信状況」 from the notice's publications, once the worker has made the mailing.
    publication = Publication.objects.get()
    wait_for(lambda: Mailing.objects.filter(pk=publication.pk).exists(), timeout=30)
    page.reload()
    with page.expect_navigation():
        page.locator(".notice-publications").get_by_role(
            "link", name=re.compile("送信状況")
        ).click()
    page.evaluate("() => { window.sameDocument = true }")
    expect(page.locator("#mailing-state")).to_have_text("完了", timeout=60_000)
    expect(page.locator("#mailing-percent")).to_have_text("100")
    assert page.locator("#mailing-bar").evaluate("bar => bar.value") == 100
    expect(page.locator('td[data-key="selected"]')).to_have_text(str(SUBSCRIBERS))
    expect(page.locator('td[data-key="sent"]')).to_have_text(str(SUBSCRIBERS))
    assert page.evaluate("() => window.sameDocument") is True  # no reload on the way
    page.screenshot(path=screenshot_dir / "notification-mail-progress-1280.png", full_page=True)

    # Every subscriber got one mail; one of them reads theirs.
    recipients = sorted(mail.rcpt_to[0] for mail in smtp_server.received)
    assert recipients == sorted(d.address for d in destinations)
    reader = destinations[0]
    (mail,) = [m for m in smtp_server.received if m.rcpt_to[0] == reader.address]
    assert mail.subject == "【工事】光アクセス設備の切替工事"
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "切替のため、最大30分ほど通信が途切れます。" in mail.text
    link = re.search(r"(http://\S+/support/unsubscribe/\S+/)", mail.text).group(1)
    assert link.startswith(live_server.url)
    assert f"<{link}>" in mail.message["List-Unsubscribe"]

    # The link, in a browser that has never logged in.
    stranger = new_page(**DESKTOP)
    stranger.goto(link)
    expect(stranger.locator("h1")).to_have_text("工事・故障情報メールの配信停止")
    expect(stranger.locator("#unsubscribe-kind")).to_contain_text("工事情報")
    with stranger.expect_navigation():
        stranger.get_by_role("button", name="配信を停止する").click()
    expect(stranger.locator("h1")).to_contain_text("配信を停止しました")
    stranger.screenshot(path=screenshot_dir / "notification-mail-unsubscribed.png")
    reader.refresh_from_db()
    assert reader.maintenance_stopped_at is not None and reader.outage_stopped_at is None
    assert reader.status == Destination.Status.ACTIVE
    row = Delivery.objects.get(publication=publication, destination_id=reader.pk)
    assert row.event == Delivery.Event.UNSUBSCRIBED
    others = Destination.objects.exclude(pk=reader.pk)
    assert not others.filter(maintenance_stopped_at__isnull=False).exists()
