"""ご請求関連 (D6.2, D6.3): the billing address and the notice method, each an application.

Submitting takes the contract's row lock (one contract's applications are serialised),
checks the one eligibility rule and that no application of the same kind is in progress;
the processors carry the change out under the lock the lifecycle holds and publish it to
the billing system (P3).
"""

from django.db import transaction

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    lock_for_submission,
    submit_application,
)
from madoguchi.contracts.models import Contract, User
from madoguchi.mailboxes.models import Mailbox
from madoguchi.provisioning.services import publish_billing_change

BILLING_ADDRESS = "billing_address"
BILLING_NOTICE = "billing_notice"
BILLING_KINDS = (BILLING_ADDRESS, BILLING_NOTICE)
ADDRESS_KEYS = ("postal_code", "address", "company", "department", "addressee")
NOTICE_METHODS = dict(Contract.NoticeMethod.choices)
SOURCE_MAILBOX, SOURCE_OTHER = "mailbox", "other"

PENDING_MESSAGE = (
    "「{label}」のお申込み（お申込み番号 {number}、{status}）がお手続き中のため、"
    "新たにお申込みいただけません。処理が終わってから、あらためてお申込みください。"
)
MAILBOX_GONE = (
    "選択されたメールアカウント（{email}）は、変更または削除されたためご指定いただけません。"
)
MAILBOX_GONE_REASON = (
    "送付先に選択されたメールアカウント（{email}）が、お申込みの処理までに変更または削除"
    "されたため、変更できませんでした。お手数ですが、もう一度お申込みください。"
)
UNCHANGED_MESSAGE = "現在の送付方法と同じです。変更する内容を選択してください。"


class BillingError(Exception):
    """A billing application the customer may not make now; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def pending_application(contract: Contract, kind: str) -> Application | None:
    return Application.objects.in_progress().filter(contract=contract, kind=kind).first()


def pending_applications(contract: Contract) -> list[Application]:
    """The contract's billing applications in progress (the menu page lists them)."""
    return list(Application.objects.in_progress().filter(contract=contract, kind__in=BILLING_KINDS))


def refusal_message(contract: Contract, kind: str) -> str | None:
    """Why the contract may not apply for ``kind`` now (the one rule, then one at a time)."""
    found = eligibility.refusal(contract, kind)
    if found is not None:
        return found.message
    pending = pending_application(contract, kind)
    if pending is not None:
        return PENDING_MESSAGE.format(
            label=pending.kind_label, number=pending.number, status=pending.customer_status
        )
    return None


def mailbox_addresses(contract: Contract) -> list[str]:
    """The contract's mail accounts, in slot order: the addresses a notice may go to."""
    return [box.address for box in Mailbox.objects.filter(contract=contract).order_by("slot")]


# --- D6.2 送付先住所 ---------------------------------------------------------------------------


def current_address(contract: Contract) -> dict:
    return dict(contract.billing_destination)


def _locked(user: User, submission_key: str, kind: str) -> Contract:
    """The contract's row, locked; raises for a replay (X2) or a refusal."""
    contract = lock_for_submission(user, submission_key)
    message = refusal_message(contract, kind)
    if message:
        raise BillingError(message)
    return contract


@transaction.atomic
def submit_billing_address(
    *, user: User, values: dict, submission_key: str, ip: str | None = None
) -> Application:
    """Accept a new 「請求書」および「口座振替のお知らせ」送付先住所 (D6.2)."""
    contract = _locked(user, submission_key, BILLING_ADDRESS)
    after = {key: values.get(key, "") for key in ADDRESS_KEYS}
    return submit_application(
        contract=contract,
        kind=BILLING_ADDRESS,
        user=user,
        before=current_address(contract),
        after=after,
        mail_to=[contract.contact_email],
        submission_key=submission_key,
        ip=ip,
    )


def carry_out_billing_address(application: Application) -> registry.Done:
    """The kind's processor: store the address and publish it (P3)."""
    contract = application.contract
    values = {key: application.after.get(key, "") for key in ADDRESS_KEYS}
    for key, value in values.items():
        setattr(contract, f"billing_{key}", value)
    contract.save(update_fields=[f"billing_{key}" for key in ADDRESS_KEYS] + ["updated_at"])
    publish_billing_change(application=application, values=values)
    return registry.Done()


# --- D6.3 送付方法 -----------------------------------------------------------------------------


def current_notice(contract: Contract) -> dict:
    mail = contract.billing_notice_method == Contract.NoticeMethod.MAIL
    return {
        "method": contract.billing_notice_method,
        "email": contract.billing_notice_email if mail else "",
    }


@transaction.atomic
def submit_billing_notice(
    *,
    user: User,
    method: str,
    source: str = "",
    email: str = "",
    submission_key: str,
    link_base: str,
    ip: str | None = None,
) -> Application:
    """Accept a new 「口座振替のお知らせ」の送付方法 (D6.3).

    By mail to one of the contract's mail accounts, it is carried out at once; to another
    address, it waits until that address follows the link mailed to it.
    """
    contract = _locked(user, submission_key, BILLING_NOTICE)
    if method not in NOTICE_METHODS:
        raise BillingError("送付方法を選択してください。")
    if method == Contract.NoticeMethod.POST:
        source, email = "", ""
    elif source == SOURCE_MAILBOX and email not in mailbox_addresses(contract):
        raise BillingError(MAILBOX_GONE.format(email=email))
    elif source not in (SOURCE_MAILBOX, SOURCE_OTHER) or not email:
        raise BillingError("送付先のメールアドレスを選択してください。")
    before = current_notice(contract)
    after = {"method": method, "email": email}
    if after == before:
        raise BillingError(UNCHANGED_MESSAGE)
    return submit_application(
        contract=contract,
        kind=BILLING_NOTICE,
        user=user,
        before=before,
        after=after,
        work={"source": source},
        mail_to=[contract.contact_email],
        submission_key=submission_key,
        ip=ip,
        confirm_to=email if source == SOURCE_OTHER else "",
        link_base=link_base,
    )


def carry_out_billing_notice(application: Application) -> registry.Done | registry.Failed:
    """The kind's processor: store the method and address, and publish them (P3).

    A mail account chosen at submission must still be the contract's: one renamed or
    deleted meanwhile is not silently used (D4.10 keeps the stored address following it).
    """
    contract = application.contract
    method, email = application.after["method"], application.after.get("email") or ""
    source = application.work.get("source")
    if source == SOURCE_MAILBOX and email not in mailbox_addresses(contract):
        return registry.Failed(MAILBOX_GONE_REASON.format(email=email))
    contract.billing_notice_method = method
    contract.billing_notice_email = email
    contract.save(update_fields=["billing_notice_method", "billing_notice_email", "updated_at"])
    publish_billing_change(application=application, values={"method": method, "email": email})
    return registry.Done()
