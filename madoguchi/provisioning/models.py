from django.db import models
from django.utils.translation import gettext_lazy as _


class RadCheck(models.Model):
    """FreeRADIUS SQL module's ``radcheck`` table (P1), in its own layout.

    FreeRADIUS reads it as is (``read_clients``/``authorize_check_query`` of
    ``mods-config/sql/main/*/queries.conf``); the network password is a ``Crypt-Password``
    (SHA-512-crypt), which the PAP module verifies. Never plaintext.
    """

    id = models.AutoField(primary_key=True)
    username = models.CharField(max_length=64, default="", db_index=True)
    attribute = models.CharField(max_length=64, default="")
    op = models.CharField(max_length=2, default="==")
    value = models.CharField(max_length=253, default="")

    class Meta:
        db_table = "radcheck"
        verbose_name = _("RADIUS認証情報 (radcheck)")
        verbose_name_plural = _("RADIUS認証情報 (radcheck)")
        constraints = [
            models.UniqueConstraint(fields=["username", "attribute"], name="radcheck_one_attr"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.attribute}"
