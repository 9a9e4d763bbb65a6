"""D6.4 under the one eligibility rule (D4.11, D5.3) and exactly once (X2)."""

from datetime import date

import pytest
from django.urls import reverse

from madoguchi.applications import eligibility
from madoguchi.applications.models import Application
from madoguchi.applications.services import DuplicateSubmission
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.contacts import services
from madoguchi.contacts.tests.pages import CONFIRM, INPUT, NEW, enter, register
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, page_text, text
from madoguchi.lib.drafts import EXPIRED_MESSAGE, SESSION_KEY, STALE_MESSAGE
from madoguchi.outbox.models import Mail
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

CANCELLATION = {"status": "cancellation_accepted", "cancellation_date": date(2027, 1, 12)}
CANCELLATION_MESSAGE = (
    "ご契約の廃止のお申込み（廃止日：2027/01/12(火)）を受け付けているため、"
    "新たなお申込みはいただけません。"
)
REFUSALS = {
    "paper": ({"paper_application_in_progress": True}, eligibility.PAPER_APPLICATION),
    "cancellation": (CANCELLATION, CANCELLATION_MESSAGE),
}


def set_contract(contract, **fields) -> None:
    Contract.objects.filter(pk=contract.pk).update(**fields)
    contract.refresh_from_db()


def has_form(response) -> bool:
    return bool(find_all(dom(response), lambda e: attr(e, "name") == "name"))


def assert_nothing_stored(client, contract):
    assert not Application.objects.exists()
    assert not Mail.objects.exists()
    contract.refresh_from_db()
    assert (contract.contact_person_name, contract.contact_email) == (
        "窓口 太郎",
        "taro@example.com",
    )


@pytest.mark.parametrize("case", REFUSALS)
def test_d6_4_d4_11_d5_3_refused_with_the_reason_and_nothing_stored(
    customer_client, contract, case
):
    fields, message = REFUSALS[case]
    set_contract(contract, **fields)
    page = customer_client.get(INPUT)
    assert page.status_code == 200
    assert text(by_id(dom(page), "refusal")) == message
    assert not has_form(page)
    # The current values stay visible; the menu item stays (its page says why).
    assert "窓口 太郎" in text(by_id(dom(page), "contact-current"))
    assert "担当者連絡先" in page_text(customer_client.get(reverse("desk:status")))
    response = enter(customer_client, NEW)
    assert response.status_code == 200
    assert message in page_text(response)
    assert "contact_person" not in customer_client.session.get(SESSION_KEY, {})
    assert customer_client.get(CONFIRM)["Location"] == INPUT
    assert_nothing_stored(customer_client, contract)


@pytest.mark.parametrize("case", REFUSALS)
def test_d6_4_refusal_arising_between_input_and_confirm_stores_nothing(
    customer_client, contract, case
):
    """The service checks the rule again under the contract's row lock."""
    fields, message = REFUSALS[case]
    assert enter(customer_client, NEW)["Location"] == CONFIRM
    set_contract(contract, **fields)
    assert customer_client.get(CONFIRM)["Location"] == INPUT
    response = customer_client.post(CONFIRM, with_draft_token(customer_client, "contact_person"))
    assert response["Location"] == INPUT
    assert message in page_text(customer_client.get(INPUT))
    assert_nothing_stored(customer_client, contract)


@pytest.mark.parametrize("case", REFUSALS)
def test_d6_4_the_service_itself_refuses(customer, contract, case):
    set_contract(contract, **REFUSALS[case][0])
    with pytest.raises(eligibility.NotEligible):
        services.submit_contact_person_change(
            user=customer, values={**NEW}, submission_key="k1", ip=None
        )
    assert not Application.objects.exists()


def test_d6_4_a_change_in_progress_refuses_another(customer_client, customer, contract):
    ApplicationFactory(
        submitted_by=customer, kind="contact_person", before={}, after={"name": "x"}, work={}
    )
    page = customer_client.get(INPUT)
    assert text(by_id(dom(page), "refusal")) == services.IN_PROGRESS
    assert not has_form(page)
    assert enter(customer_client, NEW).status_code == 200
    assert Application.objects.count() == 1


def test_d6_4_a_change_accepted_meanwhile_in_another_tab_refuses_this_one(
    customer, customer_client, contract
):
    assert enter(customer_client, NEW)["Location"] == CONFIRM
    other = ApplicationFactory(
        submitted_by=customer, kind="contact_person", before={}, after={"name": "x"}, work={}
    )
    response = customer_client.post(CONFIRM, with_draft_token(customer_client, "contact_person"))
    assert response["Location"] == INPUT
    assert list(Application.objects.all()) == [other]


def test_d6_4_a_change_made_meanwhile_to_the_same_values_is_refused_on_confirm(
    customer_client, contract
):
    assert enter(customer_client, NEW)["Location"] == CONFIRM
    set_contract(
        contract,
        contact_person_name=NEW["name"],
        contact_person_kana=NEW["kana"],
        contact_person_department=NEW["department"],
        contact_person_phone=NEW["phone"],
        contact_email=NEW["email"],
    )
    response = customer_client.post(CONFIRM, with_draft_token(customer_client, "contact_person"))
    assert response["Location"] == INPUT
    assert services.NOTHING_CHANGED in page_text(customer_client.get(INPUT))
    assert not Application.objects.exists()


# --- X2: one application, one mail -----------------------------------------------------------


def test_d6_4_x2_register_pressed_twice_makes_one_application_and_one_set_of_mails(
    customer_client, contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = register(customer_client)
    token = {"draft": customer_client.session["submitted_drafts"]["contact_person"]["key"]}
    with django_capture_on_commit_callbacks(execute=True):
        second = customer_client.post(CONFIRM, token)
    assert second["Location"] == first["Location"]
    assert Application.objects.count() == 1
    # Acceptance to the old and the new address, completion to the new one: three, once.
    assert sorted(Mail.objects.values_list("template", "to")) == [
        ("application_contact_person", "hanako@example.com"),
        ("application_contact_person", "taro@example.com"),
        ("application_done", "hanako@example.com"),
    ]


def test_d6_4_x2_a_replayed_post_without_its_draft_submits_nothing(customer_client, contract):
    register(customer_client)
    response = customer_client.post(CONFIRM, {"draft": "replayed-or-forged"}, follow=True)
    assert EXPIRED_MESSAGE in page_text(response)
    response = customer_client.post(CONFIRM, {}, follow=True)
    assert EXPIRED_MESSAGE in page_text(response)
    assert Application.objects.count() == 1


def test_d6_4_x2_an_older_confirm_page_does_not_submit_a_newer_draft(customer_client, contract):
    enter(customer_client, NEW)
    old_token = with_draft_token(customer_client, "contact_person")
    enter(customer_client, {**NEW, "name": "窓口 次郎"})  # another tab entered again
    response = customer_client.post(CONFIRM, old_token, follow=True)
    assert STALE_MESSAGE in page_text(response)
    assert "窓口 次郎" in page_text(response)  # the confirm page shows what 「登録」 submits
    assert not Application.objects.exists()


def test_d6_4_x2_the_service_answers_a_second_submission_with_the_first(customer, contract):
    first = services.submit_contact_person_change(
        user=customer, values={**NEW}, submission_key="same", ip=None
    )
    with pytest.raises(DuplicateSubmission) as raised:
        services.submit_contact_person_change(
            user=customer, values={**NEW}, submission_key="same", ip=None
        )
    assert raised.value.application == first
    assert Application.objects.count() == 1
