"""D5.1: the cancellation form (「お申込内容入力」 and 「お客様連絡先」)."""

from django import forms

from madoguchi.cancellation import dates
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.cancellation.services import DATE_MESSAGE
from madoguchi.lib.dates import format_date
from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)
from madoguchi.lib.japanese import PhoneField

TEXT_MAX = 200  # 廃止詳細その他, 備考
NAME_MAX = 100
EMAIL_MAX = 254
PLEASE_CHOOSE = "選択してください"
EMAIL_MISMATCH = "連絡先メールアドレスと連絡先メールアドレス（確認用）が一致しません。"
# The choices' values, as the draft keeps them (the label, shown and stored).
CHOICE_FIELDS = {
    "reason": CancellationChoice.Item.REASON,
    "reason_detail": CancellationChoice.Item.REASON_DETAIL,
    "migration_reason": CancellationChoice.Item.MIGRATION_REASON,
}
# The values an application keeps, in the order of the form.
VALUE_KEYS = (
    "date",
    "reason",
    "reason_detail",
    "detail_other",
    "migration_reason",
    "remarks",
    "contact_department",
    "contact_name",
    "contact_phone",
    "contact_fax",
    "contact_email",
)


def _messages(label: str, *, choose: bool = False, max_length: int | None = None) -> dict:
    verb = "選択" if choose else "入力"
    messages = {
        "required": f"{label}を{verb}してください。",
        "invalid_choice": f"{label}は一覧から選択してください。",
        NULL_CHARACTERS: control_characters_message(label),
    }
    if max_length:
        messages["max_length"] = f"{label}は{max_length}文字以内で入力してください。"
    return messages


def text_field(label: str, max_length: int, *, required=False, textarea=False, **attrs):
    widget = forms.Textarea(attrs={"rows": 3, **attrs}) if textarea else forms.TextInput(attrs)
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        error_messages=_messages(label, max_length=max_length),
    )


def choice_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, error_messages=_messages(label, choose=True))


class CancellationForm(forms.Form):
    date = forms.ChoiceField(
        label="廃止希望日",
        error_messages={
            "required": "廃止希望日を選択してください。",
            "invalid_choice": DATE_MESSAGE,
        },
    )
    reason = choice_field("廃止理由")
    reason_detail = choice_field("廃止理由詳細")
    detail_other = text_field("廃止詳細その他", TEXT_MAX, textarea=True)
    migration_reason = choice_field("移行理由")
    remarks = text_field("備考", TEXT_MAX, textarea=True)
    contact_department = text_field("連絡先部署名", NAME_MAX, autocomplete="organization-title")
    contact_name = text_field("連絡先お客様名", NAME_MAX, required=True, autocomplete="name")
    contact_phone = PhoneField(
        label="連絡先電話番号",
        max_length=30,
        error_messages=_messages("連絡先電話番号", max_length=30),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_fax = PhoneField(
        label="連絡先FAX番号",
        max_length=30,
        required=False,
        error_messages=_messages("連絡先FAX番号", max_length=30),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label="連絡先メールアドレス",
        max_length=EMAIL_MAX,
        error_messages={
            **_messages("連絡先メールアドレス", max_length=EMAIL_MAX),
            "invalid": "連絡先メールアドレスを正しい形式で入力してください。",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_email_confirm = forms.CharField(
        label="連絡先メールアドレス（確認用）",
        max_length=EMAIL_MAX,
        error_messages=_messages("連絡先メールアドレス（確認用）", max_length=EMAIL_MAX),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].choices = [("", PLEASE_CHOOSE)] + [
            (day.isoformat(), format_date(day)) for day in dates.offered_dates(today)
        ]
        active = CancellationChoice.objects.filter(active=True).order_by("order", "id")
        by_item = {item: [("", PLEASE_CHOOSE)] for item in CHOICE_FIELDS.values()}
        for choice in active:
            by_item[choice.item].append((str(choice.pk), choice.label))
        for name, item in CHOICE_FIELDS.items():
            self.fields[name].choices = by_item[item]

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(value, str) and value and name not in CHOICE_FIELDS:
                try:
                    # Line breaks are welcome in the two free texts; nothing else invisible.
                    reject_control_characters(
                        value.replace("\r\n", "").replace("\n", ""), field.label
                    )
                except forms.ValidationError as error:
                    self.add_error(name, error)
        email, confirm = cleaned.get("contact_email"), cleaned.get("contact_email_confirm")
        if email and confirm is not None and email != confirm.strip():
            self.add_error("contact_email_confirm", EMAIL_MISMATCH)
        return cleaned

    def values(self) -> dict:
        """The application's values: the choices by their label, texts as entered."""
        labels = {
            name: dict(self.fields[name].choices)[self.cleaned_data[name]] for name in CHOICE_FIELDS
        }
        values = {key: self.cleaned_data.get(key) or "" for key in VALUE_KEYS}
        values.update(labels)
        for key in ("detail_other", "remarks"):
            values[key] = values[key].replace("\r\n", "\n")
        return values

    def input(self) -> dict:
        """What 「戻る」 puts back into the form (X1)."""
        return {name: self.data.get(name, "") for name in self.fields}
