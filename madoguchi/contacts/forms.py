"""D6.4: the contact person's form (担当者連絡先)."""

from django import forms

from madoguchi.lib.forms import PlainTextMixin, email_address_field, field_messages
from madoguchi.lib.japanese import KatakanaField, PhoneField

MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"
NOTHING_CHANGED = "現在の登録内容から変更がありません。変更する項目を入力してください。"
# Markup has no place in a name: refused rather than stored and escaped wherever it goes
# (pages, mails, the back office, the ISP's other systems).
MARKUP = "<>"


def markup_message(label: str) -> str:
    return f"{label}に使用できない文字（< >）が含まれています。"


class TextField(PlainTextMixin, forms.CharField):
    def validate(self, value):
        super().validate(value)
        if any(char in MARKUP for char in value):
            raise forms.ValidationError(markup_message(str(self.label)))


class KanaField(PlainTextMixin, KatakanaField):
    pass


class JapanesePhoneField(PlainTextMixin, PhoneField):
    pass


def text_field(label: str, limit: int, *, required: bool = True, **attrs) -> TextField:
    return TextField(
        label=label,
        max_length=limit,
        required=required,
        error_messages=field_messages(label, limit),
        widget=forms.TextInput(attrs=attrs),
    )


class ContactPersonForm(forms.Form):
    name = text_field("氏名", 50, autocomplete="name")
    kana = KanaField(
        label="氏名（カナ）", max_length=50, error_messages=field_messages("氏名（カナ）", 50)
    )
    department = text_field("部署名", 100, required=False, autocomplete="organization-title")
    phone = JapanesePhoneField(
        label="電話番号",
        max_length=20,
        error_messages=field_messages("電話番号", 20),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = email_address_field("メールアドレス")
    email_confirm = email_address_field("メールアドレス（確認用）")

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean(self):
        cleaned = super().clean()
        # Compared as typed, so that a mismatch is shown even beside the address's own error.
        email = self.data.get(self.add_prefix("email"), "").strip()
        confirm = cleaned.get("email_confirm")
        if confirm is not None and email != confirm:
            self.add_error("email_confirm", MISMATCH)
        if not self.errors and all(cleaned[key] == self.current[key] for key in self.current):
            raise forms.ValidationError(NOTHING_CHANGED, code="unchanged")
        return cleaned

    def values(self) -> dict:
        """What the draft keeps: the five values, as the contract will store them."""
        return {key: self.cleaned_data[key] for key in self.current}
