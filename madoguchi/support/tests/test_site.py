"""The support site's shell: its own pages, login and login URL (S1, S2)."""

import pytest
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from madoguchi.contracts.tests.pages import is_logged_in, page_text
from madoguchi.supportid.access import support_login_required
from madoguchi.supportid.signin import INVALID_LOGIN

pytestmark = pytest.mark.django_db


def test_s1_top_page_needs_no_login_and_links_every_section(client):
    response = client.get(reverse("support:top"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("faq:index", "notices:list", "inquiries:input", "support:environment"):
        assert f'href="{reverse(name)}"' in body
    assert "お客さまサポート" in page_text(response)


def test_s1_landing_page_button_opens_the_support_site(client):
    body = client.get(reverse("landing")).content.decode()
    assert f'href="{reverse("support:top")}"' in body
    assert 'aria-disabled="true"' not in body


def test_s1_recommended_environments_are_those_of_the_faq(client):
    text = page_text(client.get(reverse("support:environment")))
    for line in (
        "Windows 10以降",
        "Microsoft Edge 最新版",
        "Firefox 最新版",
        "Android",
        "iPhone",
        "Safari 最新版",
    ):
        assert line in text


def test_s2_desk_credential_logs_in_on_the_support_site_and_opens_the_desk_too(
    client, customer, password
):
    page = reverse("support:environment")
    response = client.post(
        f"{reverse('support:login')}?next={page}",
        {"login": customer.username, "password": password},
    )
    assert response.status_code == 302 and response["Location"] == page
    assert is_logged_in(client)
    # One session for both sites: the desk opens without a new login.
    assert client.get(reverse("desk:status")).status_code == 200


def test_s2_support_login_refuses_a_wrong_password_in_japanese(client, customer):
    response = client.post(
        reverse("support:login"), {"login": customer.username, "password": "wrong-pass"}
    )
    assert response.status_code == 200
    # One message for every kind of login (S2): it does not say which kind the ID is.
    assert INVALID_LOGIN in page_text(response)
    assert not is_logged_in(client)


def test_s2_support_logout_returns_to_the_support_top(customer_client):
    response = customer_client.post(reverse("support:logout"), follow=True)
    assert response.redirect_chain == [(reverse("support:top"), 302)]
    assert "ログアウトしました。" in page_text(response)
    assert not is_logged_in(customer_client)


def test_s1_support_pages_that_need_a_login_send_to_the_support_login_not_the_desks(
    client, customer, operator
):
    @support_login_required
    def view(request):
        return HttpResponse("ok")

    assert view.login_url == "support:login"
    # The global middleware reads the view's login URL.
    middleware = LoginRequiredMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/support/x/")
    request.user = AnonymousUser()
    response = middleware.process_view(request, view, (), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("support:login") + "?next=")
    # A customer passes; an operator's session is not a customer of the support site.
    request.user = customer
    assert view(request).status_code == 200
    request.user = operator
    with pytest.raises(Http404):
        view(request)
