"""B1 (read part), X3: the applications queue in the back office."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.mails import mail_context
from madoguchi.applications.models import Application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import page_text
from madoguchi.outbox.services import enqueue_mail
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Abc-1234"


def listed(client, **params) -> set[str]:
    response = client.get(url("applications_application_changelist"), params)
    assert response.status_code == 200
    return {application.number for application in response.context["cl"].result_list}


def test_b1_list_and_detail_in_bounded_queries(operator_client, django_assert_max_num_queries):
    applications = [ApplicationFactory() for _ in range(10)]
    failed = ApplicationFactory(
        status=Application.Status.FAILED, failure_reason="RADIUSに接続できませんでした"
    )
    mail = enqueue_mail(
        to=failed.contract.contact_email,
        template="application_failed",
        context=mail_context(failed),
        reference=failed.number,
    )
    with django_assert_max_num_queries(13):
        response = operator_client.get(url("applications_application_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert all(application.number in text for application in applications)
    assert "認証パスワード変更" in text and "失敗" in text
    with django_assert_max_num_queries(11):
        detail = operator_client.get(url("applications_application_change", failed.pk))
    assert detail.status_code == 200
    text = page_text(detail)
    for value in (
        failed.number,
        failed.contract.customer_number,
        "認証パスワード変更",
        "失敗",
        "RADIUSに接続できませんでした",
        failed.submitted_by.username,
        failed.contract.contact_email,  # its mail in the outbox: recipient, subject, state
        mail.subject,
        "送信待ち",
        "処理予定日時",
        "処理回数",
        "処理期限",
    ):
        assert value in text, value
    # The before/after values as a table under the kind's labels, never raw data (X3).
    assert "認証ID" in text and "（表示しません）" in text
    assert '"login_id"' not in detail.content.decode()


def test_b1_filters_by_kind_status_and_date(operator_client):
    accepted = ApplicationFactory()
    done = ApplicationFactory(done=True)
    old = ApplicationFactory.aged(timedelta(days=40), done=True)
    today = timezone.localdate()
    assert listed(operator_client, status__exact="accepted") == {accepted.number}
    assert listed(operator_client, status__exact="done") == {done.number, old.number}
    assert listed(operator_client, kind__exact="network_password") == {
        accepted.number,
        done.number,
        old.number,
    }
    by_day = listed(
        operator_client,
        submitted_at__year=today.year,
        submitted_at__month=today.month,
        submitted_at__day=today.day,
    )
    assert by_day == {accepted.number, done.number}
    old_day = timezone.localtime(old.submitted_at).date()
    assert listed(
        operator_client,
        submitted_at__year=old_day.year,
        submitted_at__month=old_day.month,
        submitted_at__day=old_day.day,
    ) == {old.number}


def test_b1_search_by_application_number_and_customer_number(operator_client):
    first, second = ApplicationFactory(), ApplicationFactory()
    assert listed(operator_client, q=first.number) == {first.number}
    assert listed(operator_client, q=second.number.lower()) == {second.number}
    assert listed(operator_client, q=second.contract.customer_number) == {second.number}
    assert listed(operator_client, q="N00000000") == set()


def test_b1_x3_no_radius_hash_or_password_on_the_application_pages(
    customer_client, customer, password, operator, django_capture_on_commit_callbacks
):
    """``work`` holds the RADIUS hash: no back office page shows it (P1)."""
    customer_client.post(
        reverse("desk:password"),
        {
            "current_password": password,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(
            reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
        )
    application = Application.objects.get()
    radius_hash = RadCheck.objects.get(username=customer.username).value
    assert application.work == {}  # the hash is not kept once published
    # One still in progress, whose ``work`` holds a hash.
    pending = ApplicationFactory(work={"radius_hash": radius_hash})

    back_office = Client()
    back_office.force_login(operator)
    pages = [
        (url("applications_application_changelist"), application.number),
        (url("applications_application_change", application.pk), application.number),
        (url("applications_application_change", pending.pk), pending.number),
    ]
    for page, number in pages:
        response = back_office.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert number in html
        for secret in (radius_hash, radius_hash.split("$")[-1], NEW_PASSWORD, password):
            assert secret not in html
        assert "処理データ" not in html  # the label of ``work``
        assert "$6$" not in html


def test_b1_applications_are_read_only_for_now(operator_client):
    application = ApplicationFactory()
    assert operator_client.get(url("applications_application_add")).status_code == 403
    change = url("applications_application_change", application.pk)
    response = operator_client.post(change, {"status": "done", "failure_reason": "x"})
    assert response.status_code == 403
    delete = url("applications_application_delete", application.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED


def test_b1_customer_is_refused(customer_client):
    application = ApplicationFactory()
    for page in (
        url("applications_application_changelist"),
        url("applications_application_change", application.pk),
    ):
        response = customer_client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(url("login"))
