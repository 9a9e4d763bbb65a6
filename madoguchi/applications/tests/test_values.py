"""X3: before/after values have stable keys and are shown under each kind's labels.

No code reads a display label back as data; pages, mails, the audit log and the back office
all render the same (label, before, after) rows. Rows stored with labels as keys by earlier
versions are converted by a data migration.
"""

import importlib

import pytest
from django.apps import apps

from madoguchi.applications import registry
from madoguchi.applications.models import Application
from madoguchi.applications.tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

KIND = registry.Kind(
    code="values",
    label="値",
    fields=(
        registry.Field("name", "名前"),
        registry.Field("flag", "設定", format=lambda on: "あり" if on else "なし"),
        registry.Field("price", "金額", format=lambda yen: f"{yen:,}円"),
    ),
)


def test_x3_rows_read_missing_after_as_unchanged_none_as_removed_missing_before_as_dash():
    assert KIND.rows({"name": "旧", "flag": False}, {"flag": True, "price": 1200}) == [
        ("名前", "旧", "変更なし"),
        ("設定", "なし", "あり"),
        ("金額", "—", "1,200円"),
    ]
    assert KIND.rows({"name": "旧", "flag": True}, {"name": None, "flag": None}) == [
        ("名前", "旧", "削除"),
        ("設定", "あり", "削除"),
    ]
    assert KIND.rows({}, {"other": 1}) == []  # keys the kind does not know are not shown


def test_x7_the_audit_log_gets_the_values_under_their_labels():
    assert KIND.labelled({"name": "新", "flag": True, "secret_key": "x"}) == {
        "名前": "新",
        "設定": "あり",
    }
    assert KIND.labelled({"name": None}) == {"名前": "削除"}


def test_x3_applications_keep_data_and_show_labels(customer):
    application = ApplicationFactory(submitted_by=customer)
    assert application.before == {"login_id": customer.username, "password": "hidden"}
    assert application.rows == [
        ("認証ID", customer.username, "変更なし"),
        ("認証パスワード", "（表示しません）", "変更"),
    ]


def test_x3_rows_stored_with_labels_are_converted_to_stable_keys(customer):
    """The data migration 0006 turns earlier rows (labels as keys, display strings as
    values) into data under stable keys."""
    password = ApplicationFactory(
        submitted_by=customer,
        before={"認証ID": customer.username},
        after={"認証ID": customer.username, "認証パスワード": "変更"},
    )
    change = ApplicationFactory(
        submitted_by=customer,
        kind="mailbox_change",
        before={
            "No.": "01",
            "メールアカウント": "abc@arrow.example.ne.jp",
            "ウィルスチェックサービス": "利用しない",
            "月額料金": "250円（税込 275円）",
        },
        after={
            "No.": "01",
            "メールアカウント": "変更なし",
            "ウィルスチェックサービス": "利用する",
            "月額料金": "450円（税込 495円）",
        },
    )
    delete = ApplicationFactory(
        submitted_by=customer,
        kind="mailbox_delete",
        before={
            "No.": "02",
            "メールアカウント": "x@dune.example.ne.jp",
            "ウィルスチェックサービス": "利用中",
        },
        after={"No.": "02", "メールアカウント": "削除", "ウィルスチェックサービス": "削除"},
    )
    add = ApplicationFactory(
        submitted_by=customer,
        kind="mailbox_add",
        before={"No.": "03", "メールアカウント": "—", "ウィルスチェックサービス": "—"},
        after={"No.": "03", "メールアカウント": "newbox", "ウィルスチェックサービス": "利用しない"},
    )
    migration = importlib.import_module("madoguchi.applications.migrations.0006_stable_value_keys")
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # running it again changes nothing

    for application in (password, change, delete, add):
        application.refresh_from_db()
    assert (password.before, password.after) == (
        {"login_id": customer.username, "password": "hidden"},
        {"password": "changed"},
    )
    assert change.before == {
        "slot": 1,
        "address": "abc@arrow.example.ne.jp",
        "virus_check": False,
        "monthly_charge": 250,
    }
    assert change.after == {"slot": 1, "virus_check": True, "monthly_charge": 450}
    assert change.rows == [
        ("メールアカウント", "abc@arrow.example.ne.jp", "変更なし"),
        ("ウィルスチェックサービス", "利用しない", "利用する"),
        ("月額料金", "250円（税込 275円）", "450円（税込 495円）"),
    ]
    assert delete.after == {"slot": 2, "address": None, "virus_check": None}
    assert delete.before["virus_check"] is True
    assert add.before == {"slot": 3}
    assert add.after == {"slot": 3, "address": "newbox", "virus_check": False}
    assert Application.objects.count() == 4
