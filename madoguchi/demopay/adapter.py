"""The portal's adapter for the demo provider (PAYMENT_PROVIDER's default).

A real provider's adapter calls the provider's server API over HTTPS with its secret key;
this one calls the demo provider's service in-process, which is what that API would do.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from madoguchi.demopay import services
from madoguchi.payments import providers

ERRORS = {
    "unknown": providers.InvalidToken,
    "expired_token": providers.InvalidToken,
    "used": providers.TokenUsed,
    "declined": providers.CardDeclined,
    "expired_card": providers.CardExpired,
}


class DemoPayProvider(providers.PaymentProvider):
    """``base_url``: where the demo provider is served; empty means this site (/demopay/)."""

    name = "デモ決済サービス"

    def __init__(self, base_url: str = ""):
        self.base_url = base_url.rstrip("/")

    def available(self) -> bool:
        """Served elsewhere, or here while DEMOPAY_ENABLED: a production site that has not
        configured a real provider offers no card change rather than a broken page."""
        return bool(self.base_url) or settings.DEMOPAY_ENABLED

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}" if self.base_url else path

    def browser(self) -> providers.Browser:
        csp = {}
        if self.base_url:
            parts = urlsplit(self.base_url)
            origin = f"{parts.scheme}://{parts.netloc}"
            csp = {"script-src": [origin], "connect-src": [origin]}
        return providers.Browser(
            script_url=self._url(static("demopay/demopay.js")),
            attributes={
                "data-demopay-endpoint": self._url(reverse("demopay:tokens")),
                "data-demopay-key": settings.DEMOPAY_PUBLIC_KEY,
            },
            hint_template="demopay/_hint.html",
            csp=csp,
        )

    def resolve(self, token: str) -> providers.Card:
        try:
            card = services.resolve(token)
        except services.ResolveError as refused:
            raise ERRORS[refused.code]() from None
        return providers.Card(
            token=card.reference, brand=card.brand, last4=card.last4, expiry=card.expiry
        )
