"""The bytes of a notification mail, prepared once per publication (S4, fast path).

Building a MIME message costs about a millisecond; a publication can have 1,000,000
recipients. So the message is built once, with the standard library, around markers; the
per-recipient parts (To, Message-ID, the List-Unsubscribe URLs and the visible unsubscribe
link) are then spliced into the prepared bytes: a join of byte strings per recipient.

The body is quoted-printable UTF-8 text; the link sits on a line of its own, so it can be
spliced in (soft-broken at 76 characters as quoted-printable requires) without re-encoding
the rest. The result is ready for SMTP DATA: CRLF line ends, leading dots doubled.
"""

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from madoguchi.delivery import tokens
from madoguchi.notices.models import Notice, Publication

# Markers spliced per recipient; none can appear in rendered text by chance.
TO = b"MADOGUCHI-TO-a8f3"
MESSAGE_ID = b"MADOGUCHI-MID-a8f3"
UNSUBSCRIBE_URL = b"MADOGUCHI-UNSUB-a8f3"
UNSUBSCRIBE_MAILTO = b"MADOGUCHI-MAILTO-a8f3"
UNSUBSCRIBE_LINE = b"MADOGUCHI-LINE-a8f3"
_MARKERS = re.compile(
    b"|".join((TO, MESSAGE_ID, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO, UNSUBSCRIBE_LINE))
)
LIST_NAMES = {
    Notice.Kind.MAINTENANCE: "工事情報メール",
    Notice.Kind.OUTAGE: "故障情報メール",
}
KIND_LABELS = {Notice.Kind.MAINTENANCE: "工事情報", Notice.Kind.OUTAGE: "故障情報"}


def public_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def unsubscribe_url(delivery_pk: int) -> str:
    token = tokens.make(tokens.UNSUBSCRIBE, tokens.DELIVERY, delivery_pk)
    return public_url(reverse("delivery:unsubscribe", args=[token]))


def message_id_domain() -> str:
    return settings.DELIVERY_LIST_DOMAIN


def message_id(publication_id: int, delivery_pk: int) -> str:
    """Stable per delivery row: a retry after a crash sends the same Message-ID."""
    return f"<alert.{publication_id}.{delivery_pk}@{message_id_domain()}>"


def _soft_broken(line: bytes) -> bytes:
    """An ASCII line as quoted-printable: '=' escaped, soft breaks every 75 characters."""
    line = line.replace(b"=", b"=3D")
    parts = [line[i : i + 75] for i in range(0, len(line), 75)] or [b""]
    return b"=\r\n".join(parts)


@dataclass(frozen=True)
class Prepared:
    """A publication's mail with its per-recipient parts left open."""

    publication_id: int
    kind: str
    segments: tuple  # bytes, and marker bytes where a per-recipient value goes

    def render(self, delivery_pk: int, address: str) -> bytes:
        """The DATA of one recipient's mail (CRLF, dot-stuffed, without the final '.')."""
        url = unsubscribe_url(delivery_pk).encode()
        values = {
            TO: address.encode(),
            MESSAGE_ID: message_id(self.publication_id, delivery_pk).encode(),
            UNSUBSCRIBE_URL: url,
            UNSUBSCRIBE_MAILTO: tokens.unsubscribe_mailto(delivery_pk).encode(),
            UNSUBSCRIBE_LINE: _soft_broken(url),
        }
        return b"".join(values.get(part, part) for part in self.segments)


def prepare(publication: Publication) -> Prepared:
    """Render the publication's mail once (with markers for the per-recipient parts)."""
    kind = Notice.Kind(publication.kind)
    text = render_to_string(
        "emails/alert_notice.txt",
        {
            "text": publication.text,
            "notice_url": public_url(reverse("notices:detail", args=[publication.notice_id])),
            "settings_url": public_url(reverse("alerts:settings")),
            "kind_label": KIND_LABELS[kind],
            "unsubscribe_url": UNSUBSCRIBE_LINE.decode(),
        },
    ).strip()
    # 76: the longest line quoted-printable allows (RFC 2045); SMTP's default is 78.
    message = EmailMessage(policy=SMTP.clone(max_line_length=76))
    message["From"] = settings.DEFAULT_FROM_EMAIL
    message["To"] = TO.decode()
    message["Subject"] = publication.subject
    message["Date"] = format_datetime(timezone.localtime())
    message["Message-ID"] = MESSAGE_ID.decode()
    message["List-Id"] = f"{LIST_NAMES[kind]} <{kind.value}.{settings.DELIVERY_LIST_DOMAIN}>"
    message["List-Unsubscribe"] = (
        f"<{UNSUBSCRIBE_URL.decode()}>, <mailto:{UNSUBSCRIBE_MAILTO.decode()}>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Feedback-ID"] = f"{publication.pk}:{kind.value}:madoguchi"
    message.set_content(text + "\n", cte="quoted-printable")
    data = message.as_bytes()
    if b"\r\n." in data:
        data = data.replace(b"\r\n.", b"\r\n..")
    segments = []
    position = 0
    for match in _MARKERS.finditer(data):
        segments += [data[position : match.start()], match.group()]
        position = match.end()
    segments.append(data[position:])
    return Prepared(publication.pk, kind.value, tuple(segments))
