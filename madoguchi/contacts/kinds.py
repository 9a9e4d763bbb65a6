"""The contact person's change (D6.4), as the applications registry knows it."""

from madoguchi.applications.registry import Field, Kind
from madoguchi.contacts import services


def _or_empty(value: str) -> str:
    return value or "（未登録）"


KIND = Kind(
    code=services.CONTACT_PERSON,
    label="担当者連絡先変更",
    fields=(
        Field("name", "氏名", format=_or_empty),
        Field("kana", "氏名（カナ）", format=_or_empty),
        Field("department", "部署名", format=_or_empty),
        Field("phone", "電話番号", format=_or_empty),
        Field("email", "メールアドレス", format=_or_empty),
    ),
    processor=services.apply_contact_person,
    acceptance_mail="application_contact_person",
    in_progress_label="反映中",
)
