"""Desk pages: usage status (D2), network password change (D3), phone pages (D7)."""

from django.contrib.auth import update_session_auth_hash
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from madoguchi.applications import eligibility
from madoguchi.applications.selectors import (
    applications_in_progress,
    get_application_for_contract,
    recently_finished,
)
from madoguchi.audit.services import client_ip
from madoguchi.contracts.access import desk_login_required
from madoguchi.contracts.models import PhonePage
from madoguchi.desk import services
from madoguchi.desk.forms import NetworkPasswordForm
from madoguchi.desk.menu import require_menu_item
from madoguchi.lib.drafts import Flow, Refused
from madoguchi.mailboxes.services import options_in_use
from madoguchi.notices.display import with_windows
from madoguchi.notices.queries import current_notices_for_contract

# The confirm page cannot show the new password: a draft from another tab starts over.
PASSWORD_FLOW = Flow(
    "network_password",
    restart="desk:password",
    complete="desk:password_complete",
    secret=lambda draft: True,
)


@desk_login_required
def status(request):
    contract = request.contract
    mailboxes, options_charge = options_in_use(contract)
    return render(
        request,
        "desk/status.html",
        {
            "contract": contract,
            "mailboxes": mailboxes,
            "options_charge": options_charge,
            "in_progress": applications_in_progress(contract),
            "finished": recently_finished(contract),
            # Planned work and outages of the contract's products (one query).
            "notices": with_windows(
                current_notices_for_contract(request.user, contract.service_name)
            ),
        },
    )


@sensitive_post_parameters()
@desk_login_required
@require_menu_item("password")
@never_cache
def password_input(request):
    refusal = eligibility.refusal(request.contract, services.NETWORK_PASSWORD)
    available_at = services.password_change_available_at(request.user)
    form = NetworkPasswordForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and not refusal and not available_at and form.is_valid():
        PASSWORD_FLOW.start(
            request, services.hash_network_password(form.cleaned_data["new_password"])
        )
        return redirect("desk:password_confirm")
    return render(
        request,
        "desk/password_input.html",
        {"form": form, "available_at": available_at, "refusal": refusal, "step": 1},
    )


@desk_login_required
@require_menu_item("password")
@require_http_methods(["GET", "POST"])
@never_cache
def password_confirm(request):
    if request.method == "GET":
        draft = PASSWORD_FLOW.load(request)
        if draft is None:
            return redirect("desk:password")
        return render(request, "desk/password_confirm.html", {"step": 2, "draft": draft})
    return PASSWORD_FLOW.submit(
        request,
        lambda draft: services.change_network_password(
            user=request.user, hashes=draft, submission_key=draft["key"], ip=client_ip(request)
        ),
        # The input page says why; the password is typed again.
        refused=[
            Refused((services.CooldownActive, eligibility.NotEligible), keep=False, message=None)
        ],
        # The password changed: this session stays logged in, others end (D3.4).
        then=lambda application: update_session_auth_hash(request, request.user),
    )


@desk_login_required
def password_complete(request, pk: int):
    application = get_application_for_contract(
        request.contract, pk, kinds=[services.NETWORK_PASSWORD]
    )
    return render(request, "desk/password_complete.html", {"application": application, "step": 3})


@desk_login_required
def phone(request, topic: str):
    page = get_object_or_404(PhonePage, topic=topic)
    return render(request, "desk/phone.html", {"page": page})
