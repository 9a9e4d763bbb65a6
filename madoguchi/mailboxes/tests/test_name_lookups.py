"""D4.9, security finding 8: whether a name is free is answered a limited number of times per
contract and hour. Names are unique across the service, so an unlimited answer let anyone
with a login test other customers' addresses for existence (100 in 5.4 s)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.mailboxes.models import AccountName, NameLookup
from madoguchi.mailboxes.tests.desk_pages import CONFIRM, add_data, add_url, errors_beside
from madoguchi.mailboxes.tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db

REFUSED = "メールアカウントの確認が続いたため、しばらく確認を停止しています。"
TAKEN = "ご希望のメールアカウントは既に使用されています。別のアカウントを指定してください。"


@pytest.fixture(autouse=True)
def _five_per_hour(settings):
    settings.MAILBOX_NAME_LOOKUPS_PER_HOUR = 5


@pytest.fixture
def strangers_box(db):
    return MailboxFactory(account="secret-name")


def probe(client, name: str) -> list[str]:
    """「追加」 with the name: the messages beside the account field ([] when accepted)."""
    response = client.post(add_url(1), add_data(name))
    if response.status_code == 302:
        assert response["Location"] == CONFIRM
        return []
    return errors_beside(response, "account")


def test_finding8_answers_stop_after_the_hourly_limit(customer_client, customer, strangers_box):
    for n in range(4):
        assert probe(customer_client, f"free-{n}") == []
    assert probe(customer_client, "secret-name") == [TAKEN]

    (message,) = probe(customer_client, "secret-name")  # the 6th question within the hour
    assert message.startswith(REFUSED) and "以降に再度お試しください" in message  # no answer
    assert not Application.objects.exists()
    assert NameLookup.objects.filter(contract=customer.contract).count() == 5


def test_finding8_the_limit_is_per_contract_and_per_hour(
    customer_client, customer, other_customer, client, strangers_box, time_machine
):
    time_machine.move_to(timezone.now())
    for n in range(5):
        probe(customer_client, f"free-{n}")
    assert probe(customer_client, "free-x")[0].startswith(REFUSED)
    # Another contract has its own answers.
    client.force_login(other_customer)
    assert probe(client, "free-y") == []
    # An hour after the first question, the next one is answered again.
    time_machine.move_to(timezone.now() + timedelta(hours=1, seconds=1))
    customer_client.force_login(customer)  # the session itself ended meanwhile (D1.4)
    assert probe(customer_client, "free-z") == []
    # Old rows go as new ones come: the table does not grow without end.
    assert NameLookup.objects.filter(contract=customer.contract).count() == 1


def test_finding8_syntax_errors_and_the_confirm_recheck_ask_nothing(customer_client, customer):
    """Only a well-formed new name is looked up; the confirm step's re-check of the
    customer's own name is not counted against them."""
    assert probe(customer_client, "Bad Name")
    assert not NameLookup.objects.exists()
    probe(customer_client, "mine1")
    for _ in range(10):
        assert customer_client.get("/desk/mail/confirm/").status_code == 200
    assert NameLookup.objects.count() == 1
    assert AccountName.objects.filter(name="mine1").exists() is False
