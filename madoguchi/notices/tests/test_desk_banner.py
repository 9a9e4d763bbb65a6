"""The desk's ご利用状況の確認 (D2): a banner of the current and upcoming notices of the
contract's products, each linking to its public page."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import by_id, dom, find_all, page_text, text
from madoguchi.notices.models import ServicePlan
from madoguchi.notices.tests.make import Kind, Status, make_notice

pytestmark = pytest.mark.django_db

STATUS = reverse("desk:status")
BANNER = "ご利用中のサービスの工事・故障情報"


def banner_links(response) -> dict[str, str]:
    banner = by_id(dom(response), "notice-banner")
    return {text(a): dict(a.attributes)["href"] for a in find_all(banner, lambda e: e.name == "a")}


def test_d2_banner_shows_the_contracts_current_notices_and_links_to_them(customer_client):
    # The customer's plan (光フレッツ IP1 ファミリータイプ): 光アクセス, メール, DNS.
    work = make_notice("光アクセス 設備工事", products=("fiber",))
    outage = make_notice("メール 送受信の遅延", kind=Kind.OUTAGE, products=("mail", "hosting"))
    running = make_notice("DNS 更改工事", status=Status.IN_PROGRESS, products=("dns",))
    members = make_notice("光アクセス 会員向け工事", members_only=True)
    make_notice("Webホスティング 工事", products=("hosting",))
    make_notice("050 IP電話 故障", kind=Kind.OUTAGE, products=("ip-phone",))
    make_notice("光アクセス 復旧済み", kind=Kind.OUTAGE, status=Status.RECOVERED)
    make_notice("光アクセス 完了した工事", status=Status.COMPLETED)
    make_notice("光アクセス 中止した工事", status=Status.CANCELLED)
    make_notice("光アクセス 下書き", published_at=None)
    response = customer_client.get(STATUS)
    assert response.status_code == 200
    assert BANNER in page_text(response)
    assert banner_links(response) == {
        notice.title: reverse("notices:detail", args=[notice.pk])
        for notice in (work, outage, running, members)
    }
    # Each link opens the public page for this customer.
    for href in banner_links(response).values():
        assert customer_client.get(href).status_code == 200


def test_d2_banner_lists_a_notice_of_several_products_once(customer_client):
    make_notice("光アクセスとメールの工事", products=("fiber", "mail", "dns"))
    assert list(banner_links(customer_client.get(STATUS))) == ["光アクセスとメールの工事"]


def test_d2_banner_shows_when_in_japan_time(customer_client):
    make_notice("深夜の工事", starts_at=datetime(2030, 1, 10, 17, 0, tzinfo=UTC))
    banner = text(by_id(dom(customer_client.get(STATUS)), "notice-banner"))
    assert "工事 予定 深夜の工事 予定開始：2030/01/11(金) 02:00" in banner


def test_d2_no_banner_without_current_notices(customer_client):
    make_notice("Webホスティング 工事", products=("hosting",))
    response = customer_client.get(STATUS)
    assert BANNER not in page_text(response)
    assert 'id="notice-banner"' not in response.content.decode()


def test_d2_no_banner_for_a_service_without_a_plan(customer_client, customer):
    make_notice("光アクセス 設備工事")
    ServicePlan.objects.filter(name=customer.contract.service_name).delete()
    assert BANNER not in page_text(customer_client.get(STATUS))
