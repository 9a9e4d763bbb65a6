"""Login failures and the locks they caused (D1.2): the rows of login throttling.

A failure is one refused password for one username in one scope (the desk, the back office,
later the support site), from an address, from a browser that may hold a device entry for
that username. A lock is written when failures reach a limit; it is never extended, and
both kinds of rows are purged once they no longer count (``manage.py purge_login_throttling``).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The longest username any scope stores (Django's username field); longer input is cut.
USERNAME_MAX_LENGTH = 150


class LoginFailure(models.Model):
    scope = models.CharField(_("ログイン先"), max_length=20)
    # As the login form normalised it; any string, whether or not such a login exists.
    username = models.CharField(_("ログインID"), max_length=USERNAME_MAX_LENGTH)
    ip_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    # The device entry the browser held for this username, if any ("" for unknown browsers).
    device = models.CharField(_("ブラウザ"), max_length=32, blank=True)
    failed_at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("ログイン失敗")
        verbose_name_plural = _("ログイン失敗")
        indexes = [
            models.Index(fields=["scope", "username", "failed_at"], name="login_failure_by_id"),
            models.Index(
                fields=["scope", "ip_address", "failed_at"], name="login_failure_by_address"
            ),
            models.Index(
                fields=["device", "failed_at"],
                name="login_failure_by_device",
                condition=~Q(device=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.username} {self.failed_at:%Y-%m-%d %H:%M:%S}"


class LoginLock(models.Model):
    """Logins refused until ``locked_until``: an ID, one browser for an ID, or an address."""

    class Kind(models.TextChoices):
        ID = "id", _("ログインID")
        DEVICE = "device", _("ログイン実績のあるブラウザ")
        ADDRESS = "address", _("IPアドレス")

    scope = models.CharField(_("ログイン先"), max_length=20)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind)
    # The username (ID), the device entry's id (DEVICE) or the address (ADDRESS).
    key = models.CharField(_("対象"), max_length=USERNAME_MAX_LENGTH)
    # The ID an ID or DEVICE lock is about; "" for an address.
    username = models.CharField(_("ログインID"), max_length=USERNAME_MAX_LENGTH, blank=True)
    locked_at = models.DateTimeField(_("ロック開始"), default=timezone.now)
    locked_until = models.DateTimeField(_("ロック期限"))

    class Meta:
        verbose_name = _("ログインロック")
        verbose_name_plural = _("ログインロック")
        ordering = ["-locked_until"]
        indexes = [
            models.Index(fields=["scope", "kind", "key", "locked_until"], name="login_lock_by_key"),
            models.Index(fields=["scope", "username", "locked_until"], name="login_lock_by_id"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.get_kind_display()} {self.username or self.key}"


class RequestCount(models.Model):
    """How often one client or one address used a mail-sending form within one hour (S2, S3).

    ``key`` is a keyed digest of the client address or the mail address, never the value
    itself; rows of past windows are purged with the login rows.
    """

    action = models.CharField(_("操作"), max_length=40)
    key = models.CharField(_("キー（ダイジェスト）"), max_length=64)
    window_start = models.DateTimeField(_("集計開始"))
    count = models.PositiveIntegerField(_("回数"), default=0)

    class Meta:
        verbose_name = _("送信回数")
        verbose_name_plural = _("送信回数")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "key", "window_start"], name="request_count_one_per_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.window_start:%Y-%m-%d %H:%M} {self.count}"
