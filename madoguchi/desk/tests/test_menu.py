"""D1.5: the left menu, the per-contract flag, and the pages of later issues."""

import pytest
from django.urls import reverse

from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.contracts.tests.pages import attr, dom, find_all, page_text, text
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

# The seed's menu, in its order: (group, [(item, indented)]).
SEED_MENU = [
    ("ご利用状況", [("ご利用状況の確認", False)]),
    (
        "各種変更のお申込み",
        [
            ("ご請求関連", False),
            ("お支払い方法（クレジットカードへ）", True),
            ("「請求書」および「口座振替のお知らせ」送付先住所", True),
            ("「口座振替のお知らせ」の送付方法", True),
            ("担当者連絡先", False),
            ("メールアカウントおよびウイルスチェック", False),
        ],
    ),
    ("パスワード変更", [("認証パスワード変更", False)]),
    ("廃止のお申込み", [("廃止申込", False)]),
    (
        "お電話での問い合わせ",
        [
            ("設定方法について", False),
            ("故障について", False),
            ("請求料金について", False),
            ("各種手続き・申し込み方法について", False),
        ],
    ),
]


def menu(response) -> list[tuple[str, list[tuple[str, bool, str]]]]:
    """The rendered menu: groups (h2) with their items (text, indented, href)."""
    nav = find_all(dom(response), lambda e: e.name == "nav")
    assert len(nav) == 1
    groups = []
    for child in nav[0].children:
        if getattr(child, "name", None) == "h2":
            groups.append((text(child), []))
        elif getattr(child, "name", None) == "ul":
            for li in child.children:
                link = li.children[0]
                indented = "indent" in (attr(li, "class") or "")
                groups[-1][1].append((text(link), indented, attr(link, "href")))
    return groups


def labels(groups):
    return [(group, [(label, indent) for label, indent, _ in items]) for group, items in groups]


def test_d1_5_menu_has_every_group_and_item_in_the_seeds_order(customer_client):
    response = customer_client.get(reverse("desk:status"))
    assert labels(menu(response)) == SEED_MENU


def test_d1_5_every_menu_item_opens_its_page(customer_client):
    phone_pages()
    groups = menu(customer_client.get(reverse("desk:status")))
    hrefs = [href for _, items in groups for _, _, href in items]
    assert len(hrefs) == len(set(hrefs)) == 13
    for href in hrefs:
        response = customer_client.get(href)
        assert response.status_code == 200, href
        assert labels(menu(response)) == SEED_MENU  # the menu is on every page


def test_d1_5_password_change_hidden_and_refused_when_not_allowed_online(
    customer_client, customer, password
):
    Contract.objects.filter(pk=customer.contract_id).update(online_password_change_allowed=False)
    groups = labels(menu(customer_client.get(reverse("desk:status"))))
    # The item goes, and with it its group, which would be left empty.
    assert groups == [(group, items) for group, items in SEED_MENU if group != "パスワード変更"]
    nav = find_all(dom(customer_client.get(reverse("desk:status"))), lambda e: e.name == "nav")
    assert "パスワード変更" not in text(nav[0])
    data = {
        "current_password": password,
        "new_password": "Abc-1234",
        "new_password_confirm": "Abc-1234",
    }
    assert customer_client.get(reverse("desk:password")).status_code == 403
    assert customer_client.post(reverse("desk:password"), data).status_code == 403
    assert customer_client.get(reverse("desk:password_confirm")).status_code == 403
    assert (
        customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        ).status_code
        == 403
    )
    response = customer_client.get(reverse("desk:password"))
    assert "オンラインではご利用いただけません" in page_text(response)
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_d1_5_flag_turned_off_between_input_and_confirm_refuses_the_change(
    customer_client, customer, password
):
    data = {
        "current_password": password,
        "new_password": "Abc-1234",
        "new_password_confirm": "Abc-1234",
    }
    assert customer_client.post(reverse("desk:password"), data).status_code == 302
    Contract.objects.filter(pk=customer.contract_id).update(online_password_change_allowed=False)
    assert (
        customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        ).status_code
        == 403
    )
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_d1_5_every_menu_item_is_built_not_a_placeholder(customer_client):
    phone_pages()
    for _, items in menu(customer_client.get(reverse("desk:status"))):
        for label, _, href in items:
            page = customer_client.get(href)
            assert page.status_code == 200, label
            assert "現在オンラインではご利用いただけません" not in page_text(page), label


def test_d1_5_d4_1_mail_item_opens_the_mailbox_list(customer_client):
    groups = dict(menu(customer_client.get(reverse("desk:status"))))
    items = {label: href for label, _, href in groups["各種変更のお申込み"]}
    assert items["メールアカウントおよびウイルスチェック"] == reverse("mailboxes:list")
    response = customer_client.get(items["メールアカウントおよびウイルスチェック"])
    assert [text(h) for h in find_all(dom(response), lambda e: e.name == "h1")] == [
        "メールアカウント・ウィルスチェックサービス確認・変更"
    ]
