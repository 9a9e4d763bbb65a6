"""D6.1 お支払い方法（クレジットカードへ）: 入力 → 確認 → 完了, its refusals, X2, P3."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import attr, by_id, dom, find_all, form_errors, page_text, text
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import build_message
from madoguchi.payments import providers, services
from madoguchi.payments.forms import MALFORMED, MISSING
from madoguchi.payments.tests.helpers import (
    DECLINED,
    EXPIRED,
    MASTERCARD,
    apply_card,
    post_card,
    token_for,
)
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

CARD_URL = "/desk/billing/card/"


def card_errors(response) -> list[str]:
    """The messages beside the card number input."""
    box = by_id(dom(response), "card-number-errors")
    return [text(item) for item in find_all(box, lambda e: e.name == "li")]


def assert_nothing_changed(contract, method=Contract.PaymentMethod.INVOICE):
    contract.refresh_from_db()
    assert contract.payment_method == method
    assert (contract.card_token, contract.card_brand, contract.card_last4) == ("", "", "")
    assert not Application.objects.exists()
    assert not BillingChange.objects.exists()
    assert not Mail.objects.exists()


def mail_text(mail) -> str:
    """The mail as it is sent: subject, text and HTML."""
    message = build_message(mail)
    return "\n".join([message.subject, message.body, *(c for c, _ in message.alternatives)])


def has_draft(client) -> bool:
    return "billing_card" in client.session.get("drafts", {})


# --- STEP1 ------------------------------------------------------------------------------------


def test_d6_1_input_page_shows_the_current_method_and_card_inputs_without_names(
    customer_client, customer
):
    Contract.objects.filter(pk=customer.contract_id).update(
        payment_method=Contract.PaymentMethod.BANK_TRANSFER
    )
    response = customer_client.get(CARD_URL)
    assert response.status_code == 200
    root = dom(response)
    assert "口座振替によるお支払い" in text(by_id(root, "current-payment"))
    for input_id in ("card-number", "card-expiry", "card-cvc"):
        assert attr(by_id(root, input_id), "name") is None  # never submitted
    form = by_id(root, "card-form")
    assert attr(form, "data-demopay-endpoint") == "/demopay/v1/tokens/"
    # Only the token and the CSRF token are submitted.
    names = {attr(e, "name") for e in find_all(form, lambda e: attr(e, "name"))}
    assert names == {"card_token", "csrfmiddlewaretoken"}
    scripts = find_all(root, lambda e: e.name == "script")
    assert [attr(s, "src") for s in scripts] == ["/static/demopay/demopay.js"]
    assert all(not text(s) for s in scripts)  # no inline script
    body = page_text(response)
    for hint in ("4242 4242 4242 4242", "5555 5555 5555 4444", "4000 0000 0000 0002"):
        assert hint in body
    assert "STEP1 入力" in body


def test_d6_1_a_valid_card_goes_to_the_confirm_page_masked(customer_client, customer):
    response = post_card(customer_client, token_for(MASTERCARD))
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:card_confirm")
    response = customer_client.get(response["Location"])
    body = page_text(response)
    assert "Mastercard ****-****-****-4444（有効期限 12/39）" in body
    assert "請求書によるお支払い" in body
    assert "登録" in body and "STEP2 確認" in body
    assert customer.contract.contact_email in body
    assert "5555555555554444" not in response.content.decode()
    assert_nothing_changed(customer.contract)


def test_d6_1_declined_card_gets_a_clear_message_and_nothing_changes(customer_client, customer):
    response = post_card(customer_client, token_for(DECLINED))
    assert response.status_code == 200
    assert card_errors(response) == [providers.CardDeclined.message]
    assert not has_draft(customer_client)
    assert_nothing_changed(customer.contract)


def test_d6_1_expired_card_gets_its_message_and_nothing_changes(customer_client, customer):
    response = post_card(customer_client, token_for(EXPIRED))
    assert card_errors(response) == [providers.CardExpired.message]
    assert_nothing_changed(customer.contract)


def test_d6_1_forged_token_is_refused(customer_client, customer):
    response = post_card(customer_client, "tok_forged0123456789abcdefghijklmnopq")
    assert card_errors(response) == [providers.InvalidToken.message]
    assert_nothing_changed(customer.contract)


def test_d6_1_reused_token_is_refused(customer_client, customer):
    token = token_for()
    assert post_card(customer_client, token).status_code == 302
    customer_client.session.flush()
    customer_client.force_login(customer)
    response = post_card(customer_client, token)
    assert card_errors(response) == [providers.TokenUsed.message]
    assert_nothing_changed(customer.contract)


def test_d6_1_token_is_refused_after_it_expired(customer_client, customer, settings):
    token = token_for()
    settings.DEMOPAY_TOKEN_TTL_SECONDS = 1
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        response = post_card(customer_client, token)
    assert card_errors(response) == [providers.InvalidToken.message]
    assert_nothing_changed(customer.contract)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", MISSING),
        ("   ", MISSING),
        ("tok_" + "x" * 300, MALFORMED),
        ("tok_\x00abc", MALFORMED),
        ("tok_\x07abc", "カード情報に使用できない制御文字が含まれています。"),
        ("tok_カード", MALFORMED),
        ("<script>alert(1)</script>", providers.InvalidToken.message),
    ],
)
def test_d6_1_bad_token_input_gets_a_message_and_nothing_is_stored(
    customer_client, customer, value, message
):
    response = post_card(customer_client, value)
    assert response.status_code == 200
    assert card_errors(response) == [message]
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert_nothing_changed(customer.contract)


def test_d6_1_posted_card_number_is_ignored_and_never_stored(
    customer_client, customer, caplog, django_capture_on_commit_callbacks
):
    """A hand-made POST carrying card fields: only the token counts; the number is nowhere."""
    number = "4242424242424242"
    response = post_card(
        customer_client,
        token_for(),
        card_number=number,
        number=number,
        cvc="987",
        card_cvc="987",
    )
    assert response.status_code == 302
    customer_client.get(response["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            reverse("payments:card_confirm"),
            with_draft_token(customer_client, "billing_card", {"card_number": number}),
        )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Application.Status.DONE
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    assert number not in dump.getvalue()
    assert number not in str(dict(customer_client.session.items()))
    for mail in Mail.objects.all():
        assert number not in str(mail.context) and number not in mail_text(mail)
    assert number not in caplog.text


# --- STEP2, STEP3, the application -------------------------------------------------------------


def test_d6_1_apply_creates_one_application_with_mails_and_p3(
    customer_client, customer, django_capture_on_commit_callbacks
):
    contract = customer.contract
    with django_capture_on_commit_callbacks(execute=True):
        response = apply_card(customer_client)
    application = Application.objects.get()
    assert response["Location"] == reverse("payments:card_complete", args=[application.pk])
    assert application.kind == services.BILLING_CARD
    assert application.status == Application.Status.DONE  # processed at once in tests
    assert application.work == {}  # the card reference is not kept on the application
    assert application.rows == [
        ("支払い方法", "請求書によるお支払い", "クレジットカードによるお支払い"),
        ("カード", "—", "VISA ****-****-****-4242（有効期限 12/39）"),
    ]
    contract.refresh_from_db()
    assert contract.payment_method == Contract.PaymentMethod.CARD
    assert (contract.card_brand, contract.card_last4, contract.card_expiry) == (
        "VISA",
        "4242",
        "12/39",
    )
    assert contract.card_token.startswith("card_")
    change = BillingChange.objects.get()
    assert change.application_number == application.number
    assert change.customer_number == contract.customer_number
    assert change.kind == "billing_card"
    assert change.values == {"payment_method": "card", "card_token": contract.card_token}
    mails = Mail.objects.filter(reference=application.number).order_by("pk")
    assert [(m.template, m.to) for m in mails] == [
        ("application_accepted", contract.contact_email),
        ("application_done", contract.contact_email),
    ]
    accepted = mail_text(mails[0])
    assert "クレジットカードによるお支払い" in accepted
    assert "VISA ****-****-****-4242" in accepted
    response = customer_client.get(response["Location"])
    body = page_text(response)
    assert application.number in body and "STEP3 完了" in body
    status = page_text(customer_client.get(reverse("desk:status")))
    assert "クレジットカードによるお支払い VISA ****-****-****-4242（有効期限 12/39）" in status


def test_d6_1_x2_double_submit_and_replay_make_one_application_and_one_mail(
    customer_client, customer, django_capture_on_commit_callbacks
):
    post_card(customer_client, token_for())
    data = with_draft_token(customer_client, "billing_card")
    with django_capture_on_commit_callbacks(execute=True):
        first = customer_client.post(reverse("payments:card_confirm"), data)
        second = customer_client.post(reverse("payments:card_confirm"), data)
    application = Application.objects.get()
    assert first["Location"] == second["Location"]
    assert second["Location"] == reverse("payments:card_complete", args=[application.pk])
    replay = customer_client.post(reverse("payments:card_confirm"), {})
    assert replay.status_code == 302
    assert Application.objects.count() == 1
    assert BillingChange.objects.count() == 1
    assert Mail.objects.filter(template="application_accepted").count() == 1
    customer_client.get(second["Location"])  # reloading the completion page
    assert Application.objects.count() == 1


def test_d6_1_back_from_confirm_asks_for_the_card_again(customer_client, customer):
    post_card(customer_client, token_for())
    response = customer_client.get(CARD_URL)
    assert response.status_code == 200
    assert "カード情報をもう一度入力" in page_text(
        customer_client.get(reverse("payments:card_confirm"))
    )
    assert attr(by_id(dom(response), "id_card_token"), "value") in (None, "")


def test_d6_1_a_contract_already_paying_by_card_is_told_so(customer_client, customer):
    Contract.objects.filter(pk=customer.contract_id).update(
        payment_method=Contract.PaymentMethod.CARD,
        card_token="card_old",
        card_brand="JCB",
        card_last4="0000",
        card_expiry="01/30",
    )
    response = customer_client.get(CARD_URL)
    assert services.ALREADY_CARD in form_errors(response)
    assert "JCB ****-****-****-0000（有効期限 01/30）" in page_text(response)
    assert not find_all(dom(response), lambda e: attr(e, "id") == "card-form")
    response = post_card(customer_client, token_for())
    assert services.ALREADY_CARD in form_errors(response)
    assert not Application.objects.exists()


def test_d6_1_refused_after_a_cancellation_was_accepted_and_nothing_stored(
    customer_client, customer
):
    from madoguchi.applications import eligibility

    post_card(customer_client, token_for())
    contract = customer.contract
    Contract.objects.filter(pk=contract.pk).update(
        status=Contract.Status.CANCELLATION_ACCEPTED, cancellation_date="2030-01-31"
    )
    contract.refresh_from_db()
    message = eligibility.cancellation_accepted(contract)
    response = customer_client.post(
        reverse("payments:card_confirm"), with_draft_token(customer_client, "billing_card")
    )
    assert response["Location"] == CARD_URL
    response = customer_client.get(CARD_URL)
    assert message in page_text(response)
    assert "2030/01/31" in message
    assert_nothing_changed(contract)
    response = post_card(customer_client, token_for())
    assert message in form_errors(response)
    assert_nothing_changed(contract)


def test_d6_1_refused_while_a_paper_application_is_in_progress(customer_client, customer):
    from madoguchi.applications.eligibility import PAPER_APPLICATION

    Contract.objects.filter(pk=customer.contract_id).update(paper_application_in_progress=True)
    assert PAPER_APPLICATION in form_errors(customer_client.get(CARD_URL))
    assert PAPER_APPLICATION in form_errors(post_card(customer_client, token_for()))
    assert_nothing_changed(customer.contract)


def test_d6_1_one_switch_at_a_time(customer_client, customer, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    apply_card(customer_client)
    application = Application.objects.get()
    assert application.status == Application.Status.ACCEPTED
    response = customer_client.get(CARD_URL)
    assert services.IN_PROGRESS.format(number=application.number) in form_errors(response)
    status = page_text(customer_client.get(reverse("desk:status")))
    assert "反映中" in status


def test_d6_1_another_customers_completion_page_is_404(client, customer, other_customer):
    client.force_login(customer)
    apply_card(client)
    application = Application.objects.get()
    client.force_login(other_customer)
    assert client.get(reverse("payments:card_complete", args=[application.pk])).status_code == 404


def test_d6_1_the_menu_marks_the_item_current_on_every_step(customer_client, customer):
    def current(response) -> list[str]:
        return [
            text(e) for e in find_all(dom(response), lambda e: attr(e, "aria-current") == "page")
        ]

    assert current(customer_client.get(CARD_URL)) == ["お支払い方法（クレジットカードへ）"]
    post_card(customer_client, token_for())
    confirm = customer_client.get(reverse("payments:card_confirm"))
    assert current(confirm) == ["お支払い方法（クレジットカードへ）"]


# --- P3 and the processor -------------------------------------------------------------------


def test_p3_processor_run_twice_publishes_once(customer, settings):
    from madoguchi.applications.services import process_application
    from madoguchi.payments.providers import Card

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    card = Card(token="card_abc", brand="VISA", last4="4242", expiry="12/39")
    application = services.submit_card_change(
        user=customer, card=card, submission_key="k1", ip=None
    )
    assert process_application(application.pk) is True
    assert process_application(application.pk) is False
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert BillingChange.objects.get().values == {
        "payment_method": "card",
        "card_token": "card_abc",
    }
    assert Mail.objects.filter(template="application_done").count() == 1


def test_p3_a_processor_without_card_fails_and_changes_nothing(customer, settings):
    from madoguchi.applications.services import process_application

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    card = providers.Card(token="card_abc", brand="VISA", last4="4242", expiry="12/39")
    application = services.submit_card_change(
        user=customer, card=card, submission_key="k2", ip=None
    )
    Application.objects.filter(pk=application.pk).update(work={})
    process_application(application.pk)
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == services.NO_CARD
    customer.contract.refresh_from_db()
    assert customer.contract.payment_method == Contract.PaymentMethod.INVOICE
    assert not BillingChange.objects.exists()
