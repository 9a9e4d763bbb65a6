"""お客さまサポートID (S2): registration with double opt-in, マイメニュー, account, password
change and reset, ID reminder, 退会. The rules live in ``services``; these are the pages."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import make_password
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from madoguchi.audit.services import client_ip
from madoguchi.contracts.models import User
from madoguchi.lib.drafts import TOKEN_FIELD, Flow
from madoguchi.supportid import services, tokens
from madoguchi.supportid.access import support_id_required, support_login_required
from madoguchi.supportid.forms import (
    AddressForm,
    PasswordChangeForm,
    PasswordResetForm,
    RegistrationForm,
    WithdrawForm,
)
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.passwords import RULES
from madoguchi.supportid.tokens import TokenInvalid

# The confirm step cannot show the password: a draft from another tab starts over.
REGISTER_FLOW = Flow(
    "supportid_register",
    restart="supportid:register",
    complete="supportid:register_done",
    secret=lambda draft: True,
)
# 退会's confirm step: its draft is only its key, given once the password was checked; a key
# from another tab starts over at the password.
WITHDRAW_FLOW = Flow(
    "supportid_withdraw",
    restart="supportid:withdraw",
    complete="supportid:withdraw",
    secret=lambda draft: True,
)
# The key of the registration this browser submitted last (a second click of 「登録する」
# lands on the completion page, sending nothing).
REGISTERED_KEY = "supportid_registered"

PASSWORD_CHANGED = "パスワードを変更しました。ほかの端末やブラウザでのログインは終了しました。"
WITHDRAWN = "お客さまサポートIDを退会しました。ご利用いただき、まことにありがとうございました。"


def _posted(request):
    """The POST's data, or None for a GET (an empty POST is a POST: its fields are missing)."""
    return request.POST if request.method == "POST" else None


def _link_base(request) -> str:
    return request.build_absolute_uri("/")


def _limited(request, template: str, context: dict, limited: services.Limited):
    return render(request, template, {**context, "limited": limited}, status=429)


# --- 新規登録 ---------------------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
@never_cache
def register(request):
    """入力 (GET, POST of the input) → 確認 (the page the input's POST answers) → 完了.

    The confirm page's 「登録する」 POSTs the draft's key here too; only that POST registers.
    """
    if request.method == "POST" and TOKEN_FIELD in request.POST:
        return _register_submit(request)
    draft = REGISTER_FLOW.load(request)
    initial = RegistrationForm.initial_from(draft) if draft else {}
    form = RegistrationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        # The password is hashed here, whoever the address belongs to; the draft keeps the
        # hash, never the password.
        draft = REGISTER_FLOW.start(
            request,
            {**form.values(), "password_hash": make_password(form.cleaned_data["password"])},
        )
        return render(request, "supportid/register_confirm.html", _confirm_context(draft))
    return render(
        request,
        "supportid/register_input.html",
        {"form": form, "rules": RULES, "step": 1, "hours": settings.SUPPORT_ID_CONFIRM_HOURS},
    )


def _confirm_context(draft: dict) -> dict:
    born = date.fromisoformat(draft["birth_date"])
    return {"draft": draft, "birth_date": f"{born.year}年{born.month}月{born.day}日", "step": 2}


def _register_submit(request):
    posted = request.POST.get(TOKEN_FIELD)
    done = request.session.get(REGISTERED_KEY)
    if REGISTER_FLOW.load(request) is None and done and posted == done:
        return redirect("supportid:register_done")  # the other click of a double click
    ip = client_ip(request)
    with services.steady():
        draft = REGISTER_FLOW.take(request)
        if not isinstance(draft, dict):
            return draft
        limited = services.limit(services.REGISTER_LIMIT, ip=ip, email=draft["email"])
        if limited is not None:
            REGISTER_FLOW.restore(request, draft)
            return _limited(
                request, "supportid/register_confirm.html", _confirm_context(draft), limited
            )
        services.register(
            email=draft["email"],
            name=draft["name"],
            birth_date=date.fromisoformat(draft["birth_date"]),
            password_hash=draft["password_hash"],
            ip=ip,
            link_base=_link_base(request),
        )
    request.session[REGISTERED_KEY] = draft["key"]
    return redirect("supportid:register_done")


@login_not_required
@require_GET
@never_cache
def register_done(request):
    """The same page whether the address was new, pending or registered already (S2)."""
    return render(
        request,
        "supportid/register_done.html",
        {"step": 3, "hours": settings.SUPPORT_ID_CONFIRM_HOURS},
    )


# --- 本登録 (the mailed link) -----------------------------------------------------------------


def _bad_token(request, error: TokenInvalid, *, purpose: str):
    return render(
        request,
        "supportid/token_invalid.html",
        {
            "reason": error.reason,
            "purpose": purpose,
            "hours": settings.SUPPORT_ID_CONFIRM_HOURS,
            "minutes": settings.SUPPORT_ID_RESET_MINUTES,
        },
        status=400,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def confirm(request, token: str):
    """The confirmation link opens a page with a button; only its POST confirms (S2)."""
    try:
        if request.method == "GET":
            row = tokens.peek(token, MailToken.Purpose.CONFIRM)
            return render(
                request,
                "supportid/confirm.html",
                {"email": row.account.email, "hours": settings.SUPPORT_ID_CONFIRM_HOURS},
            )
        account = services.confirm_registration(token, ip=client_ip(request))
    except TokenInvalid as error:
        return _bad_token(request, error, purpose="confirm")
    return render(request, "supportid/confirmed.html", {"email": account.email})


# --- パスワードを忘れました ---------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def password_forgot(request):
    """The same page, in the same time, whether the address has an ID or not (S2)."""
    return _mail_if_registered(
        request,
        limit=services.RESET_LIMIT,
        send=services.request_reset,
        templates=("supportid/password_forgot.html", "supportid/password_forgot_sent.html"),
        context={"minutes": settings.SUPPORT_ID_RESET_MINUTES},
    )


def _mail_if_registered(request, *, limit: str, send, templates: tuple[str, str], context=None):
    """A page that takes an address and mails it if it has an ID (S2): the same answer, in the
    same time (``services.steady``), either way; counted against the hourly limits."""
    page, sent = templates
    form = AddressForm(_posted(request))
    context = {"form": form, **(context or {})}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        with services.steady():
            limited = services.limit(limit, ip=client_ip(request), email=email)
            if limited is None:
                send(email, link_base=_link_base(request))
        if limited is not None:
            return _limited(request, page, context, limited)
        return render(request, sent, context)
    return render(request, page, context)


@login_not_required
@sensitive_post_parameters("password", "password_confirm")
@require_http_methods(["GET", "POST"])
@never_cache
def password_reset(request, token: str):
    """The reset link opens the new-password form (the token is only looked at); its POST
    spends the token and sets the password (S2)."""
    try:
        account = services.reset_account(token)
    except TokenInvalid as error:
        return _bad_token(request, error, purpose="reset")
    form = PasswordResetForm(_posted(request), email=account.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(token, form.cleaned_data["password"], ip=client_ip(request))
        except TokenInvalid as error:
            return _bad_token(request, error, purpose="reset")
        if request.user.is_authenticated and request.user.pk == account.user_id:
            logout(request)
        return render(request, "supportid/password_reset_done.html")
    return render(request, "supportid/password_reset.html", {"form": form, "rules": RULES})


# --- IDを忘れました -------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def id_reminder(request):
    """The same page, in the same time, whether the address has an ID or not (S2)."""
    return _mail_if_registered(
        request,
        limit=services.REMINDER_LIMIT,
        send=services.remind_id,
        templates=("supportid/id_reminder.html", "supportid/id_reminder_sent.html"),
    )


# --- マイメニュー -----------------------------------------------------------------------------


@support_login_required
@never_cache
@require_safe
def mymenu(request):
    """A support ID's menu; a desk or mailbox login is told what it can do here (S2)."""
    user = request.user
    context = {"kind": user.kind}
    if user.kind == User.Kind.SUPPORT:
        context["account"] = SupportAccount.objects.filter(user=user).first()
        if context["account"] is None:
            raise Http404
    elif user.kind == User.Kind.MAILBOX:
        context["login_name"] = user.username.removeprefix("mailbox:")
    else:
        context["login_name"] = user.username
    return render(request, "supportid/mymenu.html", context)


@support_id_required
@never_cache
@require_safe
def account(request):
    return render(request, "supportid/account.html", {"account": request.support_account})


@sensitive_post_parameters("current_password", "password", "password_confirm")
@support_id_required
@require_http_methods(["GET", "POST"])
@never_cache
def password_change(request):
    account = request.support_account
    form = PasswordChangeForm(_posted(request), user=request.user, email=account.email)
    if request.method == "POST" and form.is_valid():
        services.change_password(account, form.cleaned_data["password"], ip=client_ip(request))
        # This session stays logged in; every other one ends (its hash no longer matches).
        update_session_auth_hash(request, account.user)
        messages.success(request, PASSWORD_CHANGED)
        return redirect("supportid:account")
    return render(request, "supportid/password_change.html", {"form": form, "rules": RULES})


# --- 退会 -----------------------------------------------------------------------------------


@login_not_required
@sensitive_post_parameters("current_password")
@require_http_methods(["GET", "POST"])
@never_cache
def withdraw(request):
    """Explanation and the current password → 確認 (the page the POST answers) → 退会.

    The final POST of a browser whose ID is gone already (the other click of a double click,
    logged out by the first) goes to the top page; nothing happens twice.
    """
    if (
        request.method == "POST"
        and TOKEN_FIELD in request.POST
        and not request.user.is_authenticated
    ):
        return redirect("support:top")
    return _withdraw(request)


@support_id_required
def _withdraw(request):
    account = request.support_account
    if request.method == "POST" and TOKEN_FIELD in request.POST:
        draft = WITHDRAW_FLOW.take(request)
        if not isinstance(draft, dict):
            return draft
        services.withdraw(request.user, ip=client_ip(request))
        logout(request)
        messages.success(request, WITHDRAWN)
        return redirect("support:top")
    form = WithdrawForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        draft = WITHDRAW_FLOW.start(request, {})
        return render(
            request, "supportid/withdraw_confirm.html", {"account": account, "draft": draft}
        )
    return render(
        request,
        "supportid/withdraw.html",
        {"account": account, "form": form, "destinations": account.destinations.count()},
    )
