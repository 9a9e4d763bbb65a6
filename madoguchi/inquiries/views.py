"""お問い合わせ (S5): 入力 → 確認 → 完了, open to everyone (「※一部を除く」)."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.audit.services import client_ip
from madoguchi.inquiries import services
from madoguchi.inquiries.categories import CATEGORIES, label
from madoguchi.inquiries.forms import InquiryForm
from madoguchi.inquiries.models import Inquiry
from madoguchi.lib.drafts import SUBMITTED_KEY, Flow, Refused

logger = logging.getLogger(__name__)

# The confirm page shows every value the draft submits.
FLOW = Flow("inquiry", restart="inquiries:input", complete="inquiries:complete")
REFUSED = "お問い合わせを受け付けられませんでした。入力内容をご確認ください。"


def _context(request, form, **extra) -> dict:
    contract = services.desk_contract(request.user)
    return {
        "form": form,
        "desk_customer": contract is not None,
        "login_categories": [c.label for c in CATEGORIES if c.requires_login],
        "login_url": f"{reverse('support:login')}?next={reverse('inquiries:input')}",
        "step": 1,
        **extra,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def inquiry_input(request):
    contract = services.desk_contract(request.user)
    ip = client_ip(request)
    draft = FLOW.load(request)  # 「戻る」 from the confirm step keeps the values (X1)
    initial = {}
    if draft:
        initial = {**draft, "email_confirm": draft["email"]}
    elif contract is not None:
        initial = {
            "name": contract.contact_person_name or contract.name,
            "email": contract.contact_email,
            "email_confirm": contract.contact_email,
        }
    form = InquiryForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        contract=contract,
        initial=initial,
    )
    if request.method == "GET":
        limited = services.limit_refusal(email=None, ip=ip)
        return render(request, "inquiries/input.html", _context(request, form, limited=limited))
    if form.is_bot():
        # A filled honeypot: a plain refusal, nothing kept, nothing mailed.
        logger.info("inquiry honeypot filled from %s", ip)
        return render(
            request, "inquiries/input.html", _context(request, form, refused=REFUSED), status=400
        )
    if not form.is_valid():
        return render(request, "inquiries/input.html", _context(request, form))
    limited = services.limit_refusal(email=form.cleaned_data["email"], ip=ip)
    if limited is not None:
        return _limited(request, form, limited)
    FLOW.start(request, form.values())
    return redirect("inquiries:confirm")


def _limited(request, form, limited: services.TooManyInquiries):
    if limited.field:
        form.add_error(limited.field, limited.message)
        extra = {}
    else:
        extra = {"limited": limited}
    return render(request, "inquiries/input.html", _context(request, form, **extra), status=429)


def _confirm_context(request, draft: dict, **extra) -> dict:
    return {
        "draft": draft,
        "category": label(draft["category"]),
        "step": 2,
        **extra,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def inquiry_confirm(request):
    if request.method == "GET":
        draft = FLOW.load(request)
        if draft is None:
            return redirect("inquiries:input")
        return render(request, "inquiries/confirm.html", _confirm_context(request, draft))
    return FLOW.submit(
        request,
        lambda draft: services.submit_inquiry(
            values=draft, user=request.user, submission_key=draft["key"], ip=client_ip(request)
        ),
        refused=[
            # Over a limit: the confirm page again, saying when to try again.
            Refused(
                services.TooManyInquiries,
                respond=lambda draft, limited: render(
                    request,
                    "inquiries/confirm.html",
                    _confirm_context(request, draft, limited=limited),
                    status=429,
                ),
            ),
            Refused(services.InquiryRefused),
        ],
    )


@login_not_required
@never_cache
def inquiry_complete(request, pk: int):
    """The completion page of the inquiry this browser sent (404 for any other)."""
    submitted = request.session.get(SUBMITTED_KEY, {}).get(FLOW.name)
    if not submitted or submitted["pk"] != pk:
        raise Http404
    inquiry = get_object_or_404(Inquiry.objects.select_related("product"), pk=pk)
    return render(
        request,
        "inquiries/complete.html",
        {"inquiry": inquiry, "step": 3},
    )
