"""Who may see what: one helper per kind of object, used by every view."""

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from madoguchi.contracts.models import Contract, User


def desk_login_required(view):
    """Admit only a desk credential of a contract that has not ended.

    Anonymous visitors never reach here (LoginRequiredMiddleware sends them to the login).
    A support ID's or a mailbox's session (S2: the support site's logins) is sent to the
    desk's login page, where a desk credential's login replaces it; operators are refused; a
    contract that ended while its session was open is logged out (D1.3).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.kind in SUPPORT_SITE_KINDS:
            return redirect_to_login(request.get_full_path(), "desk:login")
        if not user.is_authenticated or user.kind != User.Kind.DESK:
            raise PermissionDenied("カスタマサポートデスクの認証IDでログインしてください。")
        if user.contract.status == Contract.Status.ENDED:
            logout(request)
            return redirect("desk:login")
        request.contract = user.contract
        return view(request, *args, **kwargs)

    return wrapper


# The logins of the support site alone (S2): the desk does not admit them.
SUPPORT_SITE_KINDS = frozenset({User.Kind.SUPPORT, User.Kind.MAILBOX})
# The kinds of login the support site serves: a desk credential carries over (S2).
CUSTOMER_KINDS = frozenset({User.Kind.DESK, *SUPPORT_SITE_KINDS})
# The kinds that belong to a contract: not a customer once it has ended.
CONTRACT_KINDS = frozenset({User.Kind.DESK, User.Kind.MAILBOX})


def is_customer(user) -> bool:
    """A logged-in customer of the support site: a support ID, or a desk credential or an ISP
    mailbox of a contract that has not ended (an ended contract's session is no customer's)."""
    if not (user and user.is_authenticated and user.kind in CUSTOMER_KINDS):
        return False
    return user.kind not in CONTRACT_KINDS or not user.contract.is_ended
