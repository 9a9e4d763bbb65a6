"""Forms of a support ID (S2): registration, password change and reset, address, withdrawal.

Every message is Japanese and shown beside its field; a password is never rendered back.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone

from madoguchi.lib.forms import PlainTextMixin, email_address_field, field_messages
from madoguchi.supportid import passwords
from madoguchi.supportid.passwords import PasswordField

EMAIL_MISMATCH = "メールアドレスとメールアドレス（確認用）が一致しません。"
DESK_REALM = (
    "「@{realm}」のメールアドレスはカスタマサポートデスクの認証IDの形式のため、"
    "お客さまサポートIDには登録できません。ご契約者さまは、認証IDとパスワードでそのまま"
    "ログインしてご利用いただけます。"
)
BIRTH_DATE_REQUIRED = "生年月日を選択してください。"
BIRTH_DATE_INCOMPLETE = "生年月日は年・月・日をすべて選択してください。"
BIRTH_DATE_INVALID = "生年月日に存在しない日付が選択されています（{year}年{month}月{day}日）。"
BIRTH_DATE_FUTURE = "生年月日には今日より前の日付を選択してください。"
BIRTH_DATE_CHOICE = "生年月日の{part}を一覧から選択してください。"
CURRENT_PASSWORD_WRONG = "現在のパスワードが正しくありません。"
NAME_MAX = 50
# The oldest birth year offered: nobody registering is older than this.
MAX_AGE_YEARS = 120


def desk_realm_of(email: str) -> str | None:
    """The desk realm (DESK_REALMS) an address belongs to, if any: those are 認証ID forms."""
    domain = email.rpartition("@")[2].lower()
    for realm in settings.DESK_REALMS:
        realm = realm.lower()
        if domain == realm or domain.endswith("." + realm):
            return realm
    return None


def lower_email_field(label: str):
    field = email_address_field(label)
    field.widget.attrs["spellcheck"] = "false"
    return field


class NameField(PlainTextMixin, forms.CharField):
    """お名前: one line, no control characters."""

    def to_python(self, value):
        value = super().to_python(value)
        if value and ("\r" in value or "\n" in value):
            raise forms.ValidationError("お名前に改行は使用できません。")
        return value


def _years() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [("", "年")] + [
        (str(year), str(year)) for year in range(this_year, this_year - MAX_AGE_YEARS - 1, -1)
    ]


def _part(label: str, choices, aria: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        error_messages={"invalid_choice": BIRTH_DATE_CHOICE.format(part=label)},
        widget=forms.Select(attrs={"aria-label": aria, "autocomplete": "off"}),
    )


class SetPasswordMixin:
    """Two password fields (``password`` and ``password_confirm``) checked by the rules."""

    password_label = "パスワード"

    def password_email(self) -> str:
        return ""

    def clean_password(self):
        password = self.cleaned_data["password"]
        passwords.validate(password, email=self.password_email(), label=self.password_label)
        return password

    def check_password_pair(self, cleaned: dict) -> None:
        password = cleaned.get("password")
        confirm = cleaned.get("password_confirm")
        if password is not None and confirm is not None and password != confirm:
            self.add_error("password_confirm", passwords.MISMATCH)


class RegistrationForm(SetPasswordMixin, forms.Form):
    """新規登録 (S2): the address twice, name, birth date and the password twice."""

    email = lower_email_field("メールアドレス")
    email_confirm = lower_email_field("メールアドレス（確認用）")
    name = NameField(
        label="お名前",
        max_length=NAME_MAX,
        error_messages=field_messages("お名前", NAME_MAX),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_year = _part("年", _years, "生年月日（年）")
    birth_month = _part(
        "月", [("", "月")] + [(str(m), str(m)) for m in range(1, 13)], "生年月日（月）"
    )
    birth_day = _part(
        "日", [("", "日")] + [(str(d), str(d)) for d in range(1, 32)], "生年月日（日）"
    )
    password = PasswordField(label="パスワード")
    password_confirm = PasswordField(label="パスワード（確認用）")

    BIRTH_FIELDS = ("birth_year", "birth_month", "birth_day")

    def password_email(self) -> str:
        return (self.data.get(self.add_prefix("email")) or "").strip()

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        realm = desk_realm_of(email)
        if realm:
            raise forms.ValidationError(DESK_REALM.format(realm=realm))
        return email

    def clean_email_confirm(self):
        return self.cleaned_data["email_confirm"].lower()

    @property
    def birth_date_errors(self) -> list[str]:
        """The birth date's messages (of its three selects), shown beside them."""
        return [error for name in self.BIRTH_FIELDS for error in self.errors.get(name, [])]

    def _birth_date(self, cleaned: dict) -> date | None:
        if any(name in self.errors for name in self.BIRTH_FIELDS):
            return None  # an invalid choice: said already
        parts = [cleaned.get(name) or "" for name in self.BIRTH_FIELDS]
        if not any(parts):
            self.add_error("birth_year", BIRTH_DATE_REQUIRED)
            return None
        if not all(parts):
            self.add_error("birth_year", BIRTH_DATE_INCOMPLETE)
            return None
        year, month, day = (int(part) for part in parts)
        try:
            born = date(year, month, day)
        except ValueError:
            self.add_error("birth_year", BIRTH_DATE_INVALID.format(year=year, month=month, day=day))
            return None
        if born >= timezone.localdate():
            self.add_error("birth_year", BIRTH_DATE_FUTURE)
            return None
        return born

    def clean(self):
        cleaned = super().clean()
        email, confirm = cleaned.get("email"), cleaned.get("email_confirm")
        if email is not None and confirm is not None and email != confirm:
            self.add_error("email_confirm", EMAIL_MISMATCH)
        cleaned["birth_date"] = self._birth_date(cleaned)
        self.check_password_pair(cleaned)
        return cleaned

    def values(self) -> dict:
        """What the draft keeps besides the password's hash (plain values: JSON)."""
        data = self.cleaned_data
        return {
            "email": data["email"],
            "name": data["name"],
            "birth_date": data["birth_date"].isoformat(),
        }

    @staticmethod
    def initial_from(draft: dict) -> dict:
        """The input step's values again (「戻る」 from the confirm step), password aside."""
        born = date.fromisoformat(draft["birth_date"])
        return {
            "email": draft["email"],
            "email_confirm": draft["email"],
            "name": draft["name"],
            "birth_year": str(born.year),
            "birth_month": str(born.month),
            "birth_day": str(born.day),
        }


class AddressForm(forms.Form):
    """One mail address: パスワードを忘れました, IDを忘れました."""

    email = lower_email_field("メールアドレス")

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class CurrentPasswordMixin:
    """``current_password`` must be the login's password."""

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(CURRENT_PASSWORD_WRONG)
        return password


def _current_password_field() -> PasswordField:
    return PasswordField(label="現在のパスワード", autocomplete="current-password")


class PasswordResetForm(SetPasswordMixin, forms.Form):
    """パスワードの再設定 (from the mailed link): the new password twice."""

    password_label = "新しいパスワード"
    password = PasswordField(label="新しいパスワード")
    password_confirm = PasswordField(label="新しいパスワード（確認用）")

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def password_email(self) -> str:
        return self.email

    def clean(self):
        cleaned = super().clean()
        self.check_password_pair(cleaned)
        return cleaned


class PasswordChangeForm(CurrentPasswordMixin, PasswordResetForm):
    """パスワードの変更: the current password, the new one twice."""

    current_password = _current_password_field()
    field_order = ["current_password", "password", "password_confirm"]

    def __init__(self, *args, user, email: str, **kwargs):
        super().__init__(*args, email=email, **kwargs)
        self.user = user


class WithdrawForm(CurrentPasswordMixin, forms.Form):
    """退会: the current password, before the confirm step."""

    current_password = _current_password_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
