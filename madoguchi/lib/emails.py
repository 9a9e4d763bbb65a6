"""Render a mail from its templates ``emails/<name>.subject.txt`` and ``emails/<name>.txt``.

The HTML part is the text part laid out in ``emails/_html.html`` (escaped, paragraphs and
line breaks kept, links made clickable), so the two parts always say the same.
"""

from django.conf import settings
from django.template.loader import render_to_string


def render_subject(name: str, context: dict) -> str:
    subject = render_to_string(f"emails/{name}.subject.txt", context).strip()
    return " ".join(subject.splitlines())


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Return (subject, text body, html body) of the named mail."""
    subject = render_subject(name, context)
    # The footer says the sender takes no replies unless a Reply-To is configured.
    context = {**context, "replies_welcome": bool(settings.EMAIL_REPLY_TO)}
    text = render_to_string(f"emails/{name}.txt", context).strip() + "\n"
    html = render_to_string("emails/_html.html", {"subject": subject, "text": text})
    return subject, text, html
