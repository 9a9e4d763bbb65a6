import pytest

from madoguchi.applications.services import process_application
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.testing.workers import database_tasks, processes  # noqa: F401


@pytest.fixture
def mailbox(customer):
    """The seed's account 01 of the customer: ``abcdefg@arrow.example.ne.jp``, no virus check."""
    return MailboxFactory(
        contract=customer.contract, slot=1, account="abcdefg", host="arrow.example.ne.jp"
    )


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    """Submit an application; its work (processing, mails) runs when it commits."""

    def apply(user, slot, action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            application = submit(user, slot, action, **kwargs)
        application.refresh_from_db()
        return application

    return apply


@pytest.fixture
def process(django_capture_on_commit_callbacks):
    """A worker processes an application (its outcome mail is sent on commit)."""

    def process(application):
        with django_capture_on_commit_callbacks(execute=True):
            result = process_application(application.pk)
        application.refresh_from_db()
        return result

    return process
