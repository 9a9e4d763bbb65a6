"""S2: マイメニュー for a support ID, a desk login and a mailbox login; the account page with
the seed's answer; pages of a support ID's own are 404 for every other kind of login."""

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, text
from madoguchi.supportid.tests.journeys import (
    ACCOUNT,
    MYMENU,
    PASSWORD_CHANGE,
    WITHDRAW,
    make_support_id,
)

pytestmark = pytest.mark.django_db

OWN_PAGES = (ACCOUNT, PASSWORD_CHANGE, WITHDRAW)


def links(response, element_id: str) -> dict[str, str]:
    box = by_id(dom(response), element_id)
    return {
        text(a.children[0]) if a.children and not isinstance(a.children[0], str) else text(a): attr(
            a, "href"
        )
        for a in find_all(box, lambda e: e.name == "a")
    }


def test_s2_mymenu_of_a_support_id(client):
    account = make_support_id("taro@example.com")
    client.force_login(account.user)
    response = client.get(MYMENU)
    assert response.status_code == 200
    assert text(by_id(dom(response), "logged-in-as")) == (
        "お客さまサポートID taro@example.com でログインしています。"
    )
    assert links(response, "mymenu-links") == {
        "工事・故障情報メールの設定": reverse("alerts:settings"),
        "配信先メールアドレス": reverse("alerts:destinations"),
        "登録内容の確認": ACCOUNT,
        "パスワードの変更": PASSWORD_CHANGE,
        "退会": WITHDRAW,
    }


def test_s2_mymenu_of_a_desk_login_points_to_the_desk_and_registration(customer_client, customer):
    response = customer_client.get(MYMENU)
    assert response.status_code == 200
    assert text(by_id(dom(response), "logged-in-as")) == (
        f"カスタマサポートデスクの認証ID {customer.username} でログインしています。"
    )
    assert links(response, "mymenu-links") == {"カスタマサポートデスク": reverse("desk:status")}
    needs = by_id(dom(response), "needs-support-id")
    assert "工事・故障情報メールの配信を受けるには、お客さまサポートIDの登録が必要です" in text(
        needs
    )
    assert [attr(a, "href") for a in find_all(needs, lambda e: e.name == "a")] == [
        reverse("supportid:register")
    ]
    for path in OWN_PAGES:
        assert customer_client.get(path).status_code == 404, path
        assert customer_client.post(path).status_code == 404, path


def test_s2_mymenu_of_a_mailbox_login(client, customer):
    user = User.objects.create(
        username="mailbox:abcdefg@arrow.example.ne.jp",
        kind=User.Kind.MAILBOX,
        contract=customer.contract,
    )
    client.force_login(user)
    response = client.get(MYMENU)
    assert response.status_code == 200
    assert text(by_id(dom(response), "logged-in-as")) == (
        "メールアドレス abcdefg@arrow.example.ne.jp でログインしています。"
    )
    assert "お客さまサポートIDの登録が必要です" in text(by_id(dom(response), "needs-support-id"))
    for path in OWN_PAGES:
        assert client.get(path).status_code == 404, path


def test_s2_mymenu_needs_a_login_on_the_support_site(client):
    for path in (MYMENU, *OWN_PAGES):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('support:login')}?next={path}"


def test_s2_operators_get_404_on_mymenu_and_support_id_pages(client, operator):
    client.force_login(operator)
    for path in (MYMENU, *OWN_PAGES):
        assert client.get(path).status_code == 404, path


def test_s2_account_page_read_only_with_the_seed_answer(client):
    from datetime import date

    account = make_support_id("taro@example.com", name="見本 太郎", birth_date=date(1985, 4, 1))
    client.force_login(account.user)
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    rows = {
        text(row.children[0]): text(row.children[1])
        for row in find_all(by_id(dom(response), "account-info"), lambda e: e.name == "tr")
    }
    assert rows["メールアドレス（お客さまサポートID）"] == "taro@example.com"
    assert rows["お名前"] == "見本 太郎"
    assert rows["生年月日"] == "1985年4月1日"
    assert text(by_id(dom(response), "no-changes")) == (
        "ログイン用メールアドレス、お名前、生年月日の変更は受け付けておりません。"
    )
    # Nothing to edit: the only form on the page is the header's logout button.
    inputs = find_all(by_id(dom(response), "account-info"), lambda e: e.name in {"input", "select"})
    assert inputs == []


def test_s2_an_unconfirmed_support_id_session_gets_404(client):
    """An unconfirmed ID cannot log in; a session of one (forced) sees none of its pages."""
    account = make_support_id("pending@example.com", confirmed=False)
    account.user.is_active = True  # as if activated without confirmation
    account.user.save()
    client.force_login(account.user)
    for path in OWN_PAGES:
        assert client.get(path).status_code == 404, path


def test_s2_support_id_required_gives_the_view_its_account(rf):
    from django.http import HttpResponse

    from madoguchi.supportid.access import support_id_required

    account = make_support_id("taro@example.com")
    seen = []

    @support_id_required
    def view(request):
        seen.append(request.support_account)
        return HttpResponse("ok")

    request = rf.get("/")
    request.user = account.user
    assert view(request).status_code == 200
    assert seen == [account]
    other = Client()
    assert other.get(ACCOUNT).status_code == 302
