"""The two kinds of billing application, as the applications registry knows them."""

from madoguchi.applications.registry import Field, Kind
from madoguchi.billing import services


def _or_none(value) -> str:
    return value or "（なし）"


KINDS = (
    Kind(
        code=services.BILLING_ADDRESS,
        label="「請求書」および「口座振替のお知らせ」送付先住所の変更",
        fields=(
            Field("postal_code", "郵便番号", format=_or_none),
            Field("address", "住所", format=_or_none),
            Field("company", "会社名", format=_or_none),
            Field("department", "部課名", format=_or_none),
            Field("addressee", "宛名", format=_or_none),
        ),
        processor=services.carry_out_billing_address,
    ),
    Kind(
        code=services.BILLING_NOTICE,
        label="「口座振替のお知らせ」の送付方法の変更",
        fields=(
            Field("method", "送付方法", format=lambda v: str(services.NOTICE_METHODS.get(v, v))),
            Field("email", "送付先メールアドレス", format=_or_none),
        ),
        processor=services.carry_out_billing_notice,
    ),
)
