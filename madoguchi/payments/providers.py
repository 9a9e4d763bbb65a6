"""The payment-provider interface (D6.1): card numbers never reach the portal.

The browser hands the card to the provider (its script, its endpoint) and gets back a
single-use token; only that token is posted to the portal. On the server the portal asks the
provider, through an adapter, what the token stands for: a card reference it may keep, the
brand, the last four digits and the expiry — or why the card cannot be used.

``PAYMENT_PROVIDER`` names the adapter class (a dotted path), ``PAYMENT_PROVIDER_OPTIONS``
the keyword arguments it is built with. docs/payments.md says how to write one.
"""

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Card:
    """What the portal may keep of a card: never its number or security code."""

    token: str  # the provider's reference to the card, used for billing
    brand: str  # e.g. "VISA"
    last4: str
    expiry: str  # "MM/YY"


class PaymentError(Exception):
    """The provider refused the token or the card; ``message`` is what the customer reads."""

    code = "error"
    message = "カード情報を確認できませんでした。お手数ですが、もう一度入力してください。"

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.code)  # never the card or the token


class CardDeclined(PaymentError):
    code = "declined"
    message = (
        "このカードはご利用いただけません（カード会社により承認されませんでした）。"
        "別のカードをご利用いただくか、カード会社にお問い合わせください。"
    )


class CardExpired(PaymentError):
    code = "expired"
    message = "このカードは有効期限が切れています。有効期限内のカードをご利用ください。"


class InvalidToken(PaymentError):
    """Unknown, forged or expired token: the browser never got it from the provider."""

    code = "invalid_token"
    message = (
        "カード情報を確認できませんでした。お手数ですが、もう一度カード情報を入力してください。"
    )


class TokenUsed(PaymentError):
    code = "token_used"
    message = (
        "このカード情報はすでに使用されています。"
        "お手数ですが、もう一度カード情報を入力してください。"
    )


@dataclass(frozen=True)
class Browser:
    """What the card form needs in the browser.

    ``script_url``: the provider's script (loaded with ``<script src>``, never inline);
    ``attributes``: ``data-*`` attributes of the form that configure it (endpoint, public
    key); ``template``: the card inputs (none of them has a ``name``: they are never
    submitted to the portal); ``csp``: sources to add to the portal's Content-Security-Policy
    on the card page only, by directive (e.g. ``{"script-src": ["https://js.example"]}``).
    """

    script_url: str
    attributes: dict[str, str] = field(default_factory=dict)
    template: str = "payments/_card_fields.html"
    hint_template: str = ""  # shown under the inputs (the demo lists its test numbers)
    csp: dict[str, list[str]] = field(default_factory=dict)


class PaymentProvider:
    """An adapter for one provider. Subclasses implement ``browser`` and ``resolve``."""

    name = ""  # shown to customers: 「カード情報は◯◯が管理します」

    def available(self) -> bool:
        """Whether cards can be taken now; when not, the desk does not offer the change."""
        return True

    def browser(self) -> Browser:
        raise NotImplementedError

    def resolve(self, token: str) -> Card:
        """The card behind a single-use token, the token used up; or raise a PaymentError
        (CardDeclined, CardExpired, InvalidToken, TokenUsed)."""
        raise NotImplementedError


def csp_update(sources: dict[str, list[str]]) -> dict[str, list[str]]:
    """The adapter's sources as an update of the portal's policy (django-csp).

    A directive the policy does not set falls back to ``default-src``: its sources are kept,
    so that adding a provider's origin never takes away what the page itself needs.
    """
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    update = {}
    for directive, extra in sources.items():
        base = [] if directive in directives else list(directives.get("default-src", []))
        update[directive] = base + [source for source in extra if source not in base]
    return update


@cache
def _provider(path: str, options: tuple) -> PaymentProvider:
    return import_string(path)(**dict(options))


def get_provider() -> PaymentProvider:
    """The adapter the settings choose (built once per setting)."""
    options = tuple(sorted(settings.PAYMENT_PROVIDER_OPTIONS.items()))
    return _provider(settings.PAYMENT_PROVIDER, options)
