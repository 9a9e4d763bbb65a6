"""メールアカウントおよびウイルスチェック pages (D4): list → input → (terms) → confirm → 完了."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from madoguchi.applications import registry
from madoguchi.applications.selectors import get_application_for_contract
from madoguchi.audit.services import client_ip
from madoguchi.contracts.access import desk_login_required
from madoguchi.lib.drafts import Flow, Refused
from madoguchi.lib.errors import refuse
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

NOTHING_TO_CANCEL = "キャンセルできるお申込みはありません。"
SLOT_TAKEN = (
    "No.{slot} にはすでにメールアカウントがあります。"
    "変更・削除は一覧の「変更」「削除」からお申込みください。"
)
SLOT_EMPTY = "No.{slot} にはメールアカウントがありません。一覧の「追加」からお申込みください。"
SLOT_PENDING = "No.{slot} はお申込み処理中のため、新たにお申込みいただけません。"
TERMS_DECLINED = (
    "ウィルスチェックサービスの規約に同意いただけなかったため、お申込みを中止しました。"
)


def _input_url(draft: dict) -> str:
    """The input step of a draft (add, change or, for a delete, the list)."""
    if draft["action"] == MailboxOrder.Action.DELETE:
        return reverse("mailboxes:list")
    return reverse(f"mailboxes:{draft['action']}", args=[draft["slot"]])


# A new account's password cannot be shown on the confirm page: such a draft from another
# tab starts over at its input step; any other is shown again with a message.
FLOW = Flow(
    "mailbox",
    restart="mailboxes:list",
    complete="mailboxes:complete",
    secret=lambda draft: bool(draft.get("password_hash")),
    input_url=_input_url,
)


def _slot_or_404(contract, number: int) -> services.Slot:
    slot = services.get_slot(contract, number)
    if slot is None:
        raise Http404("指定されたメールアカウントは存在しません。")
    return slot


def _refusal(request):
    """The eligibility rule's refusal as a page (a paper application, a cancellation…)."""
    found = services.refusal(request.contract)
    return refuse(request, found.message) if found else None


def _unavailable(request, row, template: str):
    """Back to the list, saying why the slot cannot take this application."""
    if row.order is not None:
        template = SLOT_PENDING
    messages.error(request, template.format(slot=row.label))
    return redirect("mailboxes:list")


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
    refusal = services.refusal(contract)
    return render(
        request,
        "mailboxes/list.html",
        {
            "slots": services.slots_for(contract),
            "locked_message": refusal.message if refusal else None,
            "mail_password_url": settings.MAIL_PASSWORD_CHANGE_URL,
            "privacy_url": settings.PRIVACY_POLICY_URL,
            "steps": _steps(False),
            "current_step": "STEP1",
        },
    )


def _draft_initial(request, slot: int, action: str) -> dict:
    """The draft's values when 「戻る」 returns to its input step (X1)."""
    draft = FLOW.load(request)
    if not draft or draft["slot"] != slot or draft["action"] != action:
        return {}
    return draft


@sensitive_post_parameters()
@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def change_input(request, slot: int):
    contract = request.contract
    if refused := _refusal(request):
        return refused
    row = _slot_or_404(contract, slot)
    if not row.can_change:
        return _unavailable(request, row, SLOT_EMPTY)
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
        contract=contract,
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
    if refused := _refusal(request):
        return refused
    row = _slot_or_404(contract, slot)
    if not row.can_add:
        return _unavailable(request, row, SLOT_TAKEN)
    draft = _draft_initial(request, slot, MailboxOrder.Action.ADD)
    initial = {}
    if draft:
        initial = {"account": draft["account"], "virus_check": "1" if draft["virus_check"] else "0"}
    form = AddForm(_bound(request), contract=contract, initial=initial or {"virus_check": "0"})
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
    if refused := _refusal(request):
        return refused
    row = _slot_or_404(contract, slot)
    if not row.can_change:
        return _unavailable(request, row, SLOT_EMPTY)
    _save(request, row, action=MailboxOrder.Action.DELETE, pattern="delete")
    return redirect("mailboxes:confirm")


def _save(request, row, *, action, pattern, account="", virus_check=None, password=None):
    """Store the validated input as the flow's draft; the password only as its hash."""
    current = row.mailbox.virus_check if row.mailbox else False
    FLOW.start(
        request,
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
        },
    )


def _next_step(request) -> str:
    draft = FLOW.load(request)
    return "mailboxes:terms" if draft["terms"] else "mailboxes:confirm"


@desk_login_required
@require_http_methods(["GET", "POST"])
@never_cache
def terms(request):
    if refused := _refusal(request):
        return refused
    draft = FLOW.load(request)
    if draft is None or not draft["terms"]:
        return redirect("mailboxes:list")
    if request.method == "POST":
        if "agree" not in request.POST:
            FLOW.discard(request)
            messages.info(request, TERMS_DECLINED)
            return redirect("mailboxes:list")
        draft["terms_agreed"] = True
        FLOW.update(request, draft)
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
    if refused := _refusal(request):
        return refused
    draft = FLOW.load(request)
    if draft is None:
        # A POST still goes through the helper: a late second click of 「登録」 lands on
        # the completion page of what the first click submitted.
        return FLOW.take(request) if request.method == "POST" else redirect("mailboxes:list")
    if draft["terms"] and not draft["terms_agreed"]:
        return redirect("mailboxes:terms")
    addresses = [m.address for m in Mailbox.objects.filter(contract=contract).order_by("slot")]
    form = ConfirmMailForm(_bound(request), addresses=addresses)
    errors = {"account": _recheck(draft), "other": None}
    if request.method == "POST" and errors["account"] is None and form.is_valid():
        return FLOW.submit(
            request,
            lambda taken: services.submit_mailbox_application(
                user=request.user,
                slot=taken["slot"],
                action=taken["action"],
                account=taken["account"],
                virus_check=taken["virus_check"],
                password_hash=taken["password_hash"],
                mail_to=form.cleaned_data["mail_to"],
                submission_key=taken["key"],
                ip=client_ip(request),
            ),
            # The confirm page again, the refusal beside the account or above the form.
            refused=[
                Refused(
                    services.MailboxError,
                    respond=lambda taken, failure: _confirm_page(
                        request, taken, form, _failed(failure)
                    ),
                )
            ],
        )
    return _confirm_page(request, draft, form, errors)


def _confirm_page(request, draft, form, errors):
    contract = request.contract
    slots = services.slots_for(contract)
    row = slots[draft["slot"] - 1]
    before, after = services.describe(
        row, action=draft["action"], account=draft["account"], virus_check=draft["virus_check"]
    )
    kind = registry.get(services.KIND_BY_ACTION[draft["action"]])
    context = {
        "draft": draft,
        "slot": row,
        "rows": kind.rows(before, after),
        "charge_before": services.current_charge(contract),
        "charge_after": services.charge_after(
            slots, slot=draft["slot"], action=draft["action"], virus_check=draft["virus_check"]
        ),
        "form": form,
        "input_url": _input_url(draft),
        "account_error": errors["account"],
        "error": errors["other"],
        "steps": _steps(draft["terms"]),
        "current_step": "STEP4" if draft["terms"] else "STEP3",
    }
    return render(request, "mailboxes/confirm.html", context)


def _failed(failure: services.MailboxError) -> dict:
    field = "account" if failure.field == "account" else "other"
    return {"account": None, "other": None, field: failure.message}


def _recheck(draft) -> str | None:
    """A name may have been taken since the input step (style.md: re-validate on confirm)."""
    if draft["account"] and AccountName.objects.filter(name=draft["account"]).exists():
        return ACCOUNT_MESSAGES["taken"]
    return None


@desk_login_required
def complete(request, pk: int):
    application = get_application_for_contract(request.contract, pk, kinds=services.MAILBOX_KINDS)
    # The flow had the terms step when it turned the virus check on (D4.3).
    terms = application.after.get("virus_check") is True and not application.before.get(
        "virus_check"
    )
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
    # No eligibility check: a paper application or a cancellation in progress refuses new
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
