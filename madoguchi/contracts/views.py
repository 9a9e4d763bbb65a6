"""Desk login and logout (D1.1–D1.4)."""

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from madoguchi.audit.services import client_ip, record_audit
from madoguchi.contracts.forms import DeskLoginForm
from madoguchi.contracts.models import User
from madoguchi.contracts.services import note_refused_login

INVALID_LOGIN = "認証IDまたはパスワードが正しくありません。"
ENDED_CONTRACT = (
    "ご契約の廃止手続きが完了しているため、カスタマサポートデスクにはログインできません。"
)
# Generic on purpose: the lock may be the address's (every ID tried from it), not the ID's.
LOCKED_OUT = (
    "ログインに続けて失敗したため、15分間ログインを停止しています。"
    "しばらくしてから再度お試しください。"
)


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.user.kind == User.Kind.DESK:
        return redirect("desk:status")
    form = DeskLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            request.axes_locked_out = False  # answered here; axes' middleware need not
            note_refused_login(username=form.username, ip_address=request.axes_ip_address)
            return locked_out(request)
        if user is None or user.kind != User.Kind.DESK:
            form.add_error(None, INVALID_LOGIN)
        elif user.contract.is_ended:
            form.add_error(None, ENDED_CONTRACT)
        else:
            login(request, user)
            record_audit(
                actor=user, action="desk.login", contract=user.contract, ip=client_ip(request)
            )
            return redirect("desk:status")
    return render(request, "desk/login.html", {"form": form})


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes' lockout response: the login page with the lockout message (D1.2)."""
    form = DeskLoginForm(request.POST or None)
    form.is_valid()
    form.add_error(None, LOCKED_OUT)
    return render(request, "desk/login.html", {"form": form, "locked": True}, status=429)


def axes_username(request, credentials=None) -> str | None:
    """The name axes counts a login under (``AXES_USERNAME_CALLABLE``).

    From the credentials given to ``authenticate()`` when there are any (the desk passes
    ``<login_id>@<realm>``, the back office its ``username``); else from the posted form:
    the back office's ``username``, or the desk's ``login_id`` (lower-cased, as the form
    does) and ``realm``.
    """
    if credentials and credentials.get("username"):
        return credentials["username"]
    data = getattr(request, "POST", None) or {}
    if data.get("username"):
        return data["username"]
    login_id, realm = (data.get("login_id") or "").strip(), data.get("realm")
    if login_id and realm:
        return f"{login_id.lower()}@{realm}"
    return None


@require_POST
def logout_view(request):
    logout(request)
    return redirect("desk:login")
