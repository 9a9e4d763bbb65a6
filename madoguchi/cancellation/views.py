"""ご契約の廃止申込み pages (D5): STEP1 入力 → STEP2 確認 → STEP3 完了."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import eligibility
from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.audit.services import client_ip
from madoguchi.cancellation import services
from madoguchi.cancellation.forms import CancellationForm
from madoguchi.cancellation.kinds import KIND
from madoguchi.cancellation.models import CANCELLATION
from madoguchi.contracts.access import desk_login_required
from madoguchi.desk.menu import require_menu_item
from madoguchi.lib.drafts import Flow, Refused
from madoguchi.lib.errors import refuse
from madoguchi.mailboxes.services import options_in_use

FIELDS = {spec.key: spec for spec in KIND.fields}
LINE_KEYS = ("date", "reason", "reason_detail", "detail_other", "migration_reason", "remarks")
CONTACT_KEYS = ("contact_department", "contact_name", "contact_phone", "contact_fax")
FLOW = Flow("cancellation", restart="cancellation:input", complete="cancellation:complete")


def _refusal(request):
    """The eligibility rule's refusal as a page (an accepted cancellation names its date)."""
    found = eligibility.refusal(request.contract, CANCELLATION)
    return refuse(request, found.message) if found else None


@desk_login_required
@require_menu_item("cancellation")
@require_http_methods(["GET", "POST"])
@never_cache
def cancellation_input(request):
    if refused := _refusal(request):
        return refused
    draft = FLOW.load(request)
    form = CancellationForm(
        request.POST if request.method == "POST" else None,
        initial=draft["input"] if draft else None,
    )
    if request.method == "POST" and form.is_valid():
        FLOW.start(request, {"input": form.input(), "values": form.values()})
        return redirect("cancellation:confirm")
    return render(
        request,
        "cancellation/input.html",
        {"form": form, "contract": request.contract, "step": 1},
    )


@desk_login_required
@require_menu_item("cancellation")
@require_http_methods(["GET", "POST"])
@never_cache
def cancellation_confirm(request):
    if refused := _refusal(request):
        # After acceptance a late second click still lands on its completion page (X2).
        if request.method == "POST" and FLOW.load(request) is None:
            return FLOW.take(request)
        return refused
    draft = FLOW.load(request)
    if draft is None:
        return FLOW.take(request) if request.method == "POST" else redirect("cancellation:input")
    if request.method == "GET":
        return _confirm_page(request, draft)
    return FLOW.submit(
        request,
        lambda taken: services.submit_cancellation(
            user=request.user,
            values=taken["values"],
            submission_key=taken["key"],
            ip=client_ip(request),
        ),
        refused=[
            Refused(
                eligibility.NotEligible,
                keep=False,
                respond=lambda taken, refusal: refuse(request, refusal.message),
            ),
            Refused(
                services.CancellationError,
                respond=lambda taken, failure: _confirm_page(request, taken, error=failure),
            ),
        ],
    )


def _confirm_page(request, draft, error=None):
    contract = request.contract
    mailboxes, _charge = options_in_use(contract)
    values = draft["values"]
    return render(
        request,
        "cancellation/confirm.html",
        {
            "draft": draft,
            "contract": contract,
            "mailboxes": mailboxes,
            "ending": services.ending(contract),
            "rows": _rows(values),
            "contact_email": values["contact_email"],
            "error": error,
            "step": 2,
        },
    )


def _rows(values: dict) -> dict:
    """The entered values as (key, label, shown) under the two headings of the seed."""

    def row(key: str) -> tuple[str, str, str]:
        spec = FIELDS[key]
        value = values.get(key)
        return key, spec.label, spec.format(value) if value else ""

    return {"line": [row(key) for key in LINE_KEYS], "contact": [row(key) for key in CONTACT_KEYS]}


@desk_login_required
def cancellation_complete(request, pk: int):
    application = get_application_for_contract(request.contract, pk, kinds=[CANCELLATION])
    return render(
        request,
        "cancellation/complete.html",
        {"application": application, "values": _rows(application.after), "step": 3},
    )
