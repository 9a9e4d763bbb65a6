"""Pages of the support site that only a support ID may see (S2, S3).

``support_login_required`` admits every customer login (a desk credential, an ISP mailbox,
a support ID); the pages of a support ID's own (its account, password, withdrawal, the
工事・故障情報メール settings) are not found for the other kinds, like the operator's session
is for ``support_login_required``.
"""

from functools import wraps

from django.http import Http404

from madoguchi.contracts.models import User
from madoguchi.support.access import support_login_required
from madoguchi.supportid.models import SupportAccount


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
