"""Who may open the 工事・故障情報メール pages: a logged-in お客さまサポートID only (S3).

Stand-in for ``madoguchi.supportid.access.support_id_required`` (same name, same behaviour)
until that module is merged; the views import it from here.
"""

from functools import wraps

from django.http import Http404

from madoguchi.contracts.models import User
from madoguchi.support.access import support_login_required
from madoguchi.supportid.models import SupportAccount


def support_id_required(view):
    """Admit only a confirmed support ID's login, as ``request.support_account``.

    Anonymous visitors go to the support site's login page; any other kind of login (a desk
    credential, a mailbox, an operator) gets 404: mail settings need a support ID (the seed).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.kind != User.Kind.SUPPORT:
            raise Http404
        account = SupportAccount.objects.select_related("user").filter(user=request.user).first()
        if account is None or not account.is_confirmed:
            raise Http404
        request.support_account = account
        return view(request, *args, **kwargs)

    return support_login_required(wrapper)
