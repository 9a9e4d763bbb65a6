"""お問い合わせ (S5): accepting an inquiry, its limits, and the operators' answers.

Every submission locks the one ``InquiryCounter`` row: numbers are given in order, a
doubled submission finds the first one, and the limits per address and per client are
counted without a race, so the 11th inquiry of a flood is refused even when they all arrive
at once.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.audit.services import record_audit
from madoguchi.contracts.models import Contract, User
from madoguchi.inquiries.categories import BY_CODE
from madoguchi.inquiries.models import Inquiry, InquiryCounter, InquiryNote, InquiryReply
from madoguchi.lib.dates import format_datetime
from madoguchi.lib.drafts import DuplicateSubmission
from madoguchi.notices.models import Product
from madoguchi.outbox.services import enqueue_mail

WINDOW = timedelta(hours=1)

SUBMIT_ACTION = "inquiry.submit"
HANDLE_ACTION = "inquiry.handle"
NOTE_ACTION = "inquiry.note"
REPLY_ACTION = "inquiry.reply"
ACTION_LABELS = {
    SUBMIT_ACTION: "お問い合わせの送信",
    HANDLE_ACTION: "お問い合わせの対応状況・担当者の変更",
    NOTE_ACTION: "お問い合わせの内部メモの追加",
    REPLY_ACTION: "お問い合わせへの返信",
}

LOGIN_REQUIRED = (
    "「{label}」のお問い合わせは、カスタマサポートデスクのIDでログインしてからお送りください。"
)
CLIENT_LIMITED = (
    "短時間に多くのお問い合わせが送信されたため、現在お問い合わせを受け付けられません。"
    "{until} 以降にあらためてお送りください。"
)
ADDRESS_LIMITED = (
    "このメールアドレスからのお問い合わせが短時間に続いたため、現在受け付けられません。"
    "{until} 以降にあらためてお送りください。"
)


class InquiryRefused(Exception):
    """The inquiry cannot be accepted; ``field`` is the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TooManyInquiries(InquiryRefused):
    """A limit per address or per client is reached (answered with 429)."""


class DuplicateInquiry(DuplicateSubmission):
    """The draft was submitted already (the other click of a double click, X2)."""

    def __init__(self, inquiry: Inquiry):
        super().__init__(inquiry)
        self.inquiry = inquiry


class DuplicateReply(Exception):
    def __init__(self, reply: InquiryReply):
        super().__init__(reply.pk)
        self.reply = reply


# --- Who may ask what -----------------------------------------------------------------------


def desk_contract(user) -> Contract | None:
    """The contract of a logged-in desk customer (whose contract has not ended), else None."""
    if not (user and user.is_authenticated and user.kind == User.Kind.DESK):
        return None
    contract = user.contract
    if contract is None or contract.is_ended:
        return None
    return contract


def login_refusal(category: str, user) -> str | None:
    """Why a visitor may not send this category (it needs a desk login), or None."""
    found = BY_CODE.get(category)
    if found is not None and found.requires_login and desk_contract(user) is None:
        return LOGIN_REQUIRED.format(label=found.label)
    return None


# --- Limits ------------------------------------------------------------------------------------


def _until(times: list[datetime]) -> str:
    """When the oldest of the counted inquiries leaves the window, in JST."""
    return f"{timezone.localtime(min(times) + WINDOW):%H:%M}"


def limit_refusal(
    *, email: str | None, ip: str | None, now: datetime | None = None
) -> TooManyInquiries | None:
    """The limit reached by this client or this address within the last hour, or None."""
    now = now or timezone.now()
    recent = Inquiry.objects.filter(received_at__gt=now - WINDOW)
    if ip:
        limit = settings.INQUIRY_LIMIT_PER_CLIENT
        times = list(
            recent.filter(client_ip=ip)
            .order_by("-received_at")
            .values_list("received_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            return TooManyInquiries(CLIENT_LIMITED.format(until=_until(times)))
    if email:
        limit = settings.INQUIRY_LIMIT_PER_ADDRESS
        times = list(
            recent.filter(email__iexact=email)
            .order_by("-received_at")
            .values_list("received_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            return TooManyInquiries(ADDRESS_LIMITED.format(until=_until(times)), field="email")
    return None


def forget_client_addresses(now: datetime | None = None) -> int:
    """Clear the client address of inquiries older than the limit window (not kept)."""
    now = now or timezone.now()
    return Inquiry.objects.filter(client_ip__isnull=False, received_at__lte=now - WINDOW).update(
        client_ip=None
    )


# --- Accepting an inquiry ----------------------------------------------------------------------


def _lock_counter(today) -> InquiryCounter:
    InquiryCounter.objects.get_or_create(pk=1, defaults={"day": today})
    return InquiryCounter.objects.select_for_update().get(pk=1)


def _next_number(counter: InquiryCounter, today) -> str:
    if counter.day != today:
        # A new day, or an inquiry dated another day (the demo data): continue that day's
        # numbers (consecutive, so counting them under the lock is exact).
        prefix = f"Q-{today:%Y%m%d}-"
        counter.day = today
        counter.last = Inquiry.objects.filter(number__startswith=prefix).count()
    counter.last += 1
    counter.save(update_fields=["day", "last"])
    return f"Q-{today:%Y%m%d}-{counter.last:04d}"


def mail_context(inquiry: Inquiry) -> dict:
    """What the mails show of an inquiry: plain values."""
    return {
        "number": inquiry.number,
        "received_at": format_datetime(inquiry.received_at),
        "category": inquiry.category_label,
        "product": inquiry.product.name if inquiry.product else "特になし",
        "subject": inquiry.subject,
        "body": inquiry.body,
        "name": inquiry.name,
        "email": inquiry.email,
        "phone": inquiry.phone,
        "contract_number": inquiry.contract_number,
    }


@transaction.atomic
def submit_inquiry(
    *, values: dict, user, submission_key: str, ip: str | None, now: datetime | None = None
) -> Inquiry:
    """Accept an inquiry and mail its confirmation to the address it gives (S5, X2, X4).

    Raises DuplicateInquiry for a draft already submitted, TooManyInquiries over a limit
    and InquiryRefused for a category that needs a desk login the visitor has not.
    """
    now = now or timezone.now()
    counter = _lock_counter(timezone.localdate(now))
    existing = Inquiry.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise DuplicateInquiry(existing)
    refusal = login_refusal(values["category"], user)
    if refusal:
        raise InquiryRefused(refusal, field="category")
    limited = limit_refusal(email=values["email"], ip=ip, now=now)
    if limited is not None:
        raise limited
    contract = desk_contract(user)
    inquiry = Inquiry.objects.create(
        number=_next_number(counter, timezone.localdate(now)),
        received_at=now,
        category=values["category"],
        product=Product.objects.filter(pk=values.get("product")).first()
        if values.get("product")
        else None,
        subject=values["subject"],
        body=values["body"],
        name=values["name"],
        email=values["email"],
        phone=values.get("phone", ""),
        contract_number=contract.customer_number if contract else values.get("contract_number", ""),
        user=user if contract else None,
        contract=contract,
        submission_key=submission_key,
        client_ip=ip,
    )
    forget_client_addresses(now)
    enqueue_mail(
        to=inquiry.email,
        template="inquiry_received",
        context=mail_context(inquiry),
        reference=inquiry.number,
    )
    if contract is not None:
        # A customer's action is audited (X7); an anonymous visitor's inquiry is its own
        # record, and its client address is not kept beyond the limit window.
        record_audit(
            actor=user,
            action=SUBMIT_ACTION,
            contract=contract,
            target=inquiry.number,
            after={"お問い合わせ種別": inquiry.category_label, "件名": inquiry.subject},
            ip=ip,
        )
    return inquiry


# --- The operators' side (back office) ---------------------------------------------------------


def _locked(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def _operator_name(user) -> str:
    return user.username if user else "-"


@transaction.atomic
def update_handling(*, inquiry: Inquiry, status: str, assignee, operator, ip: str | None) -> bool:
    """Set the inquiry's status and assignee; audited with both values (X7). True if changed."""
    current = _locked(inquiry)
    before, after = {}, {}
    if current.status != status:
        before["対応状況"] = current.get_status_display()
        current.status = status
        after["対応状況"] = current.get_status_display()
    if current.assignee_id != (assignee.pk if assignee else None):
        before["担当者"] = _operator_name(current.assignee)
        current.assignee = assignee
        after["担当者"] = _operator_name(assignee)
    if not after:
        return False
    current.save(update_fields=["status", "assignee"])
    inquiry.status, inquiry.assignee = current.status, current.assignee
    record_audit(
        actor=operator,
        action=HANDLE_ACTION,
        contract=current.contract,
        target=current.number,
        before=before,
        after=after,
        ip=ip,
    )
    return True


@transaction.atomic
def add_note(*, inquiry: Inquiry, text: str, operator, ip: str | None) -> InquiryNote:
    """Keep an internal note with the inquiry (never mailed); audited (X7)."""
    note = InquiryNote.objects.create(
        inquiry=inquiry, author=operator, author_name=operator.username, text=text
    )
    record_audit(
        actor=operator,
        action=NOTE_ACTION,
        contract=inquiry.contract,
        target=inquiry.number,
        after={"内部メモ": text},
        ip=ip,
    )
    return note


@transaction.atomic
def send_reply(
    *, inquiry: Inquiry, body: str, operator, submission_key: str, ip: str | None
) -> InquiryReply:
    """Mail the operator's answer through the outbox, keep it, and mark the inquiry 回答済.

    The reply form's key makes a doubled 「返信する」 send one mail (DuplicateReply).
    """
    current = _locked(inquiry)
    existing = InquiryReply.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise DuplicateReply(existing)
    mail = enqueue_mail(
        to=current.email,
        template="inquiry_reply",
        context={**mail_context(current), "reply": body},
        reference=current.number,
    )
    reply = InquiryReply.objects.create(
        inquiry=current,
        author=operator,
        author_name=operator.username,
        body=body,
        mail=mail,
        submission_key=submission_key,
    )
    before_status = current.get_status_display()
    current.status = Inquiry.Status.ANSWERED
    current.save(update_fields=["status"])
    inquiry.status = current.status
    record_audit(
        actor=operator,
        action=REPLY_ACTION,
        contract=current.contract,
        target=current.number,
        before={"対応状況": before_status},
        after={"対応状況": current.get_status_display(), "返信内容": body, "宛先": current.email},
        ip=ip,
    )
    return reply
