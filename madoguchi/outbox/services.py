"""The outbox: every mail the portal sends is a row, claimed and sent by a worker.

``enqueue_mail`` adds a row in the caller's transaction and wakes a worker when it commits;
``deliver_due`` claims due rows in batches with a conditional update, sends each batch over
one SMTP connection and records every recipient's SMTP reply; ``reconcile_outbox`` wakes a
worker for mails nobody picked up (the wake-up was lost, or the worker died mid-batch).
"""

import contextlib
import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.delivery import tokens
from madoguchi.lib.emails import render_email, render_subject
from madoguchi.outbox.models import Mail

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# A worker's claim on a batch: longer than any batch takes to send (EMAIL_TIMEOUT per SMTP
# command). A worker that died while sending leaves its claim; the mails go out once it has
# run out (rarely twice, never lost; the Message-ID is the same both times).
CLAIM_SECONDS = 600


def message_id_domain() -> str:
    """The domain part of Message-IDs: the sender's domain."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


# Context keys whose values are secrets (a mailed link's single-use token): kept only until
# the mail is sent or has failed for good, and never shown to operators.
SECRET_KEYS = "_secret_keys"
REMOVED = "（送信後に削除されました）"
HIDDEN = "（非表示）"


def masked_context(context: dict, replacement: str = HIDDEN) -> dict:
    """The context with its secret values replaced (what operators may see)."""
    secret = set(context.get(SECRET_KEYS, ()))
    return {
        key: replacement if key in secret else value
        for key, value in context.items()
        if key != SECRET_KEYS
    }


def enqueue_mail(
    *, to: str, template: str, context: dict, reference: str = "", secret: tuple = ()
) -> Mail:
    """Add one mail to the outbox; a worker is woken when the transaction commits.

    ``secret`` names context keys that hold a secret (a link with a single-use token): the
    row keeps them only until the mail is sent or has failed for good.
    """
    if secret:
        context = {**context, SECRET_KEYS: list(secret)}
    mail = Mail.objects.create(
        to=to,
        template=template,
        context=context,
        subject=render_subject(template, context)[:500],
        reference=reference,
        message_id=make_msgid(domain=message_id_domain()),
    )
    from madoguchi.outbox.tasks import deliver_mail

    transaction.on_commit(lambda: deliver_mail.enqueue())
    return mail


def enqueue_mails(*, to: list[str], template: str, context: dict, reference: str = "") -> list:
    """One row per recipient (each with its own Message-ID and SMTP reply)."""
    return [
        enqueue_mail(to=address, template=template, context=context, reference=reference)
        for address in dict.fromkeys(to)
    ]


def build_message(mail: Mail) -> EmailMultiAlternatives:
    subject, text, html = render_email(mail.template, mail.context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        reply_to=settings.EMAIL_REPLY_TO or None,
        headers={"Message-ID": mail.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Result:
    sent: bool
    reply: str
    permanent: bool = False  # a 5xx answer: trying again would not help


class ConnectionLost(Exception):
    """The relay cannot be reached or hung up: the batch's remaining mails wait."""


class Sender:
    """Sends messages over one connection of the configured mail backend."""

    def __init__(self):
        self.backend = get_connection(fail_silently=False)

    def __enter__(self):
        try:
            self.backend.open()
        except (OSError, smtplib.SMTPException) as error:
            raise ConnectionLost(str(error)) from error
        return self

    def __exit__(self, *exc):
        try:
            self.backend.close()
        except Exception:  # the connection is gone already; nothing to keep
            logger.debug("closing the SMTP connection failed", exc_info=True)

    def send(self, message: EmailMultiAlternatives, mail: Mail | None = None) -> Result:
        if not isinstance(self.backend, SmtpBackend):
            # The console, file, locmem or dummy backends of development and tests.
            self.backend.send_messages([message])
            return Result(sent=True, reply=f"accepted by {type(self.backend).__module__}")
        try:
            return self._send_smtp(message, mail)
        except smtplib.SMTPResponseException as error:
            # smtplib raises for some refusals instead of returning them (DATA not accepted,
            # a refused HELO): the same outcome as a refusal read from a reply. (Checked
            # before OSError, which every SMTPException is.)
            self._reset()
            reply = error.smtp_error
            text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            code = error.smtp_code
            return Result(sent=False, reply=f"{code} {text}", permanent=500 <= code < 600)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise ConnectionLost(str(error)) from error

    def _reset(self) -> None:
        # If this fails too, the next command tells whether the connection still works.
        with contextlib.suppress(smtplib.SMTPException):
            self.backend.connection.rset()

    def _send_smtp(self, message, mail: Mail | None = None) -> Result:
        """MAIL, RCPT, DATA on the open connection, keeping the server's reply to each.

        An outbox mail's envelope sender is its signed VERP address (bounce+<token>@
        BOUNCE_DOMAIN): what comes back is recorded against it (delivery.bounces); the
        From header stays the portal's address.
        """
        smtp = self.backend.connection
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = (
            tokens.bounce_address(tokens.MAIL, mail.pk)
            if mail is not None
            else sanitize_address(message.from_email, encoding)
        )
        (recipient,) = [sanitize_address(to, encoding) for to in message.recipients()]
        smtp.ehlo_or_helo_if_needed()
        for command, args, accepted in (
            (smtp.mail, (sender,), (250,)),
            (smtp.rcpt, (recipient,), (250, 251)),
            (smtp.data, (message.message().as_bytes(linesep="\r\n"),), (250,)),
        ):
            code, reply = command(*args)
            text = f"{code} {reply.decode('utf-8', 'replace')}"
            if code not in accepted:
                self._reset()
                return Result(sent=False, reply=text, permanent=500 <= code < 600)
        return Result(sent=True, reply=text)


def claim_batch(size: int = BATCH_SIZE) -> tuple[str, list[Mail]]:
    """Take up to ``size`` due mails for this worker (a conditional update: one winner)."""
    now = timezone.now()
    ids = list(
        Mail.objects.due(now).order_by("not_before", "id").values_list("pk", flat=True)[:size]
    )
    if not ids:
        return "", []
    claim = uuid.uuid4().hex
    Mail.objects.due(now).filter(pk__in=ids).update(
        claim=claim,
        claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    return claim, list(Mail.objects.filter(claim=claim, status=Mail.Status.PENDING))


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _record(mail: Mail, claim: str, result: Result) -> None:
    now = timezone.now()
    fields = {"last_reply": result.reply[:2000], "claimed_until": None}
    if result.sent:
        fields.update(status=Mail.Status.SENT, sent_at=now)
    elif result.permanent or mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        fields["status"] = Mail.Status.FAILED
        logger.error("mail %s to %s failed: %s", mail.pk, mail.to, result.reply)
    if "status" in fields and SECRET_KEYS in mail.context:
        fields["context"] = masked_context(mail.context, REMOVED)
    if "status" not in fields:
        fields["not_before"] = now + retry_delay(mail.attempts)
    # Only while the claim is still ours: a worker that outlived its claim writes nothing.
    Mail.objects.filter(pk=mail.pk, claim=claim, status=Mail.Status.PENDING).update(**fields)


def _record_all(claim: str, results: list[tuple[Mail, Result]]) -> None:
    """The batch's results in one transaction (one commit, not one per mail)."""
    with transaction.atomic():
        for mail, result in results:
            _record(mail, claim, result)


def send_batch(claim: str, mails: list[Mail]) -> int:
    """Send the claimed mails over one connection; returns how many were sent.

    The results are written together once the batch is through (a worker killed in between
    leaves the batch claimed: it is sent again once the claim expires, with the same
    Message-IDs).
    """
    results: list[tuple[Mail, Result]] = []
    remaining = list(mails)
    try:
        with Sender() as sender:
            while remaining:
                mail = remaining.pop(0)
                try:
                    message = build_message(mail)
                except Exception:
                    # A template that cannot be rendered will not render next time either.
                    logger.exception("mail %s (%s) cannot be rendered", mail.pk, mail.template)
                    results.append((mail, Result(False, "rendering failed", permanent=True)))
                    continue
                try:
                    results.append((mail, sender.send(message, mail)))
                except ConnectionLost:
                    remaining.insert(0, mail)
                    raise
    except ConnectionLost as error:
        logger.warning("mail relay unavailable: %s", error)
        results += [(mail, Result(False, f"relay unavailable: {error}")) for mail in remaining]
    _record_all(claim, results)
    return sum(result.sent for _, result in results)


def deliver_due(*, batches: int = 50) -> int:
    """Send due mails in batches until none is left (or ``batches`` were sent)."""
    sent = 0
    for _ in range(batches):
        claim, mails = claim_batch()
        if not mails:
            break
        sent += send_batch(claim, mails)
    return sent


def reconcile_outbox() -> int:
    """Wake a worker when mails are waiting that nobody picked up; returns how many."""
    stale = timezone.now() - timedelta(seconds=settings.APPLICATION_STALE_SECONDS)
    waiting = Mail.objects.due().filter(not_before__lt=stale).count()
    if waiting:
        from madoguchi.outbox.tasks import deliver_mail

        deliver_mail.enqueue()
        logger.info("reconcile: %d mail(s) waiting; woke a worker", waiting)
    return waiting
