"""D6.4: the contact person's form (担当者連絡先)."""

from django import forms

from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)
from madoguchi.lib.japanese import KatakanaField, PhoneField

MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"
NOTHING_CHANGED = "現在の登録内容から変更がありません。変更する項目を入力してください。"
# Markup has no place in a name; refused rather than stored and escaped everywhere it goes
# (pages, mails, the back office).
MARKUP = "<>"


def markup_message(label: str) -> str:
    return f"{label}に使用できない文字（< >）が含まれています。"


def _no_control_characters(label: str):
    def validate(value: str) -> None:
        reject_control_characters(value, label)

    return validate


def _no_markup(label: str):
    def validate(value: str) -> None:
        if any(char in MARKUP for char in value):
            raise forms.ValidationError(markup_message(label))

    return validate


def _messages(label: str, limit: int) -> dict:
    return {
        "required": f"{label}を入力してください。",
        "max_length": f"{label}は{limit}文字以内で入力してください。",
        "invalid": f"{label}を正しい形式で入力してください。",
        NULL_CHARACTERS: control_characters_message(label),
    }


def text_field(label: str, limit: int, *, required: bool = True, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        validators=[_no_control_characters(label), _no_markup(label)],
        error_messages=_messages(label, limit),
        widget=forms.TextInput(attrs=attrs),
    )


def email_field(label: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        validators=[_no_control_characters(label)],
        error_messages={
            **_messages(label, 254),
            "invalid": f"{label}を正しい形式（例：taro@example.co.jp）で入力してください。",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )


class ContactPersonForm(forms.Form):
    name = text_field("氏名", 50, autocomplete="name")
    kana = KatakanaField(
        label="氏名（カナ）",
        max_length=50,
        validators=[_no_control_characters("氏名（カナ）")],
        error_messages=_messages("氏名（カナ）", 50),
    )
    department = text_field("部署名", 100, required=False, autocomplete="organization-title")
    phone = PhoneField(
        label="電話番号",
        max_length=20,
        validators=[_no_control_characters("電話番号")],
        error_messages=_messages("電話番号", 20),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = email_field("メールアドレス")
    email_confirm = email_field("メールアドレス（確認用）")

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean(self):
        cleaned = super().clean()
        email, confirm = cleaned.get("email"), cleaned.get("email_confirm")
        if email and confirm and email != confirm:
            self.add_error("email_confirm", MISMATCH)
        if not self.errors and all(cleaned[key] == self.current[key] for key in self.current):
            raise forms.ValidationError(NOTHING_CHANGED, code="unchanged")
        return cleaned

    def values(self) -> dict:
        """What the draft keeps: the five values, as the contract will store them."""
        return {key: self.cleaned_data[key] for key in self.current}
