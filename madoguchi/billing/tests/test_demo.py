"""D6.2, D6.3: demo0001 of ``load_demo`` can walk both billing flows."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db


def test_d6_demo0001_can_walk_both_billing_flows(client):
    call_command("load_demo", verbosity=0)
    client.force_login(User.objects.get(username="demo0001@biz.example.ne.jp"))
    address = page_text(client.get(reverse("desk:billing_address")))
    assert "住所検索" in address
    notice = page_text(client.get(reverse("desk:billing_notice")))
    assert "abcdefg@arrow.example.ne.jp" in notice
    assert "その他のメールアドレス" in notice
