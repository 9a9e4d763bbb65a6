"""Desk login and logout (D1.1–D1.4), throttled with device cookies (D1.2)."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from madoguchi.audit.services import client_ip, record_audit
from madoguchi.contracts.forms import DeskLoginForm
from madoguchi.contracts.models import User
from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.throttling import services as throttling

INVALID_LOGIN = "認証IDまたはパスワードが正しくありません。"
ENDED_CONTRACT = (
    "ご契約の廃止手続きが完了しているため、カスタマサポートデスクにはログインできません。"
)
# The message of an ID's lock (the lock of a browser that logged in before reads the same).
LOCKED_OUT = throttling.message_for(DESK_LOGINS, "id")
LOGGED_OUT = "ログアウトしました。"


def is_desk_login(user: User) -> bool:
    return user.kind == User.Kind.DESK


def next_path(request) -> str | None:
    """The page a deep link asked for (``?next=``), if it is a path on this site (D1.1)."""
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def desk_credential_login(request, *, template: str, home: str, extra_context=None):
    """Log a desk credential in (D1.1, D1.2), then open ``next`` or ``home``.

    The desk's login page and the support site's (S2: a desk login carries over to the
    support site, one session for both) are this one view with their own page.
    """
    if request.user.is_authenticated and is_desk_login(request.user):
        return redirect(next_path(request) or home)
    form = DeskLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = throttling.authenticate(
            DESK_LOGINS,
            request,
            username=form.username,
            password=form.cleaned_data["password"],
            admits=is_desk_login,
        )
        user = outcome.user
        if outcome.refusal is not None:
            form.add_error(None, outcome.refusal.message)
            status = 429
        elif user is None:
            form.add_error(None, INVALID_LOGIN)
        elif user.contract.is_ended:
            form.add_error(None, ENDED_CONTRACT)
        else:
            login(request, user)
            record_audit(
                actor=user, action="desk.login", contract=user.contract, ip=client_ip(request)
            )
            response = redirect(next_path(request) or home)
            throttling.remember_device(DESK_LOGINS, request, response, user.username)
            return response
    context = {"form": form, **(extra_context or {})}
    return render(request, template, context, status=status)


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    return desk_credential_login(request, template="desk/login.html", home="desk:status")


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, LOGGED_OUT)
    return redirect("desk:login")
