"""D1.4: a refusal (403) keeps the desk's header, 「ログアウト」 and menu for a desk login."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_d1_4_refused_menu_item_page_keeps_logout_and_menu(client, customer):
    customer.contract.online_password_change_allowed = False
    customer.contract.save()
    client.force_login(customer)

    response = client.get(reverse("desk:password"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "このお手続きはオンラインではご利用いただけません。" in page
    assert 'action="/desk/logout/"' in page
    assert "ご利用状況の確認" in page  # the left menu


def test_d1_4_refusal_for_an_operator_shows_no_desk_logout(client, operator):
    client.force_login(operator)

    response = client.get(reverse("desk:status"))

    assert response.status_code == 403
    assert 'action="/desk/logout/"' not in response.content.decode()
