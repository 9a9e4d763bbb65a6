"""D6.4 担当者連絡先: the contact person's change, an application of its own kind.

The contact person (name, kana, department, phone) and the contact address
(``Contract.contact_email``, where every application mail of the portal goes) change
together through one application, carried out at once by a worker.

Who is told: the acceptance mail goes to the current contact address and, when the address
changes, to the new one as well. A changed address redirects all the customer's future mail,
so the address that is being replaced must hear of it: whoever took over a session cannot
move the mails away silently. The completion mail (the lifecycle's outcome mail) goes to the
contact address as it is once the change is done: the new one.

Not a billing change (P3): the contact person is whom the ISP calls or mails about the
contract. The billing system reads where invoices go (D6.2, with its own 宛名), how they
are paid (D6.1) and how the transfer notice is sent (D6.3); none of those changes here, so
nothing is published to ``BillingChange``.
"""

from django.db import transaction

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    lock_for_submission,
    submit_application,
)
from madoguchi.contracts.models import Contract, User

CONTACT_PERSON = "contact_person"
# The application's keys and the contract's fields they are stored in.
FIELDS = {
    "name": "contact_person_name",
    "kana": "contact_person_kana",
    "department": "contact_person_department",
    "phone": "contact_person_phone",
    "email": "contact_email",
}
IN_PROGRESS = (
    "担当者連絡先の変更のお申込みを処理中です。処理が完了してから、あらためてお申込みください。"
)
NOTHING_CHANGED = "現在の登録内容から変更がありません。"


class ContactPersonError(Exception):
    """The change cannot be accepted now; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ChangeInProgress(ContactPersonError):
    """Another change of the contract waits to be carried out (the input page says so)."""


def current_values(contract: Contract) -> dict:
    """The contract's contact person and contact address, under the application's keys."""
    return {key: getattr(contract, field) for key, field in FIELDS.items()}


def change_in_progress(contract: Contract) -> bool:
    """Whether a change waits to be carried out: another one would be based on stale values."""
    return Application.objects.in_progress().filter(contract=contract, kind=CONTACT_PERSON).exists()


def refusal(contract: Contract) -> str | None:
    """Why the contract may not apply for a change now (the one rule, then a pending one)."""
    found = eligibility.refusal(contract, CONTACT_PERSON)
    if found is not None:
        return found.message
    if change_in_progress(contract):
        return IN_PROGRESS
    return None


def acceptance_recipients(before: dict, after: dict) -> list[str]:
    """The current contact address, and the new one when it changes (see the module's doc)."""
    return [address for address in (before.get("email"), after.get("email")) if address]


@transaction.atomic
def submit_contact_person_change(
    *, user: User, values: dict, submission_key: str, ip: str | None
) -> Application:
    """Accept a change of the contact person and address (D6.4, X2): one application."""
    # The contract row lock serialises this contract's applications: a double click's second
    # request waits here and then finds the first one's application.
    contract = lock_for_submission(user, submission_key)
    eligibility.check(contract, CONTACT_PERSON)
    if change_in_progress(contract):
        raise ChangeInProgress(IN_PROGRESS)
    before = current_values(contract)
    after = {key: values[key] for key in FIELDS if values[key] != before[key]}
    if not after:
        raise ContactPersonError(NOTHING_CHANGED)
    return submit_application(
        contract=contract,
        kind=CONTACT_PERSON,
        user=user,
        before=before,
        after=after,
        mail_to=acceptance_recipients(before, after),
        submission_key=submission_key,
        ip=ip,
    )


def apply_contact_person(application: Application) -> registry.Done:
    """The kind's processor: store the new values on the contract (locked by the lifecycle).

    Changes of one contract never overlap (a new one is refused while one is in progress),
    so the values changed here are those the customer saw on the confirm page. The locked
    contract is the application's, so the completion mail goes to the new contact address.
    """
    contract = application.contract
    for key, value in application.after.items():
        setattr(contract, FIELDS[key], value)
    contract.save(update_fields=[FIELDS[key] for key in application.after] + ["updated_at"])
    return registry.Done()
