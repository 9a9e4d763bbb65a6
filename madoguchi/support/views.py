"""The support site's own pages: the top, 推奨環境 (S1), its login and logout."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from madoguchi.contracts.access import is_customer
from madoguchi.contracts.models import User
from madoguchi.contracts.views import (
    LOGGED_OUT,
    desk_credential_attempt,
    logged_in,
    next_path,
    throttled_login,
)
from madoguchi.notices.display import with_windows
from madoguchi.notices.queries import TOP_PAGE_NOTICES, current_notices
from madoguchi.supportid import signin
from madoguchi.supportid.services import LOGIN_ACTION

# Where a login goes without ``next`` (S2).
HOME = "supportid:mymenu"


@login_not_required
def top(request):
    """The sections, and the planned work and outages open now (S1) the visitor may see."""
    notices = current_notices(request.user).prefetch_related("products")
    return render(
        request,
        "support/top.html",
        {"current_notices": with_windows(notices[:TOP_PAGE_NOTICES])},
    )


@login_not_required
def environment(request):
    """推奨環境: the environments of the FAQ's first answer (S1, X6)."""
    return render(request, "support/environment.html")


def _next_page(request) -> str | None:
    """``next``, unless it is this login page (the header's ログイン link on the page itself)."""
    target = next_path(request)
    if target and target.partition("?")[0] == reverse("support:login"):
        return None
    return target


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """The support site's one login page (S2): a support ID, an ISP mailbox or a desk
    credential, routed by the part after @ (``supportid.signin``); then ``next`` or マイメニュー.

    A desk credential's session is sent on at once (it serves both sites). Any other session
    sees the page: logging in replaces it (a support ID asked to log in for the desk's
    inquiries, an ended contract's desk login).
    """
    user = request.user
    if is_customer(user) and user.kind == User.Kind.DESK:
        return redirect(_next_page(request) or HOME)
    form = signin.SupportLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        route = signin.route(form.cleaned_data["login"])
        password = form.cleaned_data["password"]
        common = {"invalid": signin.INVALID_LOGIN, "action": LOGIN_ACTION}
        if route.desk:
            attempt = desk_credential_attempt(request, route.username, password, **common)
        else:
            attempt = throttled_login(
                request,
                route.scope,
                username=route.username,
                password=password,
                admits=signin.is_support_scope_login,
                credentials=route.credentials,
                **common,
            )
        if attempt.user is not None:
            return logged_in(request, route.scope, route.username, _next_page(request) or HOME)
        form.add_error(None, attempt.error)
        status = attempt.status
    context = {
        "form": form,
        "logged_in_as": user if is_customer(user) else None,
        "desk_realms": settings.DESK_REALMS,
        "mail_hosts": settings.MAIL_HOSTS,
    }
    return render(request, "support/login.html", context, status=status)


@login_not_required
@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, LOGGED_OUT)
    return redirect("support:top")
