"""CSRF: every desk POST needs the token (Client(enforce_csrf_checks=True))."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import csrf_token, is_logged_in, login_data

pytestmark = pytest.mark.django_db

NEW = "Abc-1234"


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def logged_in(browser, customer):
    browser.force_login(customer)
    return browser


def test_csrf_login_without_token_is_refused(browser, customer, password):
    browser.get(reverse("desk:login"))
    response = browser.post(reverse("desk:login"), login_data(customer.username, password))
    assert response.status_code == 403
    assert not is_logged_in(browser)


def test_csrf_login_with_token_works(browser, customer, password):
    browser.get(reverse("desk:login"))
    data = login_data(customer.username, password) | {"csrfmiddlewaretoken": csrf_token(browser)}
    response = browser.post(reverse("desk:login"), data)
    assert response.status_code == 302
    assert is_logged_in(browser)


def test_csrf_a_token_from_another_browser_is_refused(browser, customer, password):
    other = Client(enforce_csrf_checks=True)
    other.get(reverse("desk:login"))
    browser.get(reverse("desk:login"))
    data = login_data(customer.username, password) | {"csrfmiddlewaretoken": "x" * 64}
    assert browser.post(reverse("desk:login"), data).status_code == 403
    data["csrfmiddlewaretoken"] = csrf_token(other)
    assert browser.post(reverse("desk:login"), data).status_code == 403


def test_csrf_logout_without_token_is_refused(logged_in):
    logged_in.get(reverse("desk:status"))
    assert logged_in.post(reverse("desk:logout")).status_code == 403
    assert is_logged_in(logged_in)
    token = csrf_token(logged_in)
    response = logged_in.post(reverse("desk:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not is_logged_in(logged_in)


def test_csrf_password_change_posts_need_the_token(logged_in, customer, password):
    logged_in.get(reverse("desk:password"))
    data = {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}
    assert logged_in.post(reverse("desk:password"), data).status_code == 403
    token = {"csrfmiddlewaretoken": csrf_token(logged_in)}
    response = logged_in.post(reverse("desk:password"), data | token)
    assert response.status_code == 302
    assert logged_in.post(reverse("desk:password_confirm")).status_code == 403
    assert not Application.objects.exists()
    page = logged_in.get(reverse("desk:password_confirm")).content.decode()
    draft = re.search(r'name="draft" value="([0-9a-f]+)"', page).group(1)
    response = logged_in.post(reverse("desk:password_confirm"), token | {"draft": draft})
    assert response.status_code == 302
    assert Application.objects.count() == 1
    customer.refresh_from_db()
    assert customer.check_password(NEW)
