"""Who the support site admits, and where it sends those it does not.

The support site has its own login page (``support:login``): the global
``LoginRequiredMiddleware`` sends anonymous visitors of a view to that view's
``login_url``, which ``support_login_required`` sets, so the desk's login URL is not every
site's login URL. Most of the support site needs no login at all (S1, S5): its views are
marked ``login_not_required``.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from madoguchi.contracts.models import User

# The kinds of login the support site serves: a desk credential carries over (S2).
CUSTOMER_KINDS = frozenset({User.Kind.DESK, User.Kind.SUPPORT})
LOGIN_URL = "support:login"


def is_customer(user) -> bool:
    """A logged-in customer of the support site: a support ID, or the desk credential of a
    contract that has not ended (an ended contract's session is no customer's)."""
    if not (user and user.is_authenticated and user.kind in CUSTOMER_KINDS):
        return False
    return user.kind != User.Kind.DESK or not user.contract.is_ended


def support_login_required(view):
    """Admit only customers; others log in on the support site's own login page.

    An operator's session (the back office) is not a customer: such a page is not found.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_customer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)
