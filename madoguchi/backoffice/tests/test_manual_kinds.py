"""B1, X3: kinds that operators carry out by hand are first-class.

No worker ever claims them; the back office lists them in a queue (処理方法: 手作業), and
「完了にする」 / 「失敗にする」 finish them with the customer's mail and an audit row.
"""

import pytest
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotOperable,
    claim_application,
    complete_application_by_operator,
    process_application,
    submit_application,
)
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import page_text
from madoguchi.outbox.models import Mail
from madoguchi.testing.kinds import manual_kind  # noqa: F401
from madoguchi.testing.workers import (
    database_tasks,  # noqa: F401
    status_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def handmade(manual_kind, customer):  # noqa: F811
    return ApplicationFactory(
        submitted_by=customer, kind=manual_kind.code, before={}, after={"note": "書類送付"}, work={}
    )


def change_page(client, application):
    return client.get(url("applications_application_change", application.pk))


@pytest.mark.usefixtures("database_tasks")
def test_x3_a_manual_kind_wakes_no_worker_and_no_worker_claims_it(
    manual_kind,  # noqa: F811
    customer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit_application(
            contract=customer.contract,
            kind=manual_kind.code,
            user=customer,
            before={},
            after={"note": "書類送付"},
            mail_to=[customer.contract.contact_email],
        )
    tasks = [task.task_path for task in DBTaskResult.objects.all()]
    assert tasks == ["madoguchi.outbox.tasks.deliver_mail"]  # its acceptance mail only
    assert claim_application(application.pk) is None
    assert process_application(application.pk) is False
    assert status_of(application) == Application.Status.ACCEPTED


def test_b1_the_queue_of_manual_work(operator_client, handmade):
    automatic = ApplicationFactory()
    response = operator_client.get(
        url("applications_application_changelist"), {"handling": "manual"}
    )
    listed = {application.number for application in response.context["cl"].result_list}
    assert listed == {handmade.number}
    assert "処理方法" in page_text(response) and "手作業" in page_text(response)
    response = operator_client.get(
        url("applications_application_changelist"), {"handling": "automatic"}
    )
    assert {a.number for a in response.context["cl"].result_list} == {automatic.number}


def test_b1_complete_a_manual_kind_by_hand(operator_client, operator, handmade, mailoutbox):
    page = change_page(operator_client, handmade)
    html = page.content.decode()
    assert 'value="完了にする"' in html and 'class="fail-application"' in html
    assert 'value="処理する"' not in html  # a worker's button: not for work done by hand
    assert "手作業" in page_text(page)

    response = operator_client.post(url("applications_application_complete", handmade.pk))

    assert response["Location"] == url("applications_application_change", handmade.pk)
    handmade.refresh_from_db()
    assert handmade.status == Application.Status.DONE
    assert handmade.finished_by == operator
    assert "完了にしました" in page_text(operator_client.get(response["Location"]))
    entry = AuditEntry.objects.get(action=f"application.{handmade.kind}.done")
    assert entry.actor == operator and entry.target == handmade.number
    (mail,) = Mail.objects.filter(reference=handmade.number)
    assert (mail.to, mail.template) == (handmade.contract.contact_email, "application_done")
    # A second click changes nothing and says why.
    again = operator_client.post(url("applications_application_complete", handmade.pk), follow=True)
    assert "で終了しているため、操作できません。" in page_text(again)
    assert Mail.objects.filter(reference=handmade.number).count() == 1


def test_b1_fail_a_manual_kind_with_a_reason(operator_client, handmade):
    response = operator_client.post(
        url("applications_application_fail", handmade.pk), {"reason": "書類に不備がありました。"}
    )
    assert response.status_code == 302
    handmade.refresh_from_db()
    assert (handmade.status, handmade.failure_reason) == ("failed", "書類に不備がありました。")
    assert Mail.objects.get(reference=handmade.number).template == "application_failed"


def test_b1_process_is_refused_for_a_manual_kind_and_complete_for_an_automatic_one(
    operator_client, operator, handmade
):
    response = operator_client.post(
        url("applications_application_process", handmade.pk), follow=True
    )
    assert "手作業で処理する種別です" in page_text(response)
    assert status_of(handmade) == Application.Status.ACCEPTED

    automatic = ApplicationFactory()
    with pytest.raises(NotOperable, match="自動で処理する種別です"):
        complete_application_by_operator(application=automatic, operator=operator)
    response = operator_client.post(
        url("applications_application_complete", automatic.pk), follow=True
    )
    assert "自動で処理する種別です" in page_text(response)
    assert status_of(automatic) == Application.Status.ACCEPTED
    assert not Mail.objects.exists()


def test_b1_complete_needs_a_post(operator_client, handmade):
    assert (
        operator_client.get(url("applications_application_complete", handmade.pk)).status_code
        == 405
    )
    assert status_of(handmade) == Application.Status.ACCEPTED
