"""Mail accounts and virus check: submit, cancel and carry out applications (D4)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotCancellable,
    cancel_application,
    lock_for_submission,
    submit_application,
)
from madoguchi.contracts.models import Contract, User
from madoguchi.mailboxes.models import MAX_SLOTS, AccountName, Mailbox, MailboxOrder, NameLookup
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES, Charge, monthly_charge
from madoguchi.provisioning import services as provisioning

logger = logging.getLogger(__name__)

MAILBOX_ADD, MAILBOX_CHANGE, MAILBOX_DELETE = "mailbox_add", "mailbox_change", "mailbox_delete"
KIND_BY_ACTION = {
    MailboxOrder.Action.ADD: MAILBOX_ADD,
    MailboxOrder.Action.CHANGE: MAILBOX_CHANGE,
    MailboxOrder.Action.DELETE: MAILBOX_DELETE,
}
MAILBOX_KINDS = tuple(KIND_BY_ACTION.values())
NAME_TAKEN_REASON = (
    "ご希望のメールアカウントは既に使用されていたため、お申込みを完了できませんでした。"
    "お手数ですが、別のメールアカウントで再度お申込みください。"
)


class MailboxError(Exception):
    """A mailbox application the customer may not make now; the message says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


CLOSED_STATE = "オンラインでのお申込み不可"


@dataclass(frozen=True)
class Slot:
    """One row of the four-slot list (D4.1)."""

    number: int
    mailbox: Mailbox | None
    order: MailboxOrder | None
    # Whether the contract may apply online now (the eligibility rule).
    open: bool = True

    @property
    def label(self) -> str:
        return f"{self.number:02d}"

    @property
    def state(self) -> str:
        if self.order is not None:
            return "お申込み処理中"
        if not self.open:
            return CLOSED_STATE
        return "変更・削除可能" if self.mailbox else "追加可能"

    @property
    def can_change(self) -> bool:
        return self.open and self.order is None and self.mailbox is not None

    @property
    def can_add(self) -> bool:
        return self.open and self.order is None and self.mailbox is None

    @property
    def can_cancel(self) -> bool:
        # Withdrawing is always possible while it waits, whatever else refuses (D4.7).
        return self.order is not None and self.order.application.can_be_cancelled


def refusal(contract: Contract) -> eligibility.Refusal | None:
    """Why the contract may not apply for mail accounts online now (the one rule)."""
    return eligibility.refusal(contract, MAILBOX_ADD)


def slots_for(contract: Contract) -> list[Slot]:
    """The contract's four slots with their mailbox and pending application (2 queries).

    The orders are read first: a worker that carries one out between the two reads then
    shows as 「お申込み処理中」 a moment longer, never as a finished slot with its order lost.
    """
    orders = {
        o.slot: o
        for o in MailboxOrder.objects.filter(contract=contract, pending=True).select_related(
            "application"
        )
    }
    mailboxes = {m.slot: m for m in Mailbox.objects.filter(contract=contract)}
    is_open = refusal(contract) is None
    return [
        Slot(number, mailboxes.get(number), orders.get(number), open=is_open)
        for number in range(1, MAX_SLOTS + 1)
    ]


def get_slot(contract: Contract, number: int) -> Slot | None:
    """One of the contract's slots, or None for a number outside 1–4."""
    if not 1 <= number <= MAX_SLOTS:
        return None
    return slots_for(contract)[number - 1]


def hash_mail_password(password: str) -> str:
    """The mail password as the mail system stores it; computed in the request (P2)."""
    return provisioning.mail_password_hash(password)


def options_in_use(contract: Contract) -> tuple[list[Mailbox], Charge]:
    """The contract's mailboxes in slot order and their monthly charge (D2.2, D4.10)."""
    mailboxes = list(Mailbox.objects.filter(contract=contract).order_by("slot"))
    charge = monthly_charge(
        accounts=len(mailboxes), virus_checks=sum(m.virus_check for m in mailboxes)
    )
    return mailboxes, charge


def current_charge(contract: Contract) -> Charge:
    return options_in_use(contract)[1]


def _applied(state: tuple[bool, bool], action: str, virus_check: bool | None):
    """A slot's (present, checked) once an order is carried out."""
    present, checked = state
    present = action != MailboxOrder.Action.DELETE
    if virus_check is not None:
        checked = virus_check
    return present, checked and present


def charge_after(slots: list[Slot], *, slot: int, action: str, virus_check: bool | None):
    """The monthly charge once this application AND every pending one are carried out (D4.4).

    Two overlapping applications must not both claim the price of one more address: the
    charge after the second includes the first.
    """
    states = {}
    for row in slots:
        state = (row.mailbox is not None, bool(row.mailbox and row.mailbox.virus_check))
        if row.order is not None:
            state = _applied(state, row.order.action, row.order.virus_check)
        if row.number == slot:
            state = _applied(state, action, virus_check)
        states[row.number] = state
    return monthly_charge(
        accounts=sum(present for present, _ in states.values()),
        virus_checks=sum(checked for _, checked in states.values()),
    )


def virus_label(value: bool | None) -> str:
    """The one wording of the virus check's state, on every page and in every mail."""
    return "利用する" if value else "利用しない"


def describe(slot: Slot, *, action: str, account: str, virus_check: bool | None):
    """The before and after values of an application on ``slot``, under stable keys.

    After: a key left out is unchanged (「変更なし」), None is removed (「削除」).
    """
    mailbox = slot.mailbox
    before = {"slot": slot.number}
    if mailbox:
        before.update(address=mailbox.address, virus_check=mailbox.virus_check)
    after = {"slot": slot.number}
    if action == MailboxOrder.Action.DELETE:
        after.update(address=None, virus_check=None)
    else:
        if account:
            after["address"] = account
        if virus_check is not None:
            after["virus_check"] = virus_check
    return before, after


LOOKUP_WINDOW = timedelta(hours=1)


class TooManyLookups(MailboxError):
    """The contract asked whether names are free too often within the hour."""


def name_is_taken(contract: Contract, name: str) -> bool:
    """Whether an account name is in use anywhere in the service (D4.9), answered at most
    ``MAILBOX_NAME_LOOKUPS_PER_HOUR`` times per contract and hour (no enumeration of other
    customers' addresses); over the limit it raises TooManyLookups saying until when."""
    now = timezone.now()
    recent = NameLookup.objects.filter(contract=contract)
    recent.filter(looked_up_at__lte=now - LOOKUP_WINDOW).delete()
    times = list(recent.order_by("looked_up_at").values_list("looked_up_at", flat=True))
    limit = settings.MAILBOX_NAME_LOOKUPS_PER_HOUR
    if len(times) >= limit:
        until = timezone.localtime(times[len(times) - limit] + LOOKUP_WINDOW)
        raise TooManyLookups(
            "メールアカウントの確認が続いたため、しばらく確認を停止しています。"
            f"{until:%H:%M} 以降に再度お試しください。",
            field="account",
        )
    NameLookup.objects.create(contract=contract, looked_up_at=now)
    return AccountName.objects.filter(name=name).exists()


def check_can_apply(contract: Contract) -> None:
    """Raise MailboxError when the contract may not apply online now (the one rule)."""
    found = refusal(contract)
    if found is not None:
        raise MailboxError(found.message)


@transaction.atomic
def submit_mailbox_application(
    *,
    user: User,
    slot: int,
    action: str,
    account: str = "",
    virus_check: bool | None = None,
    password_hash: str = "",
    mail_to: list[str],
    submission_key: str,
    ip: str | None = None,
) -> Application:
    """Accept an add, change or delete of one slot, reserving the new name (D4.2–D4.10)."""
    # The contract row lock serialises one contract's applications (two browsers). NO KEY:
    # foreign-key checks of other transactions (a worker's claim) must not wait for it.
    contract = lock_for_submission(user, submission_key)
    check_can_apply(contract)
    slots = slots_for(contract)
    row = slots[slot - 1] if 1 <= slot <= MAX_SLOTS else None
    if row is None:
        raise MailboxError("指定されたメールアカウントは存在しません。")
    if row.order is not None:
        raise MailboxError("このメールアカウントはお申込み処理中です。")
    if (action == MailboxOrder.Action.ADD) != (row.mailbox is None):
        raise MailboxError("このメールアカウントの状態が変わりました。一覧からやり直してください。")
    if action == MailboxOrder.Action.CHANGE and not account and virus_check is None:
        raise MailboxError("変更する内容を入力してください。")
    if action == MailboxOrder.Action.ADD and not (account and password_hash):
        raise MailboxError("メールアカウントとメールパスワードを入力してください。")
    if account:
        _reserve_name(account)
    before, after = describe(row, action=action, account=account, virus_check=virus_check)
    before["monthly_charge"] = current_charge(contract).net
    after["monthly_charge"] = charge_after(
        slots, slot=slot, action=action, virus_check=virus_check
    ).net
    application = submit_application(
        contract=contract,
        kind=KIND_BY_ACTION[action],
        user=user,
        before=before,
        after=after,
        mail_to=mail_to,
        submission_key=submission_key,
        ip=ip,
    )
    try:
        with transaction.atomic():
            MailboxOrder.objects.create(
                application=application,
                contract=contract,
                slot=slot,
                action=action,
                account=account,
                virus_check=virus_check,
                password_hash=password_hash,
            )
    except IntegrityError:
        raise MailboxError("このメールアカウントはお申込み処理中です。") from None
    return application


def _reserve_name(account: str) -> None:
    try:
        with transaction.atomic():
            AccountName.objects.create(name=account)
    except IntegrityError:
        raise MailboxError(ACCOUNT_MESSAGES["taken"], field="account") from None


def release_order(application: Application) -> None:
    """The kinds' release hook: a cancelled or failed application gives back its slot and
    its name."""
    order = MailboxOrder.objects.filter(application=application, pending=True).first()
    if order is None:
        return
    if order.account:
        AccountName.objects.filter(name=order.account).delete()
    order.pending = False
    order.password_hash = ""
    order.save(update_fields=["pending", "password_hash"])


@transaction.atomic
def cancel_mailbox_application(*, user: User, slot: int, ip: str | None = None) -> Application:
    """「キャンセル」 of a slot's pending application while no worker has started it (D4.7)."""
    # Rows are locked in the order every writer takes them (contract, application, order),
    # so a worker processing this contract at the same moment is waited for, not deadlocked.
    Contract.objects.select_for_update(no_key=True).get(pk=user.contract_id)
    order = (
        MailboxOrder.objects.select_related("application__contract")
        .filter(contract_id=user.contract_id, slot=slot, pending=True)
        .first()
    )
    if order is None:
        raise MailboxError("キャンセルできるお申込みはありません。")
    try:
        cancel_application(order.application, actor=user, ip=ip)
    except NotCancellable:
        raise MailboxError(
            "お申込みの処理が始まっているため、キャンセルできませんでした。"
        ) from None
    return order.application


def choose_host() -> str:
    """The pool's host with the fewest mailboxes (the first on a tie)."""
    counts = dict(
        Mailbox.objects.filter(host__in=settings.MAIL_HOSTS)
        .values_list("host")
        .annotate(n=Count("pk"))
    )
    return min(settings.MAIL_HOSTS, key=lambda host: counts.get(host, 0))


def carry_out_order(application: Application) -> registry.Done | registry.Failed:
    """The kinds' processor: provision the order (P2) under the contract's lock (D4.8)."""
    contract = application.contract
    order = MailboxOrder.objects.get(application=application)
    mailbox = Mailbox.objects.filter(contract=contract, slot=order.slot).first()
    email = f"{order.account}@{choose_host()}" if order.account else None
    if email and _name_in_mail_system(order.account):
        return registry.Failed(NAME_TAKEN_REASON)
    mailbox = _carry_out(order, mailbox, email, contract)
    after = dict(application.after)
    if mailbox is not None and order.account:
        after["address"] = mailbox.address
    order.pending = False
    order.password_hash = ""
    order.save(update_fields=["pending", "password_hash"])
    return registry.Done(after=after)


def _name_in_mail_system(account: str) -> bool:
    """Whether the mail system has the name on any host of the pool (unique service-wide)."""
    return any(
        provisioning.mailbox_exists(email=f"{account}@{host}") for host in settings.MAIL_HOSTS
    )


def remove_mailbox(mailbox: Mailbox, *, contract: Contract) -> None:
    """Remove a mail account: from the mail system (P2), its name, and the portal's row.

    Idempotent per step (a mail system row already gone is nothing to remove), so work
    interrupted halfway completes when run again (a deletion, the end of a contract, D5.3).
    """
    provisioning.remove_mailbox(email=mailbox.address)
    AccountName.objects.filter(name=mailbox.account).delete()
    if contract.billing_notice_email == mailbox.address:
        # The 「口座振替のご案内」 address is gone: the contact address receives it instead.
        contract.billing_notice_email = contract.contact_email
        contract.save(update_fields=["billing_notice_email"])
    mailbox.delete()


def _carry_out(order: MailboxOrder, mailbox: Mailbox | None, email: str | None, contract):
    """Apply the order to the portal's mailbox and to the mail system's tables."""
    if order.action == MailboxOrder.Action.DELETE:
        remove_mailbox(mailbox, contract=contract)
        return None
    if order.action == MailboxOrder.Action.ADD:
        account, host = email.split("@")
        mailbox = Mailbox.objects.create(
            contract=contract,
            slot=order.slot,
            account=account,
            host=host,
            virus_check=bool(order.virus_check),
        )
        provisioning.put_mailbox(
            email=email, password_hash=order.password_hash, virus_check=mailbox.virus_check
        )
        return mailbox
    if order.virus_check is not None:
        mailbox.virus_check = order.virus_check
    if email:
        old_address, old_account = mailbox.address, mailbox.account
        mailbox.account, mailbox.host = email.split("@")
        provisioning.rename_mailbox(
            old_email=old_address,
            new_email=email,
            password_hash=order.password_hash,
            virus_check=mailbox.virus_check,
        )
        AccountName.objects.filter(name=old_account).delete()
        if contract.billing_notice_email == old_address:
            # D4.10: the 「口座振替のご案内」 address follows the changed address.
            contract.billing_notice_email = email
            contract.save(update_fields=["billing_notice_email"])
    else:
        provisioning.put_mailbox(
            email=mailbox.address, password_hash=None, virus_check=mailbox.virus_check
        )
    mailbox.save()
    return mailbox
