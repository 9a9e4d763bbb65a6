"""S5: the inquiry form, and the operators' forms of the back office."""

import re
import unicodedata

from django import forms

from madoguchi.inquiries.categories import CHOICES
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.services import login_refusal
from madoguchi.lib.forms import email_address_field, field_messages, reject_control_characters
from madoguchi.lib.japanese import PhoneField
from madoguchi.notices.models import Product

MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"
CONTRACT_NUMBER = "お客様番号は「N」と数字9桁（例：N230110835）で入力してください。"
CONTRACT_NUMBER_RE = re.compile(r"N\d{9}")
SUBJECT_LINE_BREAK = "件名に改行は使用できません。1行で入力してください。"
HONEYPOT = "website"


class SingleLineField(forms.CharField):
    """One line of text: control and format characters, and garbled input, are refused
    before any other rule reads the value."""

    def __init__(self, *, line_break_message: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.line_break_message = line_break_message

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            if self.line_break_message and ("\r" in value or "\n" in value):
                raise forms.ValidationError(self.line_break_message)
            reject_control_characters(value, str(self.label))
        return value


class MultiLineField(forms.CharField):
    """Free text in several lines: line breaks (stored as LF) and tabs are welcome, other
    control characters are not."""

    def to_python(self, value):
        value = super().to_python(value)
        if value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            reject_control_characters(value.replace("\n", "").replace("\t", ""), str(self.label))
        return value


class InquiryPhoneField(PhoneField):
    def to_python(self, value):
        value = super().to_python(value)
        if value:
            reject_control_characters(value, str(self.label))
        return value


class ContractNumberField(SingleLineField):
    """お客様番号 as printed on the contract papers: N and nine digits (full width folded)."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        folded = unicodedata.normalize("NFKC", value).strip().upper()
        if not CONTRACT_NUMBER_RE.fullmatch(folded):
            raise forms.ValidationError(CONTRACT_NUMBER)
        return folded


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class InquiryForm(forms.Form):
    category = forms.ChoiceField(
        label="お問い合わせ種別",
        choices=[("", "選択してください"), *CHOICES],
        error_messages={
            "required": "お問い合わせ種別を選択してください。",
            "invalid_choice": "お問い合わせ種別を一覧から選択してください。",
        },
    )
    product = ProductChoiceField(
        label="商品",
        queryset=Product.objects.all(),
        required=False,
        empty_label="特になし",
        error_messages={"invalid_choice": "商品を一覧から選択してください。"},
    )
    subject = SingleLineField(
        label="件名",
        max_length=100,
        line_break_message=SUBJECT_LINE_BREAK,
        error_messages=field_messages("件名", 100),
    )
    body = MultiLineField(
        label="お問い合わせ内容",
        max_length=4000,
        error_messages=field_messages("お問い合わせ内容", 4000),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    name = SingleLineField(
        label="お名前",
        max_length=50,
        error_messages=field_messages("お名前", 50),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = email_address_field("メールアドレス")
    email_confirm = email_address_field("メールアドレス（確認用）")
    phone = InquiryPhoneField(
        label="電話番号",
        max_length=20,
        required=False,
        error_messages=field_messages("電話番号", 20),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contract_number = ContractNumberField(
        label="お客様番号",
        max_length=20,
        required=False,
        error_messages=field_messages("お客様番号", 20),
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    # The honeypot: hidden from people by the stylesheet (class ``trap``), left empty by
    # them; bots that fill every field fill it too.
    website = forms.CharField(
        label="この欄には何も入力しないでください",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, user=None, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.contract = contract
        if contract is not None:
            # A desk customer's number comes from the contract, shown and never typed.
            field = self.fields["contract_number"]
            field.disabled = True
            field.initial = contract.customer_number
            self.initial["contract_number"] = contract.customer_number

    def is_bot(self) -> bool:
        return bool(self.data.get(self.add_prefix(HONEYPOT)))

    def clean(self):
        cleaned = super().clean()
        email = self.data.get(self.add_prefix("email"), "").strip()
        confirm = cleaned.get("email_confirm")
        if confirm is not None and email != confirm:
            self.add_error("email_confirm", MISMATCH)
        category = cleaned.get("category")
        if category:
            refusal = login_refusal(category, self.user)
            if refusal:
                self.add_error("category", refusal)
        return cleaned

    def values(self) -> dict:
        """What the draft keeps (plain values: the session stores JSON)."""
        data = self.cleaned_data
        product = data.get("product")
        return {
            "category": data["category"],
            "product": product.pk if product else None,
            "product_name": product.name if product else "特になし",
            "subject": data["subject"],
            "body": data["body"],
            "name": data["name"],
            "email": data["email"],
            "phone": data.get("phone") or "",
            "contract_number": data.get("contract_number") or "",
        }


# --- Back office -----------------------------------------------------------------------------


def operators():
    from madoguchi.contracts.models import User

    return User.objects.filter(kind=User.Kind.OPERATOR, is_active=True).order_by("username")


class HandlingForm(forms.Form):
    status = forms.ChoiceField(
        label="対応状況",
        choices=Inquiry.Status.choices,
        error_messages={"invalid_choice": "対応状況を一覧から選択してください。"},
    )
    assignee = forms.ModelChoiceField(
        label="担当者",
        queryset=operators(),
        required=False,
        empty_label="未割り当て",
        error_messages={"invalid_choice": "担当者を一覧から選択してください。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = operators()
        self.fields["assignee"].label_from_instance = lambda user: user.username


class NoteForm(forms.Form):
    text = MultiLineField(
        label="内部メモ",
        help_text="お客様には表示・送信されません。",
        max_length=2000,
        error_messages={
            **field_messages("内部メモ", 2000),
            "required": "内部メモを入力してください。",
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )


KEY_RE = re.compile(r"^[0-9a-f]{32}$")


class ReplyForm(forms.Form):
    body = MultiLineField(
        label="返信内容",
        help_text="お客様にメールで送信されます。",
        max_length=4000,
        error_messages={
            **field_messages("返信内容", 4000),
            "required": "返信内容を入力してください。",
        },
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    key = forms.RegexField(
        regex=KEY_RE,
        widget=forms.HiddenInput,
        error_messages={
            "required": "返信画面を開き直してから送信してください。",
            "invalid": "返信画面を開き直してから送信してください。",
        },
    )
