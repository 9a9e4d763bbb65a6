"""D5.1, D5.3 back office: operators edit the choices; scheduled cancellations by date."""

import importlib

import pytest

from madoguchi.applications.models import Application
from madoguchi.backoffice.tests.conftest import url
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.cancellation.seed import CHOICES
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.contracts.tests.pages import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]


def test_d5_3_operators_see_scheduled_cancellations_by_date(operator_client, customer, accept):
    late = accept(customer, date="2024-03-01", contact_name="山田")
    other = DeskUserFactory(username="c9@biz.example.ne.jp")
    soon = accept(other, date="2024-01-12", contact_name="佐藤")
    response = operator_client.get(url("cancellation_scheduledcancellation_changelist"))
    assert response.status_code == 200
    shown = page_text(response)
    assert shown.index("2024/01/12(金)") < shown.index("2024/03/01(金)")
    assert shown.index(soon.number) < shown.index(late.number)
    for expected in ["他社へ移行（NTTグループその他）", "佐藤", "0120-123-456", "価格"]:
        assert expected in shown
    pending = operator_client.get(
        url("cancellation_scheduledcancellation_changelist") + "?schedule=pending"
    )
    assert soon.number in page_text(pending)
    finished = operator_client.get(
        url("cancellation_scheduledcancellation_changelist") + "?schedule=finished"
    )
    assert soon.number not in page_text(finished)


def test_d5_1_a_choice_deactivated_later_leaves_stored_applications_as_they_were(
    operator_client, customer, accept
):
    application = accept(customer)
    choice = CancellationChoice.objects.get(label="価格")
    choice.active = False
    choice.label = "料金"
    choice.save()
    application = Application.objects.get(pk=application.pk)
    assert application.after["migration_reason"] == "価格"
    assert ("移行理由", "—", "価格") in application.rows
    response = operator_client.get(url("applications_application_change", application.pk))
    assert response.status_code == 200
    assert "価格" in page_text(response)


def test_d5_1_the_seed_values_are_there():
    """The migration seeds the issue's values; ``seed.CHOICES`` (demo, tests) is the same."""
    migration = importlib.import_module("madoguchi.cancellation.migrations.0002_seed_choices")
    assert migration.CHOICES == CHOICES
    assert "他社へ移行（NTTグループその他）" in CHOICES["reason"]
    assert "インターネット接続（ベストエフォート型サービス）" in CHOICES["reason_detail"]
    assert "価格" in CHOICES["migration_reason"]
    assert CancellationChoice.objects.filter(label="価格", item="migration_reason").exists()
