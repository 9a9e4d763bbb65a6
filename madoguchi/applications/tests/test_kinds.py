"""X3: kinds are registered by the feature apps, and every automatic kind goes through one
processor skeleton (claim → lock → re-check → carry out → complete/fail, with the mail)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications import registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application, process_application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry
from madoguchi.outbox.models import Mail
from madoguchi.testing.workers import status_of

pytestmark = pytest.mark.django_db


def test_x3_the_feature_apps_register_the_products_kinds():
    kinds = {kind.code: kind for kind in registry.kinds()}
    assert {
        "network_password": "認証パスワード変更",
        "mailbox_add": "メールアカウント追加",
        "mailbox_change": "メールアカウント・ウィルスチェックサービス変更",
        "mailbox_delete": "メールアカウント削除",
    }.items() <= {code: kind.label for code, kind in kinds.items()}.items()
    assert kinds["network_password"].processor.__module__ == "madoguchi.desk.services"
    assert kinds["mailbox_add"].processor.__module__ == "madoguchi.mailboxes.services"


def test_x3_a_registered_kind_is_a_choice_of_application_kind_without_a_migration(
    recorded_kind,
):
    field = Application._meta.get_field("kind")
    assert ("test_recorded", "テスト用の自動処理のお申込み") in list(field.choices)
    application = ApplicationFactory(kind=recorded_kind.code, before={}, after={}, work={})
    assert application.get_kind_display() == application.kind_label
    assert application.kind_label == "テスト用の自動処理のお申込み"


def test_x3_a_kind_no_longer_registered_still_reads(recorded_kind):
    application = ApplicationFactory(kind="retired_kind", before={}, after={"x": 1}, work={})
    assert application.kind_label == "retired_kind"
    assert application.rows == []


def test_x3_the_skeleton_completes_with_the_processors_values_and_mails(recorded_kind):
    application = ApplicationFactory(kind=recorded_kind.code, before={}, after={}, work={})
    assert process_application(application.pk) is True
    assert recorded_kind.calls == [application.pk]
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert application.after == {"note": "処理済み"}
    assert application.rows == [("内容", "—", "処理済み")]
    (mail,) = Mail.objects.filter(reference=application.number)
    assert (mail.to, mail.template) == (application.contract.contact_email, "application_done")
    assert AuditEntry.objects.filter(action="application.test_recorded.done").count() == 1


def test_x3_the_skeleton_fails_with_the_processors_reason_and_mails(recorded_kind):
    recorded_kind.outcome["value"] = registry.Failed("先方の設備で受け付けられませんでした。")
    application = ApplicationFactory(kind=recorded_kind.code, before={}, after={}, work={})
    assert process_application(application.pk) is True
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == "先方の設備で受け付けられませんでした。"
    assert Mail.objects.get(reference=application.number).template == "application_failed"


def test_x3_a_processor_that_raises_leaves_the_work_to_the_next_attempt(recorded_kind):
    recorded_kind.outcome["value"] = RuntimeError("the ISP's system is down")
    application = ApplicationFactory(kind=recorded_kind.code, before={}, after={}, work={})
    with pytest.raises(RuntimeError):
        process_application(application.pk)
    application.refresh_from_db()
    assert (application.status, application.attempts) == (Application.Status.PROCESSING, 1)
    assert not Mail.objects.exists()
    # Once the lease runs out, the next attempt carries it out.
    recorded_kind.outcome["value"] = registry.Done()
    Application.objects.filter(pk=application.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert process_application(application.pk) is True
    assert status_of(application) == Application.Status.DONE
    assert len(recorded_kind.calls) == 2


def test_x3_a_worker_whose_lease_ran_out_writes_nothing(recorded_kind, monkeypatch):
    """The skeleton re-checks under the lock: another worker finished it meanwhile."""
    from madoguchi.applications import services

    application = ApplicationFactory(kind=recorded_kind.code, before={}, after={}, work={})
    stalled = claim_application(application.pk)
    Application.objects.filter(pk=application.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert process_application(application.pk) is True  # another worker
    monkeypatch.setattr(services, "claim_application", lambda application_id: stalled)
    assert process_application(application.pk) is False  # the stalled one resumes
    assert recorded_kind.calls == [application.pk]  # carried out once
    assert Mail.objects.filter(reference=application.number).count() == 1
