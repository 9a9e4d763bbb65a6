"""The one-click unsubscribe page of a 工事・故障情報メール (RFC 8058, S4).

Each mail's ``List-Unsubscribe`` names ``support/unsubscribe/<token>/`` and its
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` lets the mail client POST there
itself: no cookies, no session, no CSRF token (the signed token is the only credential,
and it is unguessable), answered 200 without a redirect. A person who clicks the link in
the body gets the GET: the page says what will stop and shows the button (mail scanners
open links; only the POST changes anything).

Not throttled: a token is an HMAC no one can guess or derive from another, a forged one is
refused before the database is read, and a genuine one does the same thing every time.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from madoguchi.alerts.display import KIND_LABELS
from madoguchi.alerts.models import Destination
from madoguchi.delivery import tokens
from madoguchi.delivery.unsubscribe import delivery_for, unsubscribe_by_token

METHODS = ("GET", "POST")


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, f"delivery/{template}", context, status=status)
    # The token is in the URL: no page this one links to may learn it.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, status: int):
    response = _page(request, "unsubscribe_refused.html", {"status": status}, status=status)
    if status == 405:
        response["Allow"] = ", ".join(METHODS)
    return response


@login_not_required
@csrf_exempt
@never_cache
def unsubscribe(request, token: str):
    """GET: what the button stops; POST: stop it (idempotent); a forged token: 404."""
    if request.method not in METHODS:
        return _refused(request, 405)
    try:
        if request.method == "POST":
            done = unsubscribe_by_token(token)
            destination, kind = done.destination, done.kind
        else:
            delivery = delivery_for(token)
            kind = delivery.publication.kind
            destination = Destination.objects.filter(pk=delivery.destination_id).first()
    except tokens.BadToken:
        return _refused(request, 404)
    context = {
        "destination": destination,
        "kind": kind,
        "label": KIND_LABELS[kind],
        "stopped_at": getattr(destination, f"{kind}_stopped_at", None),
    }
    template = "unsubscribed.html" if request.method == "POST" else "unsubscribe.html"
    return _page(request, template, context)
