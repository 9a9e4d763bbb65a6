from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _


class BackofficeOperation(Permission):
    """Holds the back office permissions that belong to no single model (B5); no table.

    Django creates a permission per entry of ``Meta.permissions`` for it, so the roles
    (``roles.py``) can grant operations such as 「処理する」 that are not a model's
    add/change/delete/view. A proxy, not an unmanaged model: ``dumpdata`` skips proxies but
    would query an unmanaged model's missing table.
    """

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [
            ("process_application", _("お申込みを処理する・失敗にする")),
            ("unlock_login", _("ログインロックを解除する")),
            ("change_delivery", _("配信先の配信を停止・再開する")),
        ]
        verbose_name = _("バックオフィスの操作")
        verbose_name_plural = _("バックオフィスの操作")
