"""S3 access: the mail settings need a support ID (the seed). Anonymous visitors go to the
support login; a desk credential, a mailbox login or an operator gets 404; another ID's
destination is 404 on every route that takes its number."""

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.factories import make_destination
from madoguchi.contracts.models import User
from madoguchi.contracts.tests.factories import ContractFactory, DeskUserFactory, OperatorFactory

pytestmark = pytest.mark.django_db

PAGES = [reverse("alerts:settings"), reverse("alerts:destinations")]


@pytest.mark.parametrize("url", PAGES)
def test_s3_anonymous_visitors_are_sent_to_the_support_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/support/login/?next={url}"


def _mailbox_user():
    contract = ContractFactory()
    return User.objects.create(
        username="mailbox:taro@arrow.example.ne.jp", kind=User.Kind.MAILBOX, contract=contract
    )


@pytest.mark.parametrize("kind", ["desk", "mailbox", "operator"])
@pytest.mark.parametrize("url", PAGES)
def test_s3_other_kinds_of_login_get_404(kind, url):
    user = {
        "desk": lambda: DeskUserFactory(),
        "mailbox": _mailbox_user,
        "operator": lambda: OperatorFactory(),
    }[kind]()
    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"address": "x@example.com"}).status_code == 404


def test_s3_a_support_id_opens_both_pages(support_client):
    for url in PAGES:
        response = support_client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_s3_another_ids_destination_is_404_on_every_route(support_client, account, other_account):
    theirs = make_destination(
        other_account, "theirs@example.net", slot=1, status=Destination.Status.SUSPENDED
    )
    delete = reverse("alerts:destination_delete", args=[theirs.pk])
    resume = reverse("alerts:destination_resume", args=[theirs.pk])
    assert support_client.get(delete).status_code == 404
    assert support_client.post(delete).status_code == 404
    assert support_client.post(resume).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Destination.Status.SUSPENDED  # nothing changed
    missing = reverse("alerts:destination_delete", args=[theirs.pk + 1000])
    assert support_client.get(missing).status_code == 404


def test_s3_resume_by_number_takes_only_a_post(support_client, account):
    mine = make_destination(account, "mine@example.com", slot=1, status="suspended")
    response = support_client.get(reverse("alerts:destination_resume", args=[mine.pk]))
    assert response.status_code == 405
