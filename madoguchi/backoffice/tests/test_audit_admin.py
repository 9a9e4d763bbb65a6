"""X7: the audit log, visible to operators, read only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import record_audit
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[int]:
    response = client.get(url("audit_auditentry_changelist"), params)
    assert response.status_code == 200
    return [entry.pk for entry in response.context["cl"].result_list]


@pytest.fixture
def entries(customer, other_customer, operator):
    login = record_audit(
        actor=customer, action="desk.login", contract=customer.contract, ip="192.0.2.10"
    )
    flags = record_audit(
        actor=operator,
        action="contract.flags.update",
        contract=other_customer.contract,
        target=other_customer.contract.customer_number,
        before={"申込書による変更手続き中": False},
        after={"申込書による変更手続き中": True},
        ip="192.0.2.20",
    )
    old = record_audit(actor=None, action="application.network_password.done")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    return {"login": login, "flags": flags, "old": old}


def test_x7_list_and_detail_in_bounded_queries(
    operator_client, entries, django_assert_max_num_queries
):
    for n in range(20):
        record_audit(actor=None, action=f"test.{n}")
    with django_assert_max_num_queries(11):
        response = operator_client.get(url("audit_auditentry_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert "contract.flags.update" in text and "192.0.2.20" in text
    with django_assert_max_num_queries(8):
        detail = operator_client.get(url("audit_auditentry_change", entries["flags"].pk))
    text = page_text(detail)
    # Who, what, before, after, when, from which IP.
    for value in ("operator1", "contract.flags.update", "変更前", "変更後", "192.0.2.20"):
        assert value in text, value
    assert "申込書による変更手続き中 いいえ はい" in text


def test_x7_filters_by_action_and_date(operator_client, entries):
    assert listed(operator_client, action="desk.login") == [entries["login"].pk]
    today = timezone.localdate()
    recent = listed(
        operator_client,
        created_at__year=today.year,
        created_at__month=today.month,
        created_at__day=today.day,
    )
    assert set(recent) == {entries["login"].pk, entries["flags"].pk}
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past_7_days = {  # the list filter's 「過去7日間」 link
        "created_at__gte": str(midnight - timedelta(days=7)),
        "created_at__lt": str(midnight + timedelta(days=1)),
    }
    assert listed(operator_client, **past_7_days) == [
        entries["flags"].pk,
        entries["login"].pk,
    ]


def test_x7_search_by_actor_and_contract(operator_client, entries, customer, other_customer):
    assert listed(operator_client, q="operator1") == [entries["flags"].pk]
    assert listed(operator_client, q=customer.contract.customer_number) == [entries["login"].pk]
    assert listed(operator_client, q=other_customer.contract.name) == [entries["flags"].pk]


def test_x7_audit_log_cannot_be_added_changed_or_deleted(operator_client, entries):
    entry = entries["flags"]
    assert operator_client.get(url("audit_auditentry_add")).status_code == 403
    response = operator_client.post(
        url("audit_auditentry_change", entry.pk), {"action": "forged", "actor_name": "x"}
    )
    assert response.status_code == 403
    delete = url("audit_auditentry_delete", entry.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = operator_client.post(
        url("audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.action == "contract.flags.update"
    assert AuditEntry.objects.count() == 3


def test_x7_customer_is_refused(customer_client, entries):
    response = customer_client.get(url("audit_auditentry_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
