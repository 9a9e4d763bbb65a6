"""The three kinds of mail account application, as the applications registry knows them."""

from django.conf import settings

from madoguchi.applications.registry import Field, Kind
from madoguchi.mailboxes import services
from madoguchi.mailboxes.rules import Charge

FIELDS = (
    Field("address", "メールアカウント"),
    Field("virus_check", "ウィルスチェックサービス", format=services.virus_label),
    Field("monthly_charge", "月額料金", format=lambda net: str(Charge(net))),
)


def _kind(code: str, label: str) -> Kind:
    return Kind(
        code=code,
        label=label,
        fields=FIELDS,
        processor=services.carry_out_order,
        delay=lambda: settings.MAILBOX_PROCESSING_DELAY_SECONDS,
        release=services.release_order,
        cancellable=True,
        acceptance_mail="application_mailbox",
    )


KINDS = (
    _kind(services.MAILBOX_ADD, "メールアカウント追加"),
    _kind(services.MAILBOX_CHANGE, "メールアカウント・ウィルスチェックサービス変更"),
    _kind(services.MAILBOX_DELETE, "メールアカウント削除"),
)
