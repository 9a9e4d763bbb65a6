"""D7.1: the four お電話での問い合わせ pages; operators edit their text."""

import pytest
from django.urls import reverse

from madoguchi.contracts.models import PhonePage
from madoguchi.contracts.services import update_phone_page
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.contracts.tests.pages import dom, find_all, page_text, text

pytestmark = pytest.mark.django_db

TITLES = {
    "setup": "設定方法について",
    "fault": "故障について",
    "billing": "請求料金について",
    "procedures": "各種手続き・申し込み方法について",
}


def cell(response, heading: str) -> str:
    rows = find_all(dom(response), lambda e: e.name == "tr")
    values = [text(row.children[1]) for row in rows if text(row.children[0]) == heading]
    assert len(values) == 1
    return values[0]


@pytest.mark.parametrize("topic", TITLES)
def test_d7_1_phone_page_shows_number_hours_text_and_customer_number(
    customer_client, customer, topic
):
    page = phone_pages()[topic]
    response = customer_client.get(reverse("desk:phone", args=[topic]))
    assert response.status_code == 200
    headings = [text(h) for h in find_all(dom(response), lambda e: e.name == "h1")]
    assert headings == [f"お電話での問い合わせ：{TITLES[topic]}"]
    assert cell(response, "電話番号") == page.phone_number
    assert cell(response, "受付時間") == page.hours
    paragraphs = [text(p) for p in find_all(dom(response), lambda e: e.name == "p")]
    for paragraph in page.body.split("\n\n"):
        assert paragraph in paragraphs
    number = customer.contract.customer_number
    assert f"お問い合わせの際は、お客様番号（{number}）をお手元にご用意ください。" in paragraphs


def test_d7_1_the_migration_gives_each_topic_its_own_number():
    """The four pages exist in a fresh database (unless a flush removed them)."""
    pages = phone_pages()
    assert len({page.phone_number for page in pages.values()}) == 4


def test_d7_1_edited_text_shows_at_once(customer_client, operator):
    page = phone_pages()["fault"]
    update_phone_page(
        page=page,
        operator=operator,
        ip=None,
        phone_number="0120-999-888",
        hours="平日 8:00〜20:00",
        body="新しいご案内です。\n\n二つ目の段落<b>太字</b>です。",
    )
    response = customer_client.get(reverse("desk:phone", args=["fault"]))
    assert cell(response, "電話番号") == "0120-999-888"
    assert cell(response, "受付時間") == "平日 8:00〜20:00"
    content = page_text(response)
    assert "新しいご案内です。" in content
    # An operator's text is shown as text, never as markup.
    assert "二つ目の段落<b>太字</b>です。" in content
    assert "<b>太字</b>" not in response.content.decode()


def test_d7_1_editing_the_row_directly_changes_the_page(customer_client):
    phone_pages()
    PhonePage.objects.filter(topic="billing").update(body="請求書についての新しい案内。")
    assert "請求書についての新しい案内。" in page_text(
        customer_client.get(reverse("desk:phone", args=["billing"]))
    )


def test_d7_1_unknown_topic_is_404(customer_client):
    phone_pages()
    assert customer_client.get(reverse("desk:phone", args=["nothing"])).status_code == 404


@pytest.mark.parametrize("topic", ["setup", "fault", "billing", "procedures"])
def test_d7_1_each_page_asks_for_the_customer_number_once(customer_client, topic):
    """Defect 9: the initial texts and the page's note both asked for お客様番号."""
    import importlib

    from django.apps import apps

    from madoguchi.contracts.models import PhonePage

    PhonePage.objects.all().delete()
    importlib.import_module("madoguchi.contracts.migrations.0002_phone_pages").create_pages(
        apps, None
    )
    revise = importlib.import_module(
        "madoguchi.contracts.migrations.0004_phone_pages_customer_number_once"
    ).revise
    revise(apps, None)
    revise(apps, None)  # idempotent
    text = page_text(customer_client.get(reverse("desk:phone", args=[topic])))
    assert text.count("お客様番号") == 1
    assert "お客様番号（" in text
