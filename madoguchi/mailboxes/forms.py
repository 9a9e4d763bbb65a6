"""Mailbox application forms (D4.2–D4.5).

The change form is three forms in one page: the outer form reads only which pattern was
chosen, and only that pattern's form reads its fields, so browser autofill in the other
patterns' fields is ignored, never validated and never stored (D4.2).
"""

from django import forms

from madoguchi.lib.forms import NULL_CHARACTERS, control_characters_message
from madoguchi.mailboxes import services
from madoguchi.mailboxes.rules import (
    ACCOUNT_MESSAGES,
    PASSWORD_MESSAGES,
    account_name_errors,
    mail_password_errors,
)

VIRUS_CHOICES = [("1", "利用する"), ("0", "利用しない")]
VIRUS_REQUIRED = "ウィルスチェックサービスの「利用する」「利用しない」を選択してください。"
SAME_ACCOUNT = (
    "現在ご利用中のメールアカウントと同じです。変更後のメールアカウントを入力してください。"
)
SAME_VIRUS_CHECK = "ウィルスチェックサービスのご利用状況に変更がありません。"
PATTERN_REQUIRED = "3つの申込みのパターンから1つを選択してください。"


def account_field() -> forms.CharField:
    return forms.CharField(
        label="メールアカウント",
        max_length=32,
        error_messages={
            "required": "メールアカウントを入力してください。",
            "max_length": "メールアカウントは3文字以上32文字以下で入力してください。",
            NULL_CHARACTERS: control_characters_message("メールアカウント"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


def mail_password_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=16,
        strip=False,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": PASSWORD_MESSAGES["length"],
            NULL_CHARACTERS: control_characters_message(label),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def virus_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="ウィルスチェックサービス",
        choices=VIRUS_CHOICES,
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={
            "required": VIRUS_REQUIRED,
            "invalid_choice": VIRUS_REQUIRED,
        },
    )


class AccountFieldsMixin:
    """Account name and mail password twice, with every D4.9 rule's own message.

    A name in use (by any mailbox or pending application of the service) is refused here
    already, within the contract's hourly number of answers; the confirm step checks again,
    as it may be taken meanwhile.
    """

    current_account = ""
    contract = None

    def clean_account(self) -> str:
        value = self.cleaned_data["account"]
        errors = account_name_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        if value == self.current_account:
            raise forms.ValidationError(SAME_ACCOUNT)
        try:
            taken = services.name_is_taken(self.contract, value)
        except services.TooManyLookups as refused:
            raise forms.ValidationError(refused.message) from None
        if taken:
            raise forms.ValidationError(ACCOUNT_MESSAGES["taken"])
        return value

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        errors = mail_password_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean(self):
        cleaned = super().clean()
        typed = self.data.get(self.add_prefix("password"), "")
        confirm = cleaned.get("password_confirm")
        if confirm is not None and typed != confirm:
            self.add_error("password_confirm", PASSWORD_MESSAGES["mismatch"])
        return cleaned


class VirusOnlyForm(forms.Form):
    """Pattern (a): 「ウィルスチェックサービスのみ変更申込みをする。」"""

    virus_check = virus_field()

    def __init__(
        self, *args, current_account: str, current_virus_check: bool, contract=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.current_virus_check = current_virus_check

    def clean_virus_check(self) -> bool:
        value = self.cleaned_data["virus_check"]
        if value == self.current_virus_check:
            raise forms.ValidationError(SAME_VIRUS_CHECK)
        return value


class AccountAndVirusForm(AccountFieldsMixin, forms.Form):
    """Pattern (b): 「メールアカウントと、ウィルスチェックサービスを同時に変更申込みする。」"""

    account = account_field()
    password = mail_password_field("メールパスワード")
    password_confirm = mail_password_field("メールパスワード(確認の為再入力)")
    virus_check = virus_field()

    def __init__(
        self, *args, current_account: str, current_virus_check: bool, contract=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.current_account = current_account
        self.contract = contract


class AccountOnlyForm(AccountFieldsMixin, forms.Form):
    """Pattern (c): 「メールアカウントのみ変更申込みをする。」"""

    account = account_field()
    password = mail_password_field("メールパスワード")
    password_confirm = mail_password_field("メールパスワード(確認の為再入力)")

    def __init__(
        self, *args, current_account: str, current_virus_check: bool, contract=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.current_account = current_account
        self.contract = contract


PATTERNS = {
    "virus": ("ウィルスチェックサービスのみ変更申込みをする。", VirusOnlyForm),
    "both": (
        "メールアカウントと、ウィルスチェックサービスを同時に変更申込みする。",
        AccountAndVirusForm,
    ),
    "account": ("メールアカウントのみ変更申込みをする。", AccountOnlyForm),
}


class PatternForm(forms.Form):
    pattern = forms.ChoiceField(
        label="お申込みのパターン",
        choices=[(key, label) for key, (label, _) in PATTERNS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": PATTERN_REQUIRED, "invalid_choice": PATTERN_REQUIRED},
    )


class ChangeForms:
    """The pattern choice and the three pattern forms of the change page, bound together.

    Only the chosen pattern's form is bound to the POST: the others stay unbound, so what a
    browser autofilled in their fields is never read, validated or stored (D4.2).
    """

    def __init__(
        self,
        data=None,
        *,
        current_account: str,
        current_virus_check: bool,
        contract=None,
        initial: dict | None = None,
    ):
        initial = initial or {}
        self.choice = PatternForm(data, initial={"pattern": initial.get("pattern")})
        chosen = self.choice.data.get("pattern") if data is not None else None
        # The radios start at what a change would mean: (a) the other choice, (b) as now.
        defaults = {
            "virus": {"virus_check": "0" if current_virus_check else "1"},
            "both": {"virus_check": "1" if current_virus_check else "0"},
            "account": {},
        }
        if data is not None and chosen not in PATTERNS:
            # No pattern chosen: nothing is read, but what was typed (never a password) is
            # shown again, so that ticking the forgotten pattern is all it takes.
            initial = {
                "pattern": None,
                **{
                    key: {
                        name: data[f"{key}-{name}"]
                        for name in ("account", "virus_check")
                        if f"{key}-{name}" in data
                    }
                    for key in PATTERNS
                },
            }
        self.patterns = {
            key: form_class(
                data if key == chosen else None,
                prefix=key,
                current_account=current_account,
                current_virus_check=current_virus_check,
                contract=contract,
                initial={**defaults[key], **initial.get(key, {})},
            )
            for key, (_, form_class) in PATTERNS.items()
        }

    def is_valid(self) -> bool:
        if not self.choice.is_valid():
            return False
        return self.chosen.is_valid()

    @property
    def chosen_key(self) -> str:
        return self.choice.cleaned_data["pattern"]

    @property
    def chosen(self) -> forms.Form:
        return self.patterns[self.chosen_key]

    def sections(self):
        return [(key, PATTERNS[key][0], self.patterns[key]) for key in PATTERNS]


class AddForm(AccountFieldsMixin, forms.Form):
    """「追加」 on an empty slot (D4.5)."""

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract

    account = account_field()
    password = mail_password_field("メールパスワード")
    password_confirm = mail_password_field("メールパスワード(確認の為再入力)")
    virus_check = virus_field()


class ConfirmMailForm(forms.Form):
    """One checkbox per current address for the confirmation mail, all ticked (D4.4)."""

    mail_to = forms.MultipleChoiceField(
        label="確認メールの送信先",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "送信先はご利用中のメールアドレスから選択してください。"},
    )

    def __init__(self, *args, addresses: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mail_to"].choices = [(address, address) for address in addresses]
        self.fields["mail_to"].initial = addresses
