"""The mails of an application: its acceptance, its outcome (done, failed) and its withdrawal.

Each is queued in the outbox in the transaction that changes the application, with a context
of plain values taken at that moment (the mail says what was true when it was queued).
"""

from madoguchi.lib.dates import format_datetime
from madoguchi.outbox.services import enqueue_mails


def mail_context(application) -> dict:
    contract = application.contract
    return {
        "application": {
            "number": application.number,
            "kind": application.kind,
            "kind_label": application.kind_label,
            "status": application.status,
            "status_label": application.get_status_display(),
            "submitted_at": format_datetime(application.submitted_at),
            "not_before": format_datetime(application.not_before),
            "finished_at": (
                format_datetime(application.finished_at) if application.finished_at else ""
            ),
            "failure_reason": application.failure_reason,
            "before": application.before,
            "after": application.after,
            "rows": [list(row) for row in application.rows],
            "cancellable": application.spec.cancellable,
            "confirmation_email": application.confirmation_email,
            "confirm_by": (
                format_datetime(application.confirm_by) if application.confirm_by else ""
            ),
        },
        "contract": {"name": contract.name, "customer_number": contract.customer_number},
    }


def send_acceptance(application, *, to: list[str]) -> None:
    """The acceptance mail (X4) to the addresses the customer chose (none: no mail)."""
    if to:
        enqueue_mails(
            to=to,
            template=application.spec.acceptance_mail,
            context=mail_context(application),
            reference=application.number,
        )


def outcome_recipients(application) -> list[str]:
    """Who is told of the outcome: the kind's choice, else the contract's contact address."""
    outcome_to = application.spec.outcome_to
    if outcome_to is not None:
        return outcome_to(application)
    return [application.contract.contact_email]


def send_outcome(application) -> None:
    """Done, failed or withdrawn: the contact address is told (D4.8, B1, D4.7, D5.3)."""
    enqueue_mails(
        to=outcome_recipients(application),
        template=f"application_{application.status}",
        context=mail_context(application),
        reference=application.number,
    )


def send_confirmation_request(application, *, link: str) -> None:
    """The mail to an address the application names, with the link that confirms it; only
    that address receives the link."""
    enqueue_mails(
        to=[application.confirmation_email],
        template=application.spec.confirmation_mail,
        context={**mail_context(application), "link": link},
        reference=application.number,
    )
