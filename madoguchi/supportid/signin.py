"""Signing in on the support site (S2): one field, three kinds of login.

The one field 「お客さまサポートID（メールアドレス）または認証ID」 takes a support ID (a mail
address of any domain), an ISP mailbox address (``xxx@arrow.example.ne.jp``) or a desk
credential (``<認証ID>@<realm>``). The part after the last ``@`` routes it:

- a desk realm (``settings.DESK_REALMS``): a desk credential, throttled in the desk's scope,
  so an ID's lock holds on the desk's and the support site's login pages alike;
- an ISP mail domain (``settings.MAIL_HOSTS`` or a ``virtual_users`` domain): a support ID
  first, then the mailbox, both in ``SUPPORT_LOGINS`` under the one address;
- any other domain: a support ID, in ``SUPPORT_LOGINS``.

Wrong credentials of every kind get one message (``INVALID_LOGIN``): the page never says
whether an ID exists, nor which kind it is.
"""

import unicodedata
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from madoguchi.contracts.forms import LOGIN_ID_RE, login_password_field
from madoguchi.contracts.models import User
from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.lib.forms import NULL_CHARACTERS, control_characters_message
from madoguchi.lib.forms import reject_control_characters as reject_controls
from madoguchi.provisioning.models import VirtualDomain
from madoguchi.throttling import services as throttling

# Support IDs and mailbox logins, throttled apart from the desk and the back office (D1.2).
SUPPORT_LOGINS = throttling.Scope(
    name="support",
    title="お客さまサポート",
    id_label="メールアドレス",
    cookie_name="madoguchi_support_device",
)
# The kinds the support site's own scope logs in (a desk credential goes through the desk's).
SUPPORT_SCOPE_KINDS = frozenset({User.Kind.SUPPORT, User.Kind.MAILBOX})

LOGIN_LABEL = "お客さまサポートID（メールアドレス）または認証ID"
INVALID_LOGIN = "ID（メールアドレスまたは認証ID）またはパスワードが正しくありません。"
# An address is at most 254 characters (RFC 5321 path limit less the brackets).
MAX_LOGIN_LENGTH = 254


def format_message() -> str:
    realm = settings.DESK_REALMS[0] if settings.DESK_REALMS else "example.ne.jp"
    return (
        f"{LOGIN_LABEL}は、メールアドレス（例：taro@example.co.jp）または"
        f"「認証ID@ドメイン」（例：abc123@{realm}）の形式で入力してください。"
    )


def is_isp_mail_domain(domain: str) -> bool:
    """Whether ``domain`` is one of the ISP's mail hosts (where mailboxes live, D4.8, P2)."""
    return domain in settings.MAIL_HOSTS or VirtualDomain.objects.filter(name=domain).exists()


def is_support_scope_login(user: User) -> bool:
    return user.kind in SUPPORT_SCOPE_KINDS


@dataclass(frozen=True)
class Route:
    """How one typed ID is logged in: the scope that counts it and the credentials tried."""

    username: str  # what the scope counts and locks: the address, or 認証ID@realm
    desk: bool  # a desk credential (the desk's scope and rules)
    credentials: tuple[dict, ...] = ()

    @property
    def scope(self) -> throttling.Scope:
        return DESK_LOGINS if self.desk else SUPPORT_LOGINS


def route(login: str) -> Route:
    """The route of a cleaned login (lower-case ``local@domain``) by its domain."""
    domain = login.rpartition("@")[2]
    if domain in settings.DESK_REALMS:
        return Route(username=login, desk=True)
    credentials = ({"support_id": login},)
    if is_isp_mail_domain(domain):
        credentials += ({"mailbox_address": login},)
    return Route(username=login, desk=False, credentials=credentials)


class SupportLoginForm(forms.Form):
    """The support site's login (S2): one ID field for the three kinds, and the password."""

    login = forms.CharField(
        label=LOGIN_LABEL,
        error_messages={
            "required": f"{LOGIN_LABEL}を入力してください。",
            NULL_CHARACTERS: control_characters_message(LOGIN_LABEL),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "inputmode": "email",
                "spellcheck": "false",
            }
        ),
    )
    password = login_password_field()

    def clean_login(self) -> str:
        value = reject_controls(self.cleaned_data["login"], LOGIN_LABEL)
        # Full-width letters and ＠ typed with a Japanese input method are the ASCII ones.
        value = unicodedata.normalize("NFKC", value).strip()
        if len(value) > MAX_LOGIN_LENGTH:
            raise ValidationError(f"{LOGIN_LABEL}は{MAX_LOGIN_LENGTH}文字以内で入力してください。")
        local, at, domain = value.rpartition("@")
        if not (at and local and domain):
            raise ValidationError(format_message())
        domain = domain.lower()
        if domain in settings.DESK_REALMS:
            if not LOGIN_ID_RE.fullmatch(local):
                raise ValidationError("認証IDは半角英数字と「.」「-」「_」で入力してください。")
        else:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(format_message()) from None
        return f"{local.lower()}@{domain}"

    def clean_password(self) -> str:
        return reject_controls(self.cleaned_data["password"], "パスワード")
