"""Desk login and logout (D1.1–D1.4), throttled with device cookies (D1.2).

The throttled login itself (``throttled_login``) serves the support site's login page too (S2).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
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


@dataclass(frozen=True)
class LoginAttempt:
    """What a login form's POST gave: a logged-in user, or the message (and status) to show."""

    user: User | None = None
    error: str = ""
    status: int = 200


def throttled_login(
    request,
    scope: throttling.Scope,
    *,
    username: str,
    password: str,
    admits,
    credentials=None,
    invalid: str,
    action: str,
) -> LoginAttempt:
    """One throttled login (D1.2), shared by the desk's and the support site's login pages.

    ``scope`` counts and locks ``username``; ``credentials`` are the keyword sets for Django's
    ``authenticate`` (``throttling.authenticate``). A lock answers with its message and 429;
    wrong credentials with ``invalid``; the right password of an ended contract's desk
    credential with ``ENDED_CONTRACT`` (D1.3). Otherwise the session now holds the user
    (a different login before is replaced) and the login is audited as ``action``.
    """
    outcome = throttling.authenticate(
        scope,
        request,
        username=username,
        password=password,
        admits=admits,
        credentials=credentials,
    )
    user = outcome.user
    if outcome.refusal is not None:
        return LoginAttempt(error=outcome.refusal.message, status=429)
    if user is None:
        return LoginAttempt(error=invalid)
    if user.kind == User.Kind.DESK and user.contract.is_ended:
        return LoginAttempt(error=ENDED_CONTRACT)
    login(request, user)
    record_audit(
        actor=user,
        action=action,
        contract=user.contract,
        after={"ログイン方法": user.get_kind_display()},
        ip=client_ip(request),
    )
    return LoginAttempt(user=user)


def desk_credential_attempt(request, username: str, password: str, **kwargs) -> LoginAttempt:
    """A desk credential's login (D1.1, D1.2), on whichever page: the desk's scope counts it,
    so an ID's lock holds on the desk's and the support site's login pages alike."""
    kwargs.setdefault("invalid", INVALID_LOGIN)
    kwargs.setdefault("action", "desk.login")
    return throttled_login(
        request,
        DESK_LOGINS,
        username=username,
        password=password,
        admits=is_desk_login,
        **kwargs,
    )


def logged_in(request, scope: throttling.Scope, username: str, to: str) -> HttpResponse:
    """After a login: open ``to`` (``next`` or the site's home), and give the browser its
    device entry for the login."""
    response = redirect(to)
    throttling.remember_device(scope, request, response, username)
    return response


def desk_credential_login(request, *, template: str, home: str, extra_context=None):
    """The desk's login page (D1.1, D1.2): log a desk credential in, then open ``next`` or
    ``home``. The support site's page (S2) logs desk credentials in with the same
    ``desk_credential_attempt``: one session for both sites."""
    if request.user.is_authenticated and is_desk_login(request.user):
        return redirect(next_path(request) or home)
    form = DeskLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        attempt = desk_credential_attempt(request, form.username, form.cleaned_data["password"])
        if attempt.user is not None:
            return logged_in(request, DESK_LOGINS, form.username, next_path(request) or home)
        form.add_error(None, attempt.error)
        status = attempt.status
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
