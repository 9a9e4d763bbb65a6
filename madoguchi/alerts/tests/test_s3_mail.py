"""S3, X4: the 仮登録確認メール as it arrives at a real local SMTP server, and its link."""

import pytest
from django.test import Client

from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.pages import add, link_token
from madoguchi.contracts.tests.pages import by_id, dom, text

pytestmark = pytest.mark.django_db


def test_s3_the_confirmation_mail_arrives_and_its_link_confirms(
    support_client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(support_client, "taro@example.com")
    [mail] = smtp_server.received
    assert mail.rcpt_to == ["taro@example.com"]
    assert mail.subject.strip() == "【madoguchi】工事・故障情報メール 配信先の仮登録確認"
    assert "このメールアドレス（taro@example.com）が仮登録されました" in mail.text
    assert "30分以内" in mail.text and "配信先として登録する" in mail.text
    token = link_token(mail.text)

    response = Client().post(f"/support/mymenu/mail/destinations/confirm/{token}/")
    assert "配信先として登録しました" in text(by_id(dom(response), "link-state"))
    assert Destination.objects.get().status == Destination.Status.ACTIVE


def test_s3_a_refused_re_add_sends_no_mail(
    support_client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(support_client, "taro@example.com")
        add(support_client, "taro@example.com")
    assert len(smtp_server.received) == 1
