"""The cancellation kind, as the applications registry knows it."""

from datetime import date

from madoguchi.applications.registry import Field, Kind
from madoguchi.cancellation import services
from madoguchi.cancellation.models import CANCELLATION
from madoguchi.lib.dates import format_date

FIELDS = (
    Field("date", "廃止希望日", format=lambda value: format_date(date.fromisoformat(value))),
    Field("reason", "廃止理由"),
    Field("reason_detail", "廃止理由詳細"),
    Field("detail_other", "廃止詳細その他"),
    Field("migration_reason", "移行理由"),
    Field("remarks", "備考"),
    Field("contact_department", "連絡先部署名"),
    Field("contact_name", "連絡先お客様名"),
    Field("contact_phone", "連絡先電話番号"),
    Field("contact_fax", "連絡先FAX番号"),
    Field("contact_email", "連絡先メールアドレス"),
    Field("ending", "廃止となる回線及びオプションサービス", format="、".join),
)

KIND = Kind(
    code=CANCELLATION,
    label="ご契約の廃止",
    fields=FIELDS,
    processor=services.end_contract,
    release=services.restore_contract,
    cancellable=False,  # 「申し込む」を押すと…一切の取り消しは出来ません (the seed)
    acceptance_mail="application_cancellation",
    outcome_to=services.contact_address,
    in_progress_label="廃止予定",
)
