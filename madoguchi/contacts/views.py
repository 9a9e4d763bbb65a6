"""担当者連絡先 pages (D6.4): 入力 → 確認 → 完了."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import eligibility, registry
from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.audit.services import client_ip
from madoguchi.contacts import services
from madoguchi.contacts.forms import ContactPersonForm
from madoguchi.contracts.access import desk_login_required
from madoguchi.lib.drafts import Flow, Refused

# The confirm page shows every value the draft submits: a draft from another tab is shown
# again with a message.
FLOW = Flow("contact_person", restart="contacts:input", complete="contacts:complete")


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def contact_input(request):
    contract = request.contract
    refusal = services.refusal(contract)
    current = services.current_values(contract)
    # 「戻る」 from the confirm step shows the draft's values (X1); else the current ones.
    draft = FLOW.load(request)
    initial = {**current, "email_confirm": current["email"]}
    if draft:
        initial = {**draft, "email_confirm": draft["email"]}
    form = ContactPersonForm(
        request.POST if request.method == "POST" else None, current=current, initial=initial
    )
    if request.method == "POST" and not refusal and form.is_valid():
        FLOW.start(request, form.values())
        return redirect("contacts:confirm")
    return render(
        request,
        "contacts/input.html",
        {"form": form, "current": current, "refusal": refusal, "step": 1},
    )


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def contact_confirm(request):
    contract = request.contract
    if request.method == "GET":
        draft = FLOW.load(request)
        if draft is None or services.refusal(contract):
            return redirect("contacts:input")
        return render(request, "contacts/confirm.html", _confirm_context(contract, draft))
    return FLOW.submit(
        request,
        lambda draft: services.submit_contact_person_change(
            user=request.user, values=draft, submission_key=draft["key"], ip=client_ip(request)
        ),
        refused=[
            # The input page says why.
            Refused((eligibility.NotEligible, services.ChangeInProgress), keep=False, message=None),
            Refused(services.ContactPersonError),
        ],
    )


def _confirm_context(contract, draft: dict) -> dict:
    before = services.current_values(contract)
    after = {key: draft[key] for key in services.FIELDS if draft[key] != before[key]}
    return {
        "draft": draft,
        "rows": registry.get(services.CONTACT_PERSON).rows(before, after),
        "mail_to": services.acceptance_recipients(before, after),
        "email_changes": "email" in after,
        "step": 2,
    }


@desk_login_required
def contact_complete(request, pk: int):
    application = get_application_for_contract(
        request.contract, pk, kinds=[services.CONTACT_PERSON]
    )
    return render(
        request,
        "contacts/complete.html",
        {
            "application": application,
            "mail_to": services.acceptance_recipients(application.before, application.after),
            "step": 3,
        },
    )
