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

from madoguchi.contracts.access import is_customer

LOGIN_URL = "support:login"


def support_login_required(view):
    """Admit only customers (a support ID, an ISP mailbox, a desk credential: S2, see
    ``is_customer``); others log in on the support site's own login page.

    An operator's session (the back office) is not a customer: such a page is not found.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_customer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)
