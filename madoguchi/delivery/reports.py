"""What an incoming report about a sent mail says: a bounce, a complaint or an auto-reply.

Read with the standard library and ``flufl.bounce``, most authoritative first:

1. an ARF feedback report (RFC 5965: ``multipart/report; report-type=feedback-report``) is
   a complaint;
2. a DSN (RFC 3464: a ``message/delivery-status`` part) gives each recipient's ``Action``,
   ``Status`` and ``Diagnostic-Code``: 5.x.x is hard, 4.x.x soft, and so is 5.2.2 (mailbox
   full: the address exists); ``Action: delayed`` is soft; ``delivered``/``relayed`` are
   not failures;
3. a bounce in no standard format (plain text "Undelivered Mail …") is left to
   ``flufl.bounce``'s heuristics (its permanent failures are hard, temporary ones soft), the
   code taken from the text when it names one; failing those, a mail that looks like a
   bounce (a report, from MAILER-DAEMON or postmaster, a bounce's subject) and names an
   enhanced status code in its text is classified by that code (a DSN cut off before its
   recipients' fields says what failed in its human-readable part);
4. an auto-reply (RFC 3834 ``Auto-Submitted: auto-replied``, ``X-Autoreply``, a vacation
   subject …) is recorded and changes nothing. It is checked last: MTAs mark their own
   bounces ``Auto-Submitted: auto-replied`` too.

Anything else is not recognised (``read_report`` answers None). Nothing here touches the
database; ``bounces.py`` records what a report says.
"""

import email
import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.utils import parseaddr

from flufl.bounce import all_failures

logger = logging.getLogger(__name__)
# flufl.bounce logs every detector it runs at INFO: noise for each report received.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

HARD = "hard"
SOFT = "soft"
COMPLAINT = "complaint"
AUTO_REPLY = "auto_reply"

MAILBOX_FULL = "5.2.2"
# Not a piece of an IP address (198.51.100.25) or a version number.
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
_VACATION = re.compile(
    r"^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|vacation|"
    r"abwesenheit|absence|不在|自動応答|自動返信)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|undelivered|delivery (status notification|failure|failed|has failed)|"
    r"mail delivery failed|returned mail|failure notice|non[- ]?delivery|"
    r"配送エラー|配信エラー|配信不能|不達)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+")


@dataclass(frozen=True)
class Report:
    kind: str  # HARD, SOFT, COMPLAINT or AUTO_REPLY (the values of Bounce.Kind)
    recipient: str = ""  # the final recipient the report names, if any
    status_code: str = ""  # an enhanced status code (RFC 3463), e.g. 5.1.1
    diagnostic: str = ""


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=policy.default)


def kind_for_status(status: str, action: str = "") -> str | None:
    """HARD, SOFT or None (not a failure) for a DSN's Status and Action."""
    if status == MAILBOX_FULL:
        return SOFT
    if status.startswith("5."):
        return HARD
    if status.startswith("4.") or action.startswith("delayed"):
        return SOFT
    if action.startswith(("fail", "error")) and not status.startswith("2."):
        return HARD
    return None


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _address(field: str) -> str:
    """The address of a DSN/ARF recipient field: ``rfc822; user@example.com``."""
    value = _text(field).rpartition(";")[2]
    return parseaddr(value)[1].lower()


def status_in(value: str) -> str:
    """The first enhanced status code (RFC 3463) in a text, or empty."""
    match = _STATUS.search(value or "")
    return ".".join(match.groups()) if match else ""


def _diagnostic(value: str) -> str:
    """A Diagnostic-Code without its type (``smtp; 550 5.1.1 …`` → ``550 5.1.1 …``)."""
    text = _text(value)
    kind, separator, rest = text.partition(";")
    return (rest.strip() if separator and " " not in kind.strip() else text)[:300]


def _parts(message: Message, content_type: str) -> list[Message]:
    return [part for part in message.walk() if part.get_content_type() == content_type]


# --- 1. ARF complaints ----------------------------------------------------------------------


def _complaint(message: Message) -> Report | None:
    feedback = _parts(message, "message/feedback-report")
    is_arf = (
        message.get_content_type() == "multipart/report"
        and message.get_param("report-type", "", header="content-type") == "feedback-report"
    )
    if not (is_arf or feedback):
        return None
    fields = _fields(feedback[0]) if feedback else {}
    feedback_type = _text(fields.get("feedback-type", "abuse"))
    return Report(
        COMPLAINT,
        recipient=_address(fields.get("original-rcpt-to", "")),
        diagnostic=f"Feedback-Type: {feedback_type}"[:300],
    )


def _fields(part: Message) -> dict[str, str]:
    """The fields of a message/feedback-report part (one block of header fields)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # parsed as a message: its headers are the fields
        return {key.lower(): str(value) for block in payload for key, value in block.items()}
    block = email.message_from_string(str(payload), policy=policy.compat32)
    return {key.lower(): str(value) for key, value in block.items()}


# --- 2. DSNs (RFC 3464) ---------------------------------------------------------------------


def _dsn(parts: list[Message]) -> Report | bool | None:
    """The worst per-recipient failure of a DSN; None for a DSN whose recipients were not
    failures (delivered, relayed, expanded); False for one cut off before any recipient's
    Action (the caller then reads its text like a bounce in no standard format)."""
    found: list[Report] = []
    actions = 0
    for part in parts:
        blocks = part.get_payload() if part.is_multipart() else []
        # The block about the message has no Action; one block per recipient follows.
        for block in blocks:
            action = _text(block.get("action", "")).lower()
            actions += bool(action)
            diagnostic = _diagnostic(block.get("diagnostic-code", ""))
            status = status_in(str(block.get("status", "")))
            detailed = status_in(diagnostic)
            # "Status: 5.0.0" with "550 5.2.2 mailbox full" in the diagnostic: the latter.
            if status.endswith(".0.0") and detailed[:1] == status[:1]:
                status = detailed
            kind = kind_for_status(status, action)
            if kind is not None:
                recipient = _address(
                    block.get("original-recipient") or block.get("final-recipient") or ""
                )
                found.append(Report(kind, recipient, status, diagnostic))
    if not actions:
        return False
    hard = [report for report in found if report.kind == HARD]
    return (hard or found or [None])[0]


# --- 3. Bounces in no standard format -------------------------------------------------------


def _heuristic(raw: bytes) -> Report | None:
    """flufl.bounce's detectors (Postfix, Exim, qmail, … and generic patterns)."""
    legacy = email.message_from_bytes(raw)  # flufl.bounce reads compat32 messages
    temporary, permanent = all_failures(legacy)
    if not (temporary or permanent):
        return None
    kind = HARD if permanent else SOFT
    recipient = sorted(permanent or temporary)[0].decode("ascii", "replace").lower()
    text = _body_text(legacy)
    status = ""
    diagnostic = ""
    for line in text.splitlines():
        status = status_in(line)
        if status:
            diagnostic = _text(line)[:300]
            break
    if status == MAILBOX_FULL:
        kind = SOFT
    return Report(kind, recipient, status, diagnostic)


def looks_like_bounce(message: Message) -> bool:
    """A report, a mail from MAILER-DAEMON or postmaster, or one with a bounce's subject."""
    sender = parseaddr(_text(message.get("from", "")))[1].lower().partition("@")[0]
    return (
        message.get_content_type() == "multipart/report"
        or sender in _BOUNCE_SENDERS
        or bool(_BOUNCE_SUBJECT.search(_text(message.get("subject", ""))))
    )


def _bounce_text(message: Message) -> Report | None:
    """A bounce-looking mail classified by the first enhanced status code in its text."""
    if not looks_like_bounce(message):
        return None
    for line in _body_text(message).splitlines():
        status = status_in(line)
        kind = kind_for_status(status) if status else None
        if kind is not None:
            found = _ADDRESS.search(_body_text(message))
            recipient = found.group(0).lower() if found else ""
            return Report(kind, recipient, status, _text(line)[:300])
    return None


def _body_text(message: Message) -> str:
    texts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(texts)


# --- 4. Auto-replies (RFC 3834) -------------------------------------------------------------


def _auto_reply(message: Message) -> Report | None:
    if looks_like_bounce(message):  # MTAs mark their bounces auto-replied too
        return None
    auto_submitted = _text(message.get("auto-submitted", "")).lower()
    precedence = _text(message.get("precedence", "")).lower()
    subject = _text(message.get("subject", ""))
    if (
        auto_submitted.startswith("auto-replied")
        or message.get("x-autoreply") is not None
        or message.get("x-autorespond") is not None
        or precedence == "auto_reply"
        or _VACATION.match(subject)
    ):
        sender = parseaddr(_text(message.get("from", "")))[1].lower()
        return Report(AUTO_REPLY, recipient=sender, diagnostic=subject[:300])
    return None


def read_report(raw: bytes, message: Message | None = None) -> Report | None:
    """What the report says, or None when it is not a report the portal understands."""
    message = message or parse(raw)
    try:
        complaint = _complaint(message)
        if complaint is not None:
            return complaint
        dsn = _dsn(_parts(message, "message/delivery-status"))
        if dsn is not False:
            return dsn
        return _heuristic(raw) or _bounce_text(message) or _auto_reply(message)
    except Exception:
        # Malformed input (a header the parser chokes on, a detector's bug): not understood.
        logger.info("an incoming report could not be read", exc_info=True)
        return None


# --- The sent mail a report is about --------------------------------------------------------


def returned_headers(message: Message) -> str:
    """The header block of the mail a report returns (message/rfc822 or
    text/rfc822-headers part), or the report's body text when it is in no standard format
    (the original headers quoted in it)."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                return "".join(f"{key}: {value}\n" for key, value in inner.items())
        if content_type == "text/rfc822-headers":
            return _payload_text(part)
    if message.is_multipart():
        return "\n".join(
            _payload_text(part)
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        )
    return _payload_text(message)


def _payload_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return str(part.get_payload() or "")
    return payload.decode(part.get_content_charset() or "utf-8", "replace")


def message_id(message: Message) -> str:
    """The report's own Message-ID (its stable identity), or empty."""
    try:
        return _text(message.get("message-id", ""))
    except Exception:
        return ""
