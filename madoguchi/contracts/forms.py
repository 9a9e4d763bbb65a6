import re

from django import forms
from django.conf import settings

from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)

LOGIN_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def login_password_field() -> forms.CharField:
    """A login page's password (the desk's, the support site's).

    No length limit here: an overlong password is a wrong one, answered with the generic
    message and counted like any other (throttling refuses it without hashing it, D1.2).
    """
    return forms.CharField(
        label="パスワード",
        strip=False,
        error_messages={
            "required": "パスワードを入力してください。",
            NULL_CHARACTERS: control_characters_message("パスワード"),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DeskLoginForm(forms.Form):
    """D1.1: 認証ID (before @), the realm (after @) and the password."""

    login_id = forms.CharField(
        label="認証ID",
        max_length=32,
        error_messages={
            "required": "認証IDを入力してください。",
            "max_length": "認証IDは%(limit_value)d文字以内で入力してください。",
            NULL_CHARACTERS: control_characters_message("認証ID"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    realm = forms.ChoiceField(
        label="@以降",
        error_messages={
            "required": "@以降を選択してください。",
            "invalid_choice": "@以降は一覧から選択してください。",
        },
    )
    password = login_password_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["realm"].choices = [("", "選択してください")] + [
            (realm, realm) for realm in settings.DESK_REALMS
        ]

    def clean_login_id(self) -> str:
        value = reject_control_characters(self.cleaned_data["login_id"], "認証ID")
        if not LOGIN_ID_RE.fullmatch(value):
            raise forms.ValidationError("認証IDは半角英数字と「.」「-」「_」で入力してください。")
        return value.lower()

    def clean_password(self) -> str:
        return reject_control_characters(self.cleaned_data["password"], "パスワード")

    @property
    def username(self) -> str:
        return f"{self.cleaned_data['login_id']}@{self.cleaned_data['realm']}"
