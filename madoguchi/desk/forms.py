"""D3: the network authentication password change form."""

from django import forms
from django.contrib.auth.hashers import check_password

from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)
from madoguchi.lib.passwords import ALLOWED_RE, allowed_characters_message
from madoguchi.throttling import services as throttling

MESSAGES = {
    "length": "新しい認証パスワードは6文字以上8文字以下で入力してください。",
    "characters": allowed_characters_message("新しい認証パスワード"),
    "composition": (
        "新しい認証パスワードは、2文字以上のアルファベットと、"
        "1文字以上の数字または記号を含めてください。"
    ),
    "mismatch": "新しい認証パスワードと新しい認証パスワード(確認用)が一致しません。",
    "wrong_current": "現在の認証パスワードが正しくありません。",
    # D1.2: the current-password check is throttled like the login of the same ID.
    "current_locked": (
        "現在の認証パスワードの誤りが続いたため、{minutes}分間確認を停止しています。"
        "しばらくしてから再度お試しください。"
    ),
    "same_as_current": (
        "新しい認証パスワードには、現在の認証パスワードと異なるものを指定してください。"
    ),
}


def password_field(label: str, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        error_messages={
            "required": f"{label}を入力してください。",
            "max_length": f"{label}は%(limit_value)d文字以内で入力してください。",
            NULL_CHARACTERS: control_characters_message(label),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def password_rule_errors(password: str) -> list[str]:
    """Every D3.2 rule the new password breaks, each with its own message."""
    errors = []
    if not 6 <= len(password) <= 8:
        errors.append(MESSAGES["length"])
    if not ALLOWED_RE.fullmatch(password):
        errors.append(MESSAGES["characters"])
    letters = sum(char.isascii() and char.isalpha() for char in password)
    others = sum(char.isascii() and not char.isalpha() for char in password)
    if letters < 2 or others < 1:
        errors.append(MESSAGES["composition"])
    return errors


class NetworkPasswordForm(forms.Form):
    current_password = password_field("現在の認証パスワード", "current-password")
    new_password = password_field("新しい認証パスワード", "new-password")
    new_password_confirm = password_field("新しい認証パスワード(確認用)", "new-password")

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request  # its address and device entry count the failures (D1.2)

    def clean_current_password(self) -> str:
        value = reject_control_characters(
            self.cleaned_data["current_password"], "現在の認証パスワード"
        )
        # Wrong current passwords are failures of the ID, like wrong logins (D1.2): once a
        # lock applies to this browser the check is refused before any hash is computed.
        locked = MESSAGES["current_locked"].format(minutes=throttling.lockout_minutes())
        if throttling.check(DESK_LOGINS, self.request, self.user.username) is not None:
            raise forms.ValidationError(locked, code="throttled")
        # Not user.check_password(): its hash upgrade would save a new hash and so log the
        # customer out (session auth hash) before the change is confirmed.
        if not check_password(value, self.user.password):
            if throttling.record_failure(DESK_LOGINS, self.request, self.user.username):
                raise forms.ValidationError(locked, code="throttled")
            raise forms.ValidationError(MESSAGES["wrong_current"])
        return value

    def clean_new_password(self) -> str:
        value = self.cleaned_data["new_password"]
        errors = password_rule_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean(self):
        cleaned = super().clean()
        # Compared as typed, so that a mismatch is reported even beside other rule errors.
        new = self.data.get(self.add_prefix("new_password"), "")
        confirm = cleaned.get("new_password_confirm")
        if confirm is not None and new != confirm:
            self.add_error("new_password_confirm", MESSAGES["mismatch"])
        current = cleaned.get("current_password")
        if new and current and new == current:
            self.add_error("new_password", MESSAGES["same_as_current"])
        return cleaned
