"""Deploy check: the number of reverse proxies must be set explicitly (security finding 1).

Behind a proxy with ``MADOGUCHI_PROXY_COUNT`` unset, every client has the proxy's address:
login throttling counts every client's failures as one address's, and the audit log records
the proxy. ``0`` (clients connect directly) is fine when it is said.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def proxy_count_is_explicit(app_configs=None, **kwargs):
    if settings.MADOGUCHI_PROXY_COUNT_EXPLICIT:
        return []
    return [
        Warning(
            "MADOGUCHI_PROXY_COUNT is not set: behind a reverse proxy every client would have "
            "the proxy's address (login throttling and the audit log).",
            hint=(
                "Set MADOGUCHI_PROXY_COUNT to the number of reverse proxies that append to "
                "X-Forwarded-For (1 behind one nginx or HAProxy doing TLS), or to 0 when "
                "clients connect to the portal directly."
            ),
            id="madoguchi.W001",
        )
    ]
