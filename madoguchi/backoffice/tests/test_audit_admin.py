"""X7: the audit log, visible to operators, read only."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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
    with django_assert_max_num_queries(14):
        response = operator_client.get(url("audit_auditentry_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    assert "ご契約の設定変更" in text and "192.0.2.20" in text
    with django_assert_max_num_queries(11):
        detail = operator_client.get(url("audit_auditentry_change", entries["flags"].pk))
    text = page_text(detail)
    # Who, what, before, after, when, from which IP.
    for value in ("operator1", "ご契約の設定変更", "変更前", "変更後", "192.0.2.20"):
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


# --- Issue 6, defect 7: operations in Japanese, times in JST ------------------------------------

OPERATIONS = {
    "desk.login": "カスタマサポートデスクへのログイン",
    "login.unlock": "ログインロック解除",
    "contract.flags.update": "ご契約の設定変更",
    "phone_page.update": "お電話での問い合わせページの変更",
    "account.create": "ログインアカウントの作成",
    "account.update": "ログインアカウントの変更",
    "account.role": "オペレーターの権限変更",
    "application.mailbox_add.submit": "メールアカウント追加：お申込み受付",
    "application.network_password.done": "認証パスワード変更：完了",
    "application.mailbox_delete.cancelled": "メールアカウント削除：取消",
    "application.mailbox_change.failed": "メールアカウント・ウィルスチェックサービス変更：失敗",
    "application.mailbox_add.process": "メールアカウント追加：オペレーターが処理",
}


def test_x7_issue6_operations_are_shown_with_their_japanese_labels(operator_client):
    for code in OPERATIONS:
        record_audit(actor=None, action=code)
    record_audit(actor=None, action="application.unknown_kind.submit")
    response = operator_client.get(url("audit_auditentry_changelist"))
    text = page_text(response)
    for code, label in OPERATIONS.items():
        assert label in text, code
        assert code not in text, code  # the stored code is a key, not for display
    # A code nobody labelled is shown as it is rather than hidden.
    assert "application.unknown_kind.submit" in text
    # The filter by operation offers the labels and filters by the stored code.
    filter_panel = text[text.index("操作 で絞り込む") :]
    assert "ご契約の設定変更" in filter_panel and "オペレーターの権限変更" in filter_panel
    listed_actions = {
        entry.action
        for entry in operator_client.get(
            url("audit_auditentry_changelist"), {"action": "account.role"}
        )
        .context["cl"]
        .result_list
    }
    assert listed_actions == {"account.role"}


def test_x7_issue6_the_entry_page_shows_the_label_and_its_code(operator_client, entries):
    detail = operator_client.get(url("audit_auditentry_change", entries["flags"].pk))
    assert "ご契約の設定変更（contract.flags.update）" in page_text(detail)


def test_x7_issue6_the_label_registry(monkeypatch):
    from madoguchi.audit import labels

    monkeypatch.setattr(labels, "_labels", dict(labels._labels))
    monkeypatch.setattr(labels, "_resolvers", dict(labels._resolvers))
    labels.register_action_label("test.registry.exact", "完全一致")
    labels.register_action_resolver(
        "test.registry.", lambda code: "前方一致" if code.endswith(".known") else None
    )
    assert labels.action_label("test.registry.exact") == "完全一致"
    assert labels.action_label("test.registry.x.known") == "前方一致"
    assert labels.action_label("test.registry.unknown") == "test.registry.unknown"


@pytest.mark.parametrize("utc_hour", [15, 0], ids=["jst_next_day", "jst_same_day"])
def test_x7_issue6_entry_heading_and_fields_are_in_jst(
    operator_client, operator, utc_hour, time_machine
):
    """The heading (the entry's ``__str__``) once showed UTC beside a JST field."""
    when = datetime(2026, 3, 31, utc_hour, 30, tzinfo=UTC)
    time_machine.move_to(when, tick=False)
    entry = record_audit(actor=operator, action="login.unlock")
    jst = when.astimezone(ZoneInfo("Asia/Tokyo"))
    assert str(entry) == f"{jst:%Y/%m/%d %H:%M} operator1 ログインロック解除"
    detail = operator_client.get(url("audit_auditentry_change", entry.pk))
    text = page_text(detail)
    assert f"{jst:%Y/%m/%d %H:%M} operator1 ログインロック解除" in text  # the heading
    assert f"{jst.year}年{jst.month}月{jst.day}日{jst.hour}:{jst.minute:02d}" in text  # 日時
    utc_heading = f"{when:%Y/%m/%d %H:%M}"
    assert utc_heading not in text
