"""The S3 pages as a test client walks them (test helper)."""

import re

from django.urls import reverse

from madoguchi.outbox.models import Mail

SETTINGS = reverse("alerts:settings")
DESTINATIONS = reverse("alerts:destinations")
LINK = re.compile(r"https?://\S+/support/mymenu/mail/destinations/confirm/(\S+)/")


def add(client, address: str, confirm: str | None = None, **extra):
    return client.post(
        DESTINATIONS,
        {"address": address, "address_confirm": address if confirm is None else confirm},
        **extra,
    )


def settings_data(**changes) -> dict:
    data = {"products": [], "kinds": ["maintenance", "outage"], "weekdays": ["0"], "hours": ["9"]}
    data.update(changes)
    return data


def link_token(text: str) -> str:
    """The token of the confirmation link in a mail's text."""
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def mailed_token(address: str) -> str:
    """The token of the latest 仮登録確認メール queued for ``address``."""
    mail = Mail.objects.filter(to=address, template="alerts_destination_confirm").latest("id")
    return link_token(mail.context["link"] + " ")


def confirm_url(token: str) -> str:
    return reverse("alerts:destination_confirm", args=[token])


def resume_url(token: str) -> str:
    return reverse("alerts:resume", args=[token])
