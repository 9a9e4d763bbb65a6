"""The one rule that decides whether a contract may apply online for a kind of application.

Used by every flow (its pages and, under the contract's row lock, its service), by the
desk's menu and by lists that offer applications (the mailbox list). In order:

1. a per-contract flag of the kind (e.g. online password change, D1.5) — the menu leaves
   such an item out and its URL refuses;
2. the contract has ended, or its cancellation has been accepted (D5.3);
3. a paper application is in progress (D4.11: every 各種変更のお申込み).
"""

from dataclasses import dataclass

from madoguchi.applications import registry
from madoguchi.contracts.models import Contract
from madoguchi.lib.dates import format_date

NOT_ONLINE = "このお手続きはオンラインではご利用いただけません。"
ENDED = "ご契約は廃止されているため、お申込みいただけません。"
CANCELLATION_ACCEPTED = (
    "ご契約の廃止のお申込み（廃止日：{date}）を受け付けているため、新たなお申込みはいただけません。"
)
PAPER_APPLICATION = (
    "現在申込書によりすでに各種変更のお申込みをされているため、"
    "本ホームページで変更申込みができません。"
)


@dataclass(frozen=True)
class Refusal:
    message: str
    hidden: bool = False  # the item is not offered at all (the menu leaves it out)


class NotEligible(Exception):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal
        self.message = refusal.message


def cancellation_accepted(contract: Contract) -> str:
    """The refusal that names the accepted cancellation and the day the contract ends."""
    ends = format_date(contract.cancellation_date) if contract.cancellation_date else "未定"
    return CANCELLATION_ACCEPTED.format(date=ends)


def refusal(contract: Contract, kind: str) -> Refusal | None:
    """Why the contract may not apply online for ``kind`` now; None when it may."""
    allowed = registry.get(kind).allowed
    if allowed is not None and not allowed(contract):
        return Refusal(NOT_ONLINE, hidden=True)
    if contract.status == Contract.Status.ENDED:
        return Refusal(ENDED)
    if contract.status == Contract.Status.CANCELLATION_ACCEPTED:
        return Refusal(cancellation_accepted(contract))
    if contract.paper_application_in_progress:
        return Refusal(PAPER_APPLICATION)
    return None


def check(contract: Contract, kind: str) -> None:
    """Raise NotEligible when the contract may not apply online for ``kind`` now."""
    found = refusal(contract, kind)
    if found is not None:
        raise NotEligible(found)
