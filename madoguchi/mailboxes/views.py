"""メールアカウントおよびウイルスチェック pages (D4): list → input → (terms) → confirm → 完了."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.applications.services import DuplicateSubmission
from madoguchi.audit.services import client_ip
from madoguchi.contracts.access import desk_login_required
from madoguchi.lib.drafts import STALE_MESSAGE, is_stale_post, load_draft, pop_draft, save_draft
from madoguchi.lib.passwords import SYMBOLS
from madoguchi.mailboxes import services
from madoguchi.mailboxes.forms import AddForm, ChangeForms, ConfirmMailForm
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.rules import (
    ACCOUNT_MAX,
    ACCOUNT_MESSAGES,
    ACCOUNT_MIN,
    PASSWORD_MAX,
    PASSWORD_MIN,
)

FLOW = "mailbox"
NOTHING_TO_CANCEL = "キャンセルできるお申込みはありません。"


def _slot_or_404(contract, number: int) -> services.Slot:
    slot = services.get_slot(contract, number)
    if slot is None:
        raise Http404("指定されたメールアカウントは存在しません。")
    return slot


def _require_open(contract) -> None:
    try:
        services.check_can_apply(contract)
    except services.MailboxError as error:
        raise PermissionDenied(error.message) from None


def _steps(terms: bool) -> list[str]:
    """The seed's step indicator: STEP1 → STEP2 → STEP3 (→ STEP4 with the terms) → 完了."""
    return (
        ["STEP1", "STEP2", "STEP3", "STEP4", "完了"]
        if terms
        else ["STEP1", "STEP2", "STEP3", "完了"]
    )


def _bound(request):
    """The POST to bind a form to (an empty POST too: it gets its messages), else None."""
    return request.POST if request.method == "POST" else None


@desk_login_required
def mailbox_list(request):
    contract = request.contract
    locked_message = None
    try:
        services.check_can_apply(contract)
    except services.MailboxError as error:
        locked_message = error.message
    return render(
        request,
        "mailboxes/list.html",
        {
            "slots": services.slots_for(contract),
            "locked_message": locked_message,
            "mail_password_url": settings.MAIL_PASSWORD_CHANGE_URL,
            "privacy_url": settings.PRIVACY_POLICY_URL,
            "steps": _steps(False),
            "current_step": "STEP1",
        },
    )


def _draft_initial(request, slot: int, action: str) -> dict:
    draft = load_draft(request, FLOW)
    if not draft or draft["slot"] != slot or draft["action"] != action:
        return {}
    return draft


@sensitive_post_parameters()
@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def change_input(request, slot: int):
    contract = request.contract
    _require_open(contract)
    row = _slot_or_404(contract, slot)
    if not row.can_change:
        return redirect("mailboxes:list")
    draft = _draft_initial(request, slot, MailboxOrder.Action.CHANGE)
    initial = {}
    if draft:
        values = {"account": draft["account"]}
        if draft["virus_check"] is not None:
            values["virus_check"] = "1" if draft["virus_check"] else "0"
        initial = {"pattern": draft["pattern"], draft["pattern"]: values}
    forms = ChangeForms(
        _bound(request),
        current_account=row.mailbox.account,
        current_virus_check=row.mailbox.virus_check,
        initial=initial,
    )
    if request.method == "POST" and forms.is_valid():
        data = forms.chosen.cleaned_data
        account = data.get("account", "")
        virus_check = data.get("virus_check")
        if virus_check == row.mailbox.virus_check and forms.chosen_key != "virus":
            virus_check = None  # pattern (b) keeping the option as it is: 「変更なし」
        _save(
            request,
            row,
            action=MailboxOrder.Action.CHANGE,
            pattern=forms.chosen_key,
            account=account,
            virus_check=virus_check,
            password=data.get("password"),
        )
        return redirect(_next_step(request))
    return render(
        request,
        "mailboxes/change.html",
        {"slot": row, "forms": forms, "steps": _steps(False), "current_step": "STEP2"},
    )


@sensitive_post_parameters()
@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def add_input(request, slot: int):
    contract = request.contract
    _require_open(contract)
    row = _slot_or_404(contract, slot)
    if not row.can_add:
        return redirect("mailboxes:list")
    draft = _draft_initial(request, slot, MailboxOrder.Action.ADD)
    initial = {}
    if draft:
        initial = {"account": draft["account"], "virus_check": "1" if draft["virus_check"] else "0"}
    form = AddForm(_bound(request), initial=initial or {"virus_check": "0"})
    if request.method == "POST" and form.is_valid():
        _save(
            request,
            row,
            action=MailboxOrder.Action.ADD,
            pattern="add",
            account=form.cleaned_data["account"],
            virus_check=form.cleaned_data["virus_check"],
            password=form.cleaned_data["password"],
        )
        return redirect(_next_step(request))
    return render(
        request,
        "mailboxes/add.html",
        {"slot": row, "form": form, "steps": _steps(False), "current_step": "STEP2"},
    )


@desk_login_required
@require_http_methods(["GET"])
@never_cache
def delete_input(request, slot: int):
    """「削除」 on the list: nothing to enter, straight to the confirm step (D4.6)."""
    contract = request.contract
    _require_open(contract)
    row = _slot_or_404(contract, slot)
    if not row.can_change:
        return redirect("mailboxes:list")
    _save(request, row, action=MailboxOrder.Action.DELETE, pattern="delete")
    return redirect("mailboxes:confirm")


def _save(request, row, *, action, pattern, account="", virus_check=None, password=None):
    """Store the validated input as the flow's draft; the password only as its hash."""
    current = row.mailbox.virus_check if row.mailbox else False
    save_draft(
        request,
        FLOW,
        {
            "slot": row.number,
            "action": action,
            "pattern": pattern,
            "account": account,
            "virus_check": virus_check,
            "password_hash": services.hash_mail_password(password) if password else "",
            # D4.3: the terms step only when the virus check is being turned on.
            "terms": bool(virus_check) and not current,
            "terms_agreed": False,
            "key": uuid.uuid4().hex,
        },
    )


def _next_step(request) -> str:
    draft = load_draft(request, FLOW)
    return "mailboxes:terms" if draft["terms"] else "mailboxes:confirm"


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def terms(request):
    _require_open(request.contract)
    draft = load_draft(request, FLOW)
    if draft is None or not draft["terms"]:
        return redirect("mailboxes:list")
    if request.method == "POST":
        if "agree" not in request.POST:
            pop_draft(request, FLOW)
            return redirect("mailboxes:list")
        draft["terms_agreed"] = True
        save_draft(request, FLOW, draft)
        return redirect("mailboxes:confirm")
    return render(
        request,
        "mailboxes/terms.html",
        {"draft": draft, "steps": _steps(True), "current_step": "STEP3"},
    )


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def confirm(request):
    contract = request.contract
    _require_open(contract)
    draft = load_draft(request, FLOW)
    if draft is None:
        return redirect("mailboxes:list")
    if draft["terms"] and not draft["terms_agreed"]:
        return redirect("mailboxes:terms")
    row = _slot_or_404(contract, draft["slot"])
    addresses = [m.address for m in Mailbox.objects.filter(contract=contract).order_by("slot")]
    form = ConfirmMailForm(_bound(request), addresses=addresses)
    errors = {"account": _recheck(draft), "other": None}
    if request.method == "POST" and is_stale_post(request, draft):
        messages.error(request, STALE_MESSAGE)
        return redirect("mailboxes:confirm")
    if request.method == "POST" and errors["account"] is None and form.is_valid():
        draft = pop_draft(request, FLOW)
        if draft is None:
            return redirect("mailboxes:list")
        try:
            application = services.submit_mailbox_application(
                user=request.user,
                slot=draft["slot"],
                action=draft["action"],
                account=draft["account"],
                virus_check=draft["virus_check"],
                password_hash=draft["password_hash"],
                mail_to=form.cleaned_data["mail_to"],
                submission_key=draft["key"],
                ip=client_ip(request),
            )
        except DuplicateSubmission as duplicate:
            # The other click of a double click got there first (X2).
            return redirect("mailboxes:complete", pk=duplicate.application.pk)
        except services.MailboxError as failure:
            save_draft(request, FLOW, draft)
            errors["account" if failure.field == "account" else "other"] = failure.message
        else:
            return redirect("mailboxes:complete", pk=application.pk)
    before, after = services.describe(
        row, action=draft["action"], account=draft["account"], virus_check=draft["virus_check"]
    )
    slots = services.slots_for(contract)
    return render(
        request,
        "mailboxes/confirm.html",
        {
            "draft": draft,
            "slot": row,
            "rows": [(label, before[label], after[label]) for label in before if label != "No."],
            "charge_before": services.current_charge(contract),
            "charge_after": services.charge_after(
                slots, slot=draft["slot"], action=draft["action"], virus_check=draft["virus_check"]
            ),
            "form": form,
            "account_error": errors["account"],
            "error": errors["other"],
            "steps": _steps(draft["terms"]),
            "current_step": "STEP4" if draft["terms"] else "STEP3",
        },
    )


def _recheck(draft) -> str | None:
    """A name may have been taken since the input step (style.md: re-validate on confirm)."""
    if draft["account"] and AccountName.objects.filter(name=draft["account"]).exists():
        return ACCOUNT_MESSAGES["taken"]
    return None


@desk_login_required
def complete(request, pk: int):
    application = get_application_for_contract(request.contract, pk)
    order = MailboxOrder.objects.filter(application=application).first()
    if order is None:
        raise Http404("お申込みが見つかりません。")
    # The flow had the terms step when it turned the virus check on.
    terms = order.virus_check is True and application.before.get(
        "ウィルスチェックサービス"
    ) != services.virus_label(True)
    return render(
        request,
        "mailboxes/complete.html",
        {"application": application, "steps": _steps(terms), "current_step": "完了"},
    )


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def cancel(request, slot: int):
    """「キャンセル」 of the slot's pending application: a page, then its POST (D4.7)."""
    # No _require_open: a paper application or a cancellation in progress refuses new
    # applications (D4.11), never the withdrawal of a pending one (D4.7).
    contract = request.contract
    row = _slot_or_404(contract, slot)
    if request.method == "POST":
        try:
            application = services.cancel_mailbox_application(
                user=request.user, slot=slot, ip=client_ip(request)
            )
        except services.MailboxError as failure:
            messages.error(request, failure.message)
        else:
            messages.success(
                request, f"お申込み（お申込み番号 {application.number}）をキャンセルしました。"
            )
        return redirect("mailboxes:list")
    if row.order is None:
        messages.error(request, NOTHING_TO_CANCEL)
        return redirect("mailboxes:list")
    return render(request, "mailboxes/cancel.html", {"slot": row})


@desk_login_required
def characters(request):
    return render(
        request,
        "mailboxes/characters.html",
        {
            "symbols": SYMBOLS,
            "account_min": ACCOUNT_MIN,
            "account_max": ACCOUNT_MAX,
            "password_min": PASSWORD_MIN,
            "password_max": PASSWORD_MAX,
        },
    )
