"""Who the support site admits (S2), and where it sends those it does not.

The support site has its own login page (``support:login``): the global
``LoginRequiredMiddleware`` sends anonymous visitors of a view to that view's
``login_url``, which ``support_login_required`` sets, so the desk's login URL is not every
site's login URL. Most of the support site needs no login at all (S1, S5): its views are
marked ``login_not_required``.

``support_login_required`` admits every customer login (a desk credential, an ISP mailbox,
a support ID); the pages of a support ID's own (its account, password, withdrawal, the
工事・故障情報メール settings) are not found for the other kinds, like the operator's session
is for ``support_login_required``.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from madoguchi.contracts.access import is_customer
from madoguchi.contracts.models import User
from madoguchi.supportid.models import SupportAccount

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


def support_id_required(view):
    """Admit only a confirmed support ID; sets ``request.support_account``.

    Anonymous visitors go to ``support:login``; other customer kinds get a 404.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.kind != User.Kind.SUPPORT:
            raise Http404
        account = (
            SupportAccount.objects.filter(user=user, confirmed_at__isnull=False)
            .select_related("user")
            .first()
        )
        if account is None:
            raise Http404
        request.support_account = account
        return view(request, *args, **kwargs)

    return support_login_required(wrapper)
