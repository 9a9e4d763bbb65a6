"""Support IDs as the tests make and walk them (test helper, S2)."""

import re
from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.contracts.models import User
from madoguchi.supportid.models import SupportAccount
from madoguchi.testing.drafts import with_draft_token

REGISTER = reverse("supportid:register")
REGISTER_DONE = reverse("supportid:register_done")
FORGOT = reverse("supportid:password_forgot")
REMINDER = reverse("supportid:id_reminder")
MYMENU = reverse("supportid:mymenu")
ACCOUNT = reverse("supportid:account")
PASSWORD_CHANGE = reverse("supportid:password_change")
WITHDRAW = reverse("supportid:withdraw")
FLOW = "supportid_register"
WITHDRAW_FLOW = "supportid_withdraw"

PASSWORD = "yuki-no-hi-2024"  # 15 characters, not a common password
NEW_PASSWORD = "haru-ichiban-77"

VALUES = {
    "email": "hanako@example.com",
    "email_confirm": "hanako@example.com",
    "name": "見本 花子",
    "birth_year": "1990",
    "birth_month": "5",
    "birth_day": "14",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}

LINK = re.compile(r"https?://\S+")


def values(**changes) -> dict:
    return {**VALUES, **changes}


def make_support_id(
    email: str = "taro@example.com",
    *,
    password: str = PASSWORD,
    name: str = "見本 太郎",
    birth_date: date = date(1985, 4, 1),
    confirmed: bool = True,
) -> SupportAccount:
    """A support ID as registration and confirmation leave it (settings included)."""
    from madoguchi.alerts.models import AlertSettings

    user = User(
        username=f"support:test-{email}",
        kind=User.Kind.SUPPORT,
        email=email,
        is_active=confirmed,
    )
    user.set_password(password)
    user.save()
    account = SupportAccount.objects.create(
        user=user,
        email=email,
        name=name,
        birth_date=birth_date,
        confirmed_at=timezone.now() if confirmed else None,
    )
    if confirmed:
        AlertSettings.objects.get_or_create(account=account)
    return account


def enter(client: Client, data: dict | None = None, **extra):
    """The input step's POST (by default VALUES): the confirm page, or the form again."""
    return client.post(REGISTER, data if data is not None else VALUES, **extra)


def submit(client: Client, **extra):
    """「登録する」 on the confirm page."""
    return client.post(REGISTER, with_draft_token(client, FLOW), **extra)


def register(client: Client, data: dict | None = None, **extra):
    """Input then 「登録する」: the final POST's response."""
    response = enter(client, data, **extra)
    assert response.status_code == 200, response.content.decode()
    assert "登録する" in response.content.decode()
    return submit(client, **extra)


def links(text: str) -> list[str]:
    return LINK.findall(text)


def path_of(link: str) -> str:
    """The path of an absolute link in a mail (the test client speaks to the same site)."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def mail_text(mail) -> str:
    return mail.text.replace("\r\n", "\n")


def link_to(mail, fragment: str) -> str:
    """The path of the mail's link that contains ``fragment`` (e.g. ``/register/confirm/``)."""
    [found] = [path_of(link) for link in links(mail_text(mail)) if fragment in link]
    return found
