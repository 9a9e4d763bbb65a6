"""ご請求関連 forms (D6.2, D6.3): every field checked on the server with its own message."""

from django import forms

from madoguchi.billing import postal
from madoguchi.billing.services import SOURCE_MAILBOX, SOURCE_OTHER
from madoguchi.contracts.models import Contract
from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)


def text_field(label: str, max_length: int, *, required: bool = False, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": f"{label}は%(limit_value)d文字以内で入力してください。",
            NULL_CHARACTERS: control_characters_message(label),
        },
        widget=forms.TextInput(attrs=attrs),
    )


class PostalCodeMixin:
    def clean_postal_code(self) -> str:
        value = reject_control_characters(self.cleaned_data["postal_code"], "郵便番号")
        try:
            code, _ = postal.lookup(value)
        except postal.PostalCodeError as error:
            raise forms.ValidationError(error.message) from None
        return code


class PostalLookupForm(PostalCodeMixin, forms.Form):
    """The 「住所検索」 button's input: the postal code alone."""

    postal_code = text_field("郵便番号", 20, required=True)


NOTHING_CHANGED = "現在の送付先から変更がありません。変更する項目を入力してください。"


class AddressForm(PostalCodeMixin, forms.Form):
    """D6.2 「請求書」および「口座振替のお知らせ」送付先住所."""

    postal_code = text_field(
        "郵便番号", 20, required=True, autocomplete="postal-code", inputmode="numeric"
    )
    address = text_field("住所", 200, required=True, autocomplete="street-address")
    company = text_field("会社名", 100, autocomplete="organization")
    department = text_field("部課名", 100)
    addressee = text_field("宛名", 100, autocomplete="name")

    def __init__(self, *args, current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def _text(self, name: str) -> str:
        return reject_control_characters(self.cleaned_data[name], str(self.fields[name].label))

    def clean(self):
        cleaned = super().clean()
        if (
            self.current is not None
            and not self.errors
            and all(cleaned.get(key, "") == self.current.get(key, "") for key in self.fields)
        ):
            raise forms.ValidationError(NOTHING_CHANGED, code="unchanged")
        return cleaned

    def clean_address(self) -> str:
        return self._text("address")

    def clean_company(self) -> str:
        return self._text("company")

    def clean_department(self) -> str:
        return self._text("department")

    def clean_addressee(self) -> str:
        return self._text("addressee")


METHOD_REQUIRED = "送付方法を選択してください。"
DESTINATION_REQUIRED = "送付先のメールアドレスを選択してください。"
EMAIL_INVALID = "メールアドレスを正しく入力してください。"
EMAIL_MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"


def email_field(label: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        required=False,
        max_length=254,
        error_messages={
            "invalid": EMAIL_INVALID,
            "max_length": f"{label}は%(limit_value)d文字以内で入力してください。",
            NULL_CHARACTERS: control_characters_message(label),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )


class NoticeForm(forms.Form):
    """D6.3 「口座振替のお知らせ」の送付方法: 郵送, or メール to one of the contract's mail
    accounts or to another address (typed twice)."""

    method = forms.ChoiceField(
        label="送付方法",
        choices=Contract.NoticeMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": METHOD_REQUIRED, "invalid_choice": METHOD_REQUIRED},
    )
    destination = forms.ChoiceField(
        label="送付先メールアドレス",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": DESTINATION_REQUIRED},
    )
    email = email_field("メールアドレス")
    email_confirm = email_field("メールアドレス（確認用）")

    def __init__(self, *args, mailboxes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.mailboxes = mailboxes
        self.fields["destination"].choices = [(address, address) for address in mailboxes] + [
            (SOURCE_OTHER, "その他のメールアドレス")
        ]

    def _checked(self, name: str) -> str:
        return reject_control_characters(self.cleaned_data[name], str(self.fields[name].label))

    def clean_email(self) -> str:
        return self._checked("email")

    def clean_email_confirm(self) -> str:
        return self._checked("email_confirm")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") != Contract.NoticeMethod.MAIL:
            return cleaned
        destination = cleaned.get("destination")
        if not destination:
            if "destination" not in self.errors:
                self.add_error("destination", DESTINATION_REQUIRED)
            return cleaned
        if destination != SOURCE_OTHER:
            cleaned["source"], cleaned["address"] = SOURCE_MAILBOX, destination
            return cleaned
        email, confirm = cleaned.get("email"), cleaned.get("email_confirm")
        if "email" not in self.errors and not email:
            self.add_error("email", "メールアドレスを入力してください。")
        if "email_confirm" not in self.errors and not confirm:
            self.add_error("email_confirm", "メールアドレス（確認用）を入力してください。")
        if email and confirm and email != confirm:
            self.add_error("email_confirm", EMAIL_MISMATCH)
        # One of the contract's own accounts typed by hand needs no confirmation.
        source = SOURCE_MAILBOX if email in self.mailboxes else SOURCE_OTHER
        cleaned["source"], cleaned["address"] = source, email or ""
        return cleaned

    def choice(self) -> dict:
        """The validated choice as the draft keeps it."""
        data = self.cleaned_data
        if data["method"] != Contract.NoticeMethod.MAIL:
            return {"method": data["method"], "source": "", "email": ""}
        return {"method": data["method"], "source": data["source"], "email": data["address"]}
