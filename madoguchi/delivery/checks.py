"""Deploy checks: notification mails carry links and a bounce address made from settings.

Workers have no request to take the site's address from: a production setting left at its
local default would mail links to 127.0.0.1, or unsubscribe links over plain HTTP (RFC 8058
asks for HTTPS), or bounce addresses of the example domain.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def notification_links_are_public(app_configs=None, **kwargs):
    problems = []
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                f"PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL!r}: the links in notification "
                "mails (one-click unsubscribe, settings) must be public HTTPS addresses.",
                hint="Set PUBLIC_BASE_URL to the support site's https:// address.",
                id="madoguchi.W010",
            )
        )
    if settings.BOUNCE_DOMAIN == "bounce.example.ne.jp":  # the local default
        problems.append(
            Warning(
                f"BOUNCE_DOMAIN is {settings.BOUNCE_DOMAIN!r}: bounces of notification mails "
                "would go to the example domain.",
                hint="Set BOUNCE_DOMAIN to the domain the relay hands to manage.py bounce_server.",
                id="madoguchi.W011",
            )
        )
    return problems
