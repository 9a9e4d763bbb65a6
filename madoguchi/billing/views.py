"""ご請求関連 pages: the menu page, 送付先住所 (D6.2) and 送付方法 (D6.3), 入力 → 確認 → 完了."""

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.applications import eligibility, registry
from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.audit.services import client_ip
from madoguchi.billing import postal, services
from madoguchi.billing.forms import AddressForm, NoticeForm, PostalLookupForm
from madoguchi.contracts.access import desk_login_required
from madoguchi.desk.menu import ITEMS, item_hidden, require_menu_item
from madoguchi.lib.drafts import Flow, Refused

ADDRESS_FLOW = Flow(
    services.BILLING_ADDRESS,
    restart="desk:billing_address",
    complete="desk:billing_address_complete",
)
NOTICE_FLOW = Flow(
    services.BILLING_NOTICE,
    restart="desk:billing_notice",
    complete="desk:billing_notice_complete",
)


@desk_login_required
def billing_menu(request):
    """「ご請求関連」: what is in force now, and the changes that can be applied for."""
    contract = request.contract
    return render(
        request,
        "billing/menu.html",
        {
            "contract": contract,
            "destination": contract.billing_destination,
            "refusal": eligibility.refusal(contract, services.BILLING_ADDRESS),
            # The card change is offered only where the menu offers it (a provider is set up).
            "card_offered": not item_hidden(contract, ITEMS["billing_card"]),
            "pending": services.pending_applications(contract),
        },
    )


# --- D6.2 送付先住所 ---------------------------------------------------------------------------


def _posted(request, form_class) -> dict:
    """The typed values of a form's fields (kept when the page is shown again)."""
    return {name: request.POST.get(name, "") for name in form_class.base_fields}


@desk_login_required
@require_menu_item("billing_address")
@require_http_methods(["GET", "POST"])
@never_cache
def address_input(request):
    contract = request.contract
    refusal = services.refusal_message(contract, services.BILLING_ADDRESS)
    lookup_error = lookup_found = ""
    draft = ADDRESS_FLOW.load(request)
    initial = draft or services.current_address(contract)
    form = AddressForm(initial=initial)
    if request.method == "POST" and not refusal:
        if "lookup" in request.POST:
            # 「住所検索」 without JavaScript: the page again, 住所 filled from the code.
            values = _posted(request, AddressForm)
            lookup = PostalLookupForm({"postal_code": values["postal_code"]})
            if lookup.is_valid():
                values["postal_code"] = lookup.cleaned_data["postal_code"]
                values["address"] = postal.address_for(values["postal_code"])
                lookup_found = values["address"]
            else:
                lookup_error = lookup.errors["postal_code"][0]
            form = AddressForm(initial=values)
        else:
            form = AddressForm(request.POST, current=services.current_address(contract))
            if form.is_valid():
                ADDRESS_FLOW.start(request, form.cleaned_data)
                return redirect("desk:billing_address_confirm")
    return render(
        request,
        "billing/address_input.html",
        {
            "form": form,
            "refusal": refusal,
            "lookup_error": lookup_error,
            "lookup_found": lookup_found,
            "step": 1,
        },
    )


@desk_login_required
@require_GET
def postal_lookup(request):
    """The address of a postal code as JSON, for the input page's script (D6.2)."""
    form = PostalLookupForm({"postal_code": request.GET.get("code", "")})
    if not form.is_valid():
        return JsonResponse({"found": False, "message": form.errors["postal_code"][0]})
    code = form.cleaned_data["postal_code"]
    return JsonResponse({"found": True, "postal_code": code, "address": postal.address_for(code)})


@desk_login_required
@require_menu_item("billing_address")
@require_http_methods(["GET", "POST"])
@never_cache
def address_confirm(request):
    contract = request.contract
    if request.method == "GET":
        draft = ADDRESS_FLOW.load(request)
        if draft is None:
            return redirect("desk:billing_address")
        return render(
            request,
            "billing/address_confirm.html",
            {
                "draft": draft,
                "rows": _address_rows(services.current_address(contract), draft),
                "step": 2,
            },
        )
    return ADDRESS_FLOW.submit(
        request,
        lambda draft: services.submit_billing_address(
            user=request.user, values=draft, submission_key=draft["key"], ip=client_ip(request)
        ),
        # Refused since the input step (the input page says why); the input is kept.
        refused=[Refused(services.BillingError, message=None)],
    )


def _address_rows(before: dict, after: dict) -> list[tuple[str, str, str]]:
    return registry.get(services.BILLING_ADDRESS).rows(
        before, {key: after.get(key, "") for key in services.ADDRESS_KEYS}
    )


@desk_login_required
def address_complete(request, pk: int):
    application = get_application_for_contract(
        request.contract, pk, kinds=[services.BILLING_ADDRESS]
    )
    return render(request, "billing/complete.html", {"application": application, "step": 3})


# --- D6.3 送付方法 -----------------------------------------------------------------------------


def _notice_initial(request, contract) -> dict:
    draft = NOTICE_FLOW.load(request)
    current = draft or services.current_notice(contract)
    initial = {"method": current["method"]}
    email = current.get("email") or ""
    if email and email in services.mailbox_addresses(contract):
        initial["destination"] = email
    elif email:
        initial.update(destination="other", email=email, email_confirm=email)
    return initial


@desk_login_required
@require_menu_item("billing_notice")
@require_http_methods(["GET", "POST"])
@never_cache
def notice_input(request):
    contract = request.contract
    refusal = services.refusal_message(contract, services.BILLING_NOTICE)
    mailboxes = services.mailbox_addresses(contract)
    if request.method == "POST" and not refusal:
        form = NoticeForm(request.POST, mailboxes=mailboxes)
        if form.is_valid():
            choice = form.choice()
            if choice["method"] == contract.billing_notice_method and (
                choice["email"] == services.current_notice(contract)["email"]
            ):
                form.add_error(None, services.UNCHANGED_MESSAGE)
            else:
                NOTICE_FLOW.start(request, choice)
                return redirect("desk:billing_notice_confirm")
    else:
        form = NoticeForm(initial=_notice_initial(request, contract), mailboxes=mailboxes)
    return render(
        request,
        "billing/notice_input.html",
        {"form": form, "refusal": refusal, "mailboxes": mailboxes, "step": 1},
    )


@desk_login_required
@require_menu_item("billing_notice")
@require_http_methods(["GET", "POST"])
@never_cache
def notice_confirm(request):
    contract = request.contract
    if request.method == "GET":
        draft = NOTICE_FLOW.load(request)
        if draft is None:
            return redirect("desk:billing_notice")
        rows = registry.get(services.BILLING_NOTICE).rows(
            services.current_notice(contract), {"method": draft["method"], "email": draft["email"]}
        )
        return render(
            request, "billing/notice_confirm.html", {"draft": draft, "rows": rows, "step": 2}
        )
    return NOTICE_FLOW.submit(
        request,
        lambda draft: services.submit_billing_notice(
            user=request.user,
            method=draft["method"],
            source=draft["source"],
            email=draft["email"],
            submission_key=draft["key"],
            link_base=request.build_absolute_uri("/"),
            ip=client_ip(request),
        ),
        # The error's message, unless the input page shows the eligibility refusal.
        refused=[
            Refused(services.BillingError, message=lambda error: _unless_refused(request, error))
        ],
    )


def _unless_refused(request, error) -> str | None:
    refusal = services.refusal_message(request.contract, services.BILLING_NOTICE)
    return error.message if refusal is None else None


@desk_login_required
def notice_complete(request, pk: int):
    application = get_application_for_contract(
        request.contract, pk, kinds=[services.BILLING_NOTICE]
    )
    return render(request, "billing/complete.html", {"application": application, "step": 3})
