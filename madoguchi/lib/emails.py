"""Render and send a mail from the template triplet ``emails/<name>.subject.txt|.txt|.html``."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Return (subject, text body, html body) of the named mail."""
    subject = render_to_string(f"emails/{name}.subject.txt", context).strip()
    subject = " ".join(subject.splitlines())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def send_email(name: str, *, to: list[str], context: dict) -> None:
    """Send the named mail to ``to`` over the configured relay."""
    if not to:
        return
    subject, text, html = render_email(name, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=settings.EMAIL_REPLY_TO,
    )
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("sent mail %s to %d recipient(s)", name, len(to))
