"""Before/after values under stable keys instead of display labels.

Labels are now the kinds' business (``applications.registry``): values are stored as data
under keys that never change with the wording (``address``, ``virus_check``, …).
"""

import re

from django.db import migrations

MAILBOX_KINDS = ("mailbox_add", "mailbox_change", "mailbox_delete")
LABELS = {
    "認証ID",
    "認証パスワード",
    "No.",
    "メールアカウント",
    "ウィルスチェックサービス",
    "月額料金",
}
VIRUS = {"利用する": True, "利用中": True, "利用しない": False}


def _yen(text: str):
    match = re.match(r"^([\d,]+)円", text or "")
    return int(match.group(1).replace(",", "")) if match else None


def _mailbox_values(values: dict, *, after: bool) -> dict:
    converted = {}
    if values.get("No.", "").isdigit():
        converted["slot"] = int(values["No."])
    address = values.get("メールアカウント")
    if address == "削除" and after:
        converted["address"] = None
    elif address not in (None, "", "—", "変更なし"):
        converted["address"] = address
    virus = values.get("ウィルスチェックサービス")
    if virus == "削除" and after:
        converted["virus_check"] = None
    elif virus in VIRUS:
        converted["virus_check"] = VIRUS[virus]
    charge = _yen(values.get("月額料金", ""))
    if charge is not None:
        converted["monthly_charge"] = charge
    return converted


def forwards(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    for application in Application.objects.all().iterator():
        before, after = application.before, application.after
        if not any(key in LABELS for key in [*before, *after]):
            continue  # already stable keys
        if application.kind == "network_password":
            login_id = before.get("認証ID") or after.get("認証ID", "")
            application.before = {"login_id": login_id, "password": "hidden"}
            application.after = {"password": "changed"}
        elif application.kind in MAILBOX_KINDS:
            application.before = _mailbox_values(before, after=False)
            application.after = _mailbox_values(after, after=True)
        else:
            continue
        application.save(update_fields=["before", "after"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_scheduled_work_and_outbox")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
