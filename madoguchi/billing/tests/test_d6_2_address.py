"""D6.2 「請求書」および「口座振替のお知らせ」送付先住所: 入力 (郵便番号 → 住所検索) → 確認 → 完了,
X1, X2, X5, and its publication to the billing system (P3)."""

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.billing import postal
from madoguchi.billing.services import BILLING_ADDRESS
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import (
    attr,
    control,
    field_errors,
    form_errors,
    page_text,
)
from madoguchi.outbox.models import Mail
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

INPUT = reverse("desk:billing_address")
CONFIRM = reverse("desk:billing_address_confirm")
LOOKUP = reverse("desk:billing_postal_lookup")
VALID = {
    "postal_code": "530-0001",
    "address": "大阪府大阪市北区梅田1丁目2-3 梅田ビル5階",
    "company": "テスト商事株式会社",
    "department": "経理部",
    "addressee": "経理 花子",
    "next": "1",
}


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def post_input(client, **changes):
    return client.post(INPUT, {**VALID, **changes})


def register(client, capture, **changes):
    response = post_input(client, **changes)
    assert response.status_code == 302, page_text(response)
    assert response["Location"] == CONFIRM
    with capture():
        return client.post(CONFIRM, with_draft_token(client, BILLING_ADDRESS))


def value_of(response, name: str) -> str:
    return attr(control(response, name), "value") or ""


# --- 入力 and 住所検索 -------------------------------------------------------------------------


def test_d6_2_input_shows_the_current_destination(customer_client, customer):
    response = customer_client.get(INPUT)
    assert response.status_code == 200
    text = page_text(response)
    assert "STEP1 入力" in text
    assert value_of(response, "postal_code") == customer.contract.postal_code
    assert value_of(response, "address") == customer.contract.address
    assert "住所検索" in text


@pytest.mark.parametrize(
    "typed",
    ["530-0001", "5300001", "５３０－０００１", "５３００００１", "〒530ー0001", " 530-0001 "],
)
def test_d6_2_lookup_without_javascript_fills_the_address(customer_client, typed):
    response = customer_client.post(
        INPUT, {**VALID, "postal_code": typed, "address": "", "lookup": "1"}
    )
    assert response.status_code == 200
    assert value_of(response, "postal_code") == "530-0001"
    assert value_of(response, "address") == "大阪府大阪市北区梅田"
    assert "住所を入力しました：大阪府大阪市北区梅田" in page_text(response)
    # The other values are kept, and no error is shown for them.
    assert value_of(response, "company") == VALID["company"]
    assert field_errors(response, "address") == []
    assert not Application.objects.exists()


def test_d6_2_lookup_of_a_code_that_does_not_exist_says_so(customer_client):
    response = customer_client.post(INPUT, {**VALID, "postal_code": "000-0000", "lookup": "1"})
    assert response.status_code == 200
    assert postal.UNKNOWN_MESSAGE in page_text(response)
    assert value_of(response, "postal_code") == "000-0000"
    assert value_of(response, "address") == VALID["address"]  # left as typed


@pytest.mark.parametrize("typed", ["", "123", "12345678", "abc-defg", "１２３"])
def test_d6_2_lookup_of_a_malformed_code_says_so(customer_client, typed):
    response = customer_client.post(INPUT, {**VALID, "postal_code": typed, "lookup": "1"})
    assert postal.FORMAT_MESSAGE in page_text(
        response
    ) or "郵便番号を入力してください" in page_text(response)


def test_d6_2_lookup_endpoint_answers_json(customer_client):
    found = customer_client.get(LOOKUP, {"code": "１００－０００１"}).json()
    assert found == {"found": True, "postal_code": "100-0001", "address": "東京都千代田区千代田"}
    unknown = customer_client.get(LOOKUP, {"code": "0000000"}).json()
    assert unknown == {"found": False, "message": postal.UNKNOWN_MESSAGE}
    malformed = customer_client.get(LOOKUP, {"code": "12\x00"}).json()
    assert malformed["found"] is False


def test_d6_2_lookup_endpoint_is_behind_the_desk_login(client):
    response = client.get(LOOKUP, {"code": "1000001"})
    assert response.status_code == 302
    assert reverse("desk:login") in response["Location"]


# --- X5 bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postal_code": ""}, "postal_code", "郵便番号を入力してください。"),
        ({"postal_code": "12-34567"}, "postal_code", postal.FORMAT_MESSAGE),
        ({"postal_code": "1234"}, "postal_code", postal.FORMAT_MESSAGE),
        ({"postal_code": "000-0000"}, "postal_code", postal.UNKNOWN_MESSAGE),
        ({"postal_code": "1" * 30}, "postal_code", "郵便番号は20文字以内で入力してください。"),
        ({"address": ""}, "address", "住所を入力してください。"),
        ({"address": "   "}, "address", "住所を入力してください。"),
        ({"address": "あ" * 201}, "address", "住所は200文字以内で入力してください。"),
        (
            {"address": "東京都\x07千代田区"},
            "address",
            "住所に使用できない制御文字が含まれています。",
        ),
        (
            {"address": "東京都\u200b千代田区"},
            "address",
            "住所に使用できない制御文字が含まれています。",
        ),
        ({"company": "会" * 101}, "company", "会社名は100文字以内で入力してください。"),
        ({"department": "部\x1b"}, "department", "部課名に使用できない制御文字が含まれています。"),
        ({"addressee": "宛" * 101}, "addressee", "宛名は100文字以内で入力してください。"),
        (
            {"addressee": "宛\ufffd名"},
            "addressee",
            "宛名に文字化けした文字が含まれています。入力し直してください。",
        ),
    ],
)
def test_d6_2_x5_bad_input_is_refused_beside_its_field(customer_client, changes, field, message):
    response = post_input(customer_client, **changes)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    # The rest of the input is kept; nothing is stored.
    kept = "company" if field != "company" else "address"
    assert value_of(response, kept) == VALID[kept]
    assert not Application.objects.exists()


def test_d6_2_x5_html_is_kept_as_text_and_escaped(customer_client, capture):
    script = '<script>alert("x")</script>'
    response = post_input(customer_client, company=script)
    assert response.status_code == 302
    confirm = customer_client.get(CONFIRM)
    assert script.encode() not in confirm.content
    assert script in page_text(confirm)


def test_d6_2_postal_code_in_full_width_is_stored_normalized(customer_client, customer, capture):
    register(customer_client, capture, postal_code="５３０ー０００１")
    customer.contract.refresh_from_db()
    assert customer.contract.billing_postal_code == "530-0001"


# --- 確認 → 完了, X1, X2 -----------------------------------------------------------------------


def test_d6_2_confirm_shows_before_and_after_and_back_keeps_the_input(customer_client, customer):
    post_input(customer_client)
    response = customer_client.get(CONFIRM)
    text = page_text(response)
    assert "STEP2 確認" in text
    assert VALID["address"] in text
    assert customer.contract.address in text
    assert customer.contract.contact_email in text
    assert not Application.objects.exists()  # nothing before 登録 (X1)
    back = customer_client.get(INPUT)
    assert value_of(back, "address") == VALID["address"]
    assert value_of(back, "addressee") == VALID["addressee"]


def test_d6_2_registering_changes_the_address_mails_and_publishes(
    customer_client, customer, capture
):
    response = register(customer_client, capture)
    application = Application.objects.get()
    assert response["Location"] == reverse("desk:billing_address_complete", args=[application.pk])
    assert application.kind == BILLING_ADDRESS
    assert application.status == Application.Status.DONE
    assert application.before["address"] == customer.contract.address
    assert application.after == {key: VALID[key] for key in application.after}

    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.billing_destination == {
        "postal_code": "530-0001",
        "address": VALID["address"],
        "company": VALID["company"],
        "department": VALID["department"],
        "addressee": VALID["addressee"],
    }
    mails = {m.template: m for m in Mail.objects.filter(reference=application.number)}
    assert set(mails) == {"application_accepted", "application_done"}
    assert {m.to for m in mails.values()} == {contract.contact_email}
    assert "送付先住所の変更" in mails["application_accepted"].subject
    # P3: one row with the new values.
    change = BillingChange.objects.get()
    assert change.application_number == application.number
    assert change.customer_number == contract.customer_number
    assert change.kind == BILLING_ADDRESS
    assert change.values["address"] == VALID["address"]
    assert change.values["postal_code"] == "530-0001"

    complete = customer_client.get(response["Location"])
    assert "STEP3 完了" in page_text(complete)
    assert application.number in page_text(complete)
    status = page_text(customer_client.get(reverse("desk:status")))
    assert VALID["address"] in status


def test_d6_2_x2_double_submit_and_replay_make_one_application_and_one_mail(
    customer_client, capture
):
    post_input(customer_client)
    data = with_draft_token(customer_client, BILLING_ADDRESS)
    with capture():
        first = customer_client.post(CONFIRM, data)
    with capture():
        second = customer_client.post(CONFIRM, data)
    assert second["Location"] == first["Location"]
    with capture():
        customer_client.post(CONFIRM, {})
    assert Application.objects.count() == 1
    assert Mail.objects.filter(template="application_accepted").count() == 1
    assert BillingChange.objects.count() == 1


def test_d6_2_other_customer_cannot_see_the_completion_page(
    customer_client, capture, other_customer, client
):
    register(customer_client, capture)
    application = Application.objects.get()
    client.force_login(other_customer)
    response = client.get(reverse("desk:billing_address_complete", args=[application.pk]))
    assert response.status_code == 404


# --- Eligibility (the one rule) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paper_application_in_progress": True}, "申込書により"),
        (
            {"status": Contract.Status.CANCELLATION_ACCEPTED, "cancellation_date": "2030-01-31"},
            "ご契約の廃止のお申込み（廃止日：2030/01/31(木)）",
        ),
    ],
)
def test_d6_2_refused_when_the_contract_may_not_apply(
    customer_client, customer, capture, changes, message
):
    post_input(customer_client)  # a draft made before the refusal
    Contract.objects.filter(pk=customer.contract_id).update(**changes)
    page = customer_client.get(INPUT)
    assert message in page_text(page)
    assert "住所検索" not in page_text(page)
    assert post_input(customer_client).status_code == 200
    with capture():
        customer_client.post(CONFIRM, with_draft_token(customer_client, BILLING_ADDRESS))
    assert not Application.objects.exists()
    assert not Mail.objects.exists()
    assert message in page_text(customer_client.get(reverse("desk:billing")))


def test_d6_2_one_application_at_a_time(customer, customer_client, capture):
    from madoguchi.billing import services

    Application.objects.create(
        contract=customer.contract,
        kind=BILLING_ADDRESS,
        before={},
        after={"address": "x"},
        submitted_by=customer,
    )
    response = customer_client.get(INPUT)
    assert "お手続き中のため" in page_text(response)
    with pytest.raises(services.BillingError):
        services.submit_billing_address(user=customer, values=VALID, submission_key="k1")


def test_d6_2_form_errors_are_not_a_non_field_alert(customer_client):
    response = post_input(customer_client, address="")
    assert form_errors(response) == []


def test_d6_2_the_current_destination_unchanged_is_refused_and_nothing_stored(
    customer_client, customer, capture
):
    register(customer_client, capture)
    Application.objects.filter(kind=BILLING_ADDRESS).update(status=Application.Status.DONE)
    Contract.objects.filter(pk=customer.contract_id).update(
        **{f"billing_{key}": VALID[key] for key in ("postal_code", "address", "company")},
        billing_department=VALID["department"],
        billing_addressee=VALID["addressee"],
    )
    mails = Mail.objects.count()
    response = post_input(customer_client)
    assert response.status_code == 200
    assert form_errors(response) == [
        "現在の送付先から変更がありません。変更する項目を入力してください。"
    ]
    assert Application.objects.filter(kind=BILLING_ADDRESS).count() == 1
    assert Mail.objects.count() == mails
    assert post_input(customer_client, addressee="経理 太郎").status_code == 302


def test_d6_2_lookup_works_from_any_thread():
    """Web servers answer in several threads: the postal data is read safely in each."""
    import threading

    results = []
    postal.lookup("100-0001")
    thread = threading.Thread(target=lambda: results.append(postal.lookup("530-0001")))
    thread.start()
    thread.join()
    assert results == [("530-0001", "大阪府大阪市北区梅田")]
