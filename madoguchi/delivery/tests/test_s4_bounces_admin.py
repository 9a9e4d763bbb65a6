"""S4, B5: the bounces received, in the back office — a read-only list with Japanese columns,
for 受付 and up; 閲覧 is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import by_id, dom, find_all, text
from madoguchi.delivery.bounces import process_report
from madoguchi.delivery.tests.bounce_data import owner, sample, sent, verp

pytestmark = pytest.mark.django_db

LIST = reverse("backoffice:delivery_bounce_changelist")


def as_role(role, username: str) -> Client:
    client = Client()
    client.force_login(OperatorFactory(username=username, role=role))
    return client


@pytest.fixture
def bounces():
    taro = owner("owner@example.com", "taro@example.com")[0]
    made = []
    for name in ("postfix_user_unknown.eml", "mailbox_full_4.2.2.eml"):
        address = verp(sent(taro))
        made += process_report(sample(name, address), envelope_recipients=[address], source="smtp")
    return made


def test_s4_b5_uketsuke_reads_the_bounces_with_japanese_columns(
    bounces, django_assert_max_num_queries
):
    client = as_role(UKETSUKE, "uketsuke-bounces")
    with django_assert_max_num_queries(13):  # the same for any number of rows
        response = client.get(LIST)
    assert response.status_code == 200
    table = by_id(dom(response), "result_list")
    [thead] = find_all(table, lambda e: e.name == "thead")
    headers = [text(th) for th in find_all(thead, lambda e: e.name == "th") if text(th)]
    assert headers == ["受信日時", "種類", "宛先", "状態コード", "診断", "受信経路"]
    [tbody] = find_all(table, lambda e: e.name == "tbody")
    rows = [
        [text(cell) for cell in find_all(row, lambda e: e.name in ("th", "td"))]
        for row in find_all(tbody, lambda e: e.name == "tr")
    ]
    assert [row[1:4] + row[5:] for row in rows] == [
        ["一時的な不達", "taro@example.com", "4.2.2", "SMTP"],
        ["恒久的な不達", "taro@example.com", "5.1.1", "SMTP"],
    ]
    assert rows[1][4].startswith("550 5.1.1 <taro@example.com>")
    # Each one's page, read only; nothing is added here.
    page = client.get(reverse("backoffice:delivery_bounce_change", args=[bounces[0].pk]))
    assert page.status_code == 200
    assert "保存" not in text(by_id(dom(page), "content"))
    assert client.get(reverse("backoffice:delivery_bounce_add")).status_code == 403


def test_s4_b5_etsuran_may_not_read_them(bounces):
    client = as_role(ETSURAN, "etsuran-bounces")
    assert client.get(LIST).status_code == 403
