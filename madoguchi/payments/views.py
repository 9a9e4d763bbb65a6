"""お支払い方法（クレジットカードへ） (D6.1): 入力 → 確認 → 完了."""

from dataclasses import asdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.audit.services import client_ip
from madoguchi.contracts.access import desk_login_required
from madoguchi.desk.menu import require_menu_item
from madoguchi.lib.drafts import Flow, Refused
from madoguchi.payments import services
from madoguchi.payments.forms import CardTokenForm
from madoguchi.payments.providers import Card, PaymentError, csp_update, get_provider

FLOW = Flow("billing_card", restart="payments:card", complete="payments:card_complete")


@sensitive_post_parameters()
@desk_login_required
@require_menu_item("billing_card")
@require_http_methods(["GET", "POST"])
@never_cache
def card_input(request):
    contract = request.contract
    refusal = services.card_refusal(contract)
    form = CardTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            card = services.resolve_card(form.cleaned_data["card_token"])
        except PaymentError as refused:
            form.add_error("card_token", refused.message)
        else:
            FLOW.start(request, {"card": asdict(card)})
            return redirect("payments:card_confirm")
    browser = get_provider().browser()
    response = render(
        request,
        "payments/card_input.html",
        {
            "contract": contract,
            "refusal": refusal,
            "form": form,
            "browser": browser,
            "provider": get_provider(),
            "step": 1,
        },
    )
    # The provider's sources are allowed on this page only; the policy stays strict.
    if browser.csp:
        response._csp_update = csp_update(browser.csp)
    return response


@desk_login_required
@require_menu_item("billing_card")
@require_http_methods(["GET", "POST"])
@never_cache
def card_confirm(request):
    contract = request.contract
    draft = FLOW.load(request)
    if draft is None:
        # A late second click of 「登録」 still lands on what the first one submitted.
        return FLOW.take(request) if request.method == "POST" else redirect("payments:card")
    if request.method == "GET":
        refusal = services.card_refusal(contract)
        if refusal is not None:
            FLOW.discard(request)
            messages.error(request, refusal)
            return redirect("payments:card")
        return render(
            request,
            "payments/card_confirm.html",
            {
                "contract": contract,
                "draft": draft,
                "card": services.masked(draft["card"]),
                "step": 2,
            },
        )
    return FLOW.submit(
        request,
        lambda taken: services.submit_card_change(
            user=request.user,
            card=Card(**taken["card"]),
            submission_key=taken["key"],
            ip=client_ip(request),
        ),
        # The card's token is used up: the input step asks for the card again.
        refused=[Refused(services.CardChangeRefused, keep=False)],
    )


@desk_login_required
def card_complete(request, pk: int):
    application = get_application_for_contract(request.contract, pk, kinds=[services.BILLING_CARD])
    return render(request, "payments/card_complete.html", {"application": application, "step": 3})
