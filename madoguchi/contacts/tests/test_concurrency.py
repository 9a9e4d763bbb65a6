"""X2, D6.4: submissions at the same moment (real transactions) make one application."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.applications.services import DuplicateSubmission
from madoguchi.contacts import services
from madoguchi.contacts.tests.pages import NEW
from madoguchi.contracts.models import User
from madoguchi.outbox.models import Mail
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def submitting(customer, key: str):
    def call():
        return services.submit_contact_person_change(
            user=User.objects.get(pk=customer.pk), values={**NEW}, submission_key=key, ip=None
        )

    return call


def test_d6_4_x2_the_same_draft_submitted_twice_at_once_makes_one_application(
    customer, contract, database_tasks
):
    results = run_together(submitting(customer, "same"), submitting(customer, "same"))
    created = [r for r in results if isinstance(r, Application)]
    assert len(created) == 1, results
    assert [type(r) for r in results if r not in created] == [DuplicateSubmission]
    assert Application.objects.count() == 1
    assert Mail.objects.count() == 2  # the acceptance mail to the old and the new address


def test_d6_4_two_tabs_submitting_at_once_make_one_change(customer, contract, database_tasks):
    """The contract's row lock serialises them: the second sees the first in progress."""
    results = run_together(submitting(customer, "tab-1"), submitting(customer, "tab-2"))
    created = [r for r in results if isinstance(r, Application)]
    assert len(created) == 1, results
    assert [type(r) for r in results if r not in created] == [services.ChangeInProgress]
    assert Application.objects.count() == 1
    assert Mail.objects.count() == 2
