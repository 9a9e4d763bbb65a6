"""Mail accounts and virus check: submit, cancel and carry out applications (D4)."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    DuplicateSubmission,
    NotCancellable,
    cancel_application,
    claim_application,
    complete_application,
    fail_application,
    submit_application,
)
from madoguchi.contracts.models import Contract, User
from madoguchi.mailboxes.models import MAX_SLOTS, AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES, monthly_charge
from madoguchi.provisioning import services as provisioning

logger = logging.getLogger(__name__)

KIND_BY_ACTION = {
    MailboxOrder.Action.ADD: Application.Kind.MAILBOX_ADD,
    MailboxOrder.Action.CHANGE: Application.Kind.MAILBOX_CHANGE,
    MailboxOrder.Action.DELETE: Application.Kind.MAILBOX_DELETE,
}
UNCHANGED = "変更なし"
NAME_TAKEN_REASON = (
    "ご希望のメールアカウントは既に使用されていたため、お申込みを完了できませんでした。"
    "お手数ですが、別のメールアカウントで再度お申込みください。"
)
PAPER_APPLICATION = (
    "現在申込書によりすでに各種変更のお申込みをされているため、"
    "本ホームページで変更申込みができません。"
)


class MailboxError(Exception):
    """A mailbox application the customer may not make now; the message says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Slot:
    """One row of the four-slot list (D4.1)."""

    number: int
    mailbox: Mailbox | None
    order: MailboxOrder | None

    @property
    def label(self) -> str:
        return f"{self.number:02d}"

    @property
    def state(self) -> str:
        if self.order is not None:
            return "お申込み処理中"
        return "変更・削除可能" if self.mailbox else "追加可能"

    @property
    def can_change(self) -> bool:
        return self.order is None and self.mailbox is not None

    @property
    def can_add(self) -> bool:
        return self.order is None and self.mailbox is None

    @property
    def can_cancel(self) -> bool:
        return self.order is not None and self.order.application.status == "accepted"


def slots_for(contract: Contract) -> list[Slot]:
    """The contract's four slots with their mailbox and pending application (2 queries)."""
    mailboxes = {m.slot: m for m in Mailbox.objects.filter(contract=contract)}
    orders = {
        o.slot: o
        for o in MailboxOrder.objects.filter(contract=contract, pending=True).select_related(
            "application"
        )
    }
    return [
        Slot(number, mailboxes.get(number), orders.get(number))
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


def options_in_use(contract: Contract) -> tuple[list[Mailbox], object]:
    """The contract's mailboxes in slot order and their monthly charge (D2.2, D4.10)."""
    mailboxes = list(Mailbox.objects.filter(contract=contract).order_by("slot"))
    charge = monthly_charge(
        accounts=len(mailboxes), virus_checks=sum(m.virus_check for m in mailboxes)
    )
    return mailboxes, charge


def current_charge(contract: Contract):
    return options_in_use(contract)[1]


def charge_after(slots: list[Slot], *, slot: int, action: str, virus_check: bool | None):
    """The monthly charge once the application on ``slot`` is carried out (D4.4)."""
    accounts = checks = 0
    for row in slots:
        present, checked = row.mailbox is not None, bool(row.mailbox and row.mailbox.virus_check)
        if row.number == slot:
            present = action != MailboxOrder.Action.DELETE
            if virus_check is not None:
                checked = virus_check
            checked = checked and present
        accounts += present
        checks += checked
    return monthly_charge(accounts=accounts, virus_checks=checks)


def virus_label(value: bool | None) -> str:
    return "利用する" if value else "利用しない"


def describe(slot: Slot, *, action: str, account: str, virus_check: bool | None):
    """The 「ご利用中の情報」 and 「変更後アカウント情報」 columns of an application."""
    mailbox = slot.mailbox
    before = {
        "No.": slot.label,
        "メールアカウント": mailbox.address if mailbox else "—",
        "ウィルスチェックサービス": virus_label(mailbox.virus_check) if mailbox else "—",
    }
    if action == MailboxOrder.Action.DELETE:
        after = {"No.": slot.label, "メールアカウント": "削除", "ウィルスチェックサービス": "削除"}
    else:
        after = {
            "No.": slot.label,
            "メールアカウント": account or UNCHANGED,
            "ウィルスチェックサービス": UNCHANGED
            if virus_check is None
            else virus_label(virus_check),
        }
    return before, after


def _check_contract_open(contract: Contract) -> None:
    if contract.paper_application_in_progress:
        raise MailboxError(PAPER_APPLICATION)
    if contract.status != Contract.Status.ACTIVE:
        raise MailboxError("ご契約の廃止を受け付けているため、お申込みいただけません。")


def check_can_apply(contract: Contract) -> None:
    """Raise MailboxError when the contract may not apply online now (D4.11, D5.3)."""
    _check_contract_open(contract)


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
    contract = Contract.objects.select_for_update(no_key=True).get(pk=user.contract_id)
    # Checked under the lock: the other click of a double click has committed by now (X2).
    existing = Application.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise DuplicateSubmission(existing)
    _check_contract_open(contract)
    row = get_slot(contract, slot)
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
    slots = slots_for(contract)
    before["月額料金"] = str(current_charge(contract))
    after["月額料金"] = str(charge_after(slots, slot=slot, action=action, virus_check=virus_check))
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
    """Registry hook: a cancelled or failed application gives back its slot and its name."""
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


def process_mailbox_application(application_id: int) -> bool:
    """Carry out a mailbox application once: provision (P2), then complete or fail (D4.8)."""
    application = claim_application(application_id)
    if application is None:
        return False
    if settings.PROVISIONING_DELAY_SECONDS:
        time.sleep(settings.PROVISIONING_DELAY_SECONDS)
    with transaction.atomic():
        contract = Contract.objects.select_for_update(no_key=True).get(pk=application.contract_id)
        application.contract = contract
        notify = [contract.contact_email]
        # A worker whose lease expired meanwhile finds the work done (or failed) by another.
        if not Application.objects.select_for_update().filter(
            pk=application.pk, status=Application.Status.PROCESSING
        ):
            return False
        order = MailboxOrder.objects.get(application=application)
        if not order.pending:
            # Carried out already by a worker whose lease ran out under us (the contract
            # lock above serialises the two): never provision twice.
            return False
        mailbox = Mailbox.objects.filter(contract=contract, slot=order.slot).first()
        email = f"{order.account}@{choose_host()}" if order.account else None
        if email and _name_in_mail_system(order.account):
            fail_application(application, reason=NAME_TAKEN_REASON, notify=notify)
            return True
        mailbox = _carry_out(order, mailbox, email, contract)
        after = dict(application.after)
        if mailbox is not None and order.account:
            after["メールアカウント"] = mailbox.address
        order.pending = False
        order.password_hash = ""
        order.save(update_fields=["pending", "password_hash"])
        complete_application(application, after=after, notify=notify)
    logger.info("carried out mailbox application %s", application.number)
    return True


def _name_in_mail_system(account: str) -> bool:
    """Whether the mail system has the name on any host of the pool (unique service-wide)."""
    return any(
        provisioning.mailbox_exists(email=f"{account}@{host}") for host in settings.MAIL_HOSTS
    )


def _carry_out(order: MailboxOrder, mailbox: Mailbox | None, email: str | None, contract):
    """Apply the order to the portal's mailbox and to the mail system's tables."""
    if order.action == MailboxOrder.Action.DELETE:
        provisioning.remove_mailbox(email=mailbox.address)
        AccountName.objects.filter(name=mailbox.account).delete()
        if contract.billing_notice_email == mailbox.address:
            # The 「口座振替のご案内」 address is gone: the contact address receives it instead.
            contract.billing_notice_email = contract.contact_email
            contract.save(update_fields=["billing_notice_email"])
        mailbox.delete()
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
