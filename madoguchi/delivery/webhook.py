"""Bounce events POSTed by a relay (S4): ``POST /bounces/webhook/``.

For relays or mail providers that report bounces by HTTP rather than by mailing a DSN to
the VERP address. Authenticated by ``Authorization: Bearer <BOUNCE_WEBHOOK_TOKEN>``; with no
token configured the webhook does not exist (404). No cookies, no CSRF token, no login.

Two bodies are accepted:

- ``Content-Type: message/rfc822``: a report as it was received (a DSN, an ARF
  complaint …); its VERP address comes from ``?rcpt=``, else its ``X-Original-To`` or
  ``Delivered-To`` header, else a signed token in the headers of the mail it returns.
- ``Content-Type: application/json``: ``{"events": [{"recipient_address": "bounce+…",
  "type": "bounce" | "complaint", "status": "5.1.1", "diagnostic": "…", "id": "…"}]}``
  (``envelope_sender`` may stand for ``recipient_address``; ``recipient`` may name the
  final recipient). Events of other types (delivered, opened …) are ignored. The event id
  makes a resent event count once.

Answers 200 with ``{"recorded": n, "ignored": n}``, 400 for a body it cannot read (nothing
recorded), 401 for a bad token.
"""

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from madoguchi.delivery import bounces, reports
from madoguchi.delivery.models import Bounce

BAD_TOKEN = "認証トークンが正しくありません。"
BAD_BODY = "本文を読み取れませんでした。"
BAD_TYPE = "Content-Type は message/rfc822 または application/json を指定してください。"
EVENT_TYPES = ("bounce", "complaint")


class Malformed(Exception):
    pass


def _authorized(request) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    expected = settings.BOUNCE_WEBHOOK_TOKEN
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bounces"'
    return response


@login_not_required
@csrf_exempt
def bounce_webhook(request):
    if not settings.BOUNCE_WEBHOOK_TOKEN:
        raise Http404("webhook disabled")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _authorized(request):
        return _error(401, BAD_TOKEN)
    try:
        if request.content_type == "message/rfc822":
            recorded, ignored = _raw_report(request)
        elif request.content_type == "application/json":
            recorded, ignored = _json_events(request.body)
        else:
            return _error(400, BAD_TYPE)
    except Malformed:
        return _error(400, BAD_BODY)
    return JsonResponse({"recorded": recorded, "ignored": ignored})


def _raw_report(request) -> tuple[int, int]:
    raw = request.body
    if not raw.strip():
        raise Malformed
    message = reports.parse(raw)
    # An unencoded "+" in ?rcpt= reads as a space; no address holds one.
    address = request.GET.get("rcpt", "").strip().replace(" ", "+")
    address = address or message.get("x-original-to") or message.get("delivered-to") or ""
    recipients = [str(address).strip()] if address else []
    recorded = bounces.process_report(
        raw, envelope_recipients=recipients, source=Bounce.Source.WEBHOOK
    )
    return len(recorded), int(not recorded)


def _event_report(event: dict) -> reports.Report | None:
    """The report an event makes; None for a type that is not a bounce or complaint."""
    kind = str(event.get("type", "")).lower()
    if kind not in EVENT_TYPES:
        return None
    status = reports.status_in(str(event.get("status") or ""))
    diagnostic = " ".join(str(event.get("diagnostic") or "").split())[:300]
    recipient = str(event.get("recipient") or "")[:320].lower()
    if kind == "complaint":
        return reports.Report(reports.COMPLAINT, recipient, status, diagnostic)
    bounce_kind = reports.kind_for_status(status, "failed") or reports.HARD
    return reports.Report(bounce_kind, recipient, status, diagnostic)


def _json_events(body: bytes) -> tuple[int, int]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Malformed from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise Malformed
    parsed = []
    for event in events:  # all read first: a malformed one records nothing
        if not isinstance(event, dict):
            raise Malformed
        address = event.get("recipient_address") or event.get("envelope_sender")
        if not isinstance(address, str) or not address:
            raise Malformed
        parsed.append((event, address))
    recorded = ignored = 0
    for event, address in parsed:
        bounce = _record_event(event, address)
        recorded += bounce is not None
        ignored += bounce is None
    return recorded, ignored


def _record_event(event: dict, address: str) -> Bounce | None:
    report = _event_report(event)
    if report is None:
        return None
    identity = str(event.get("id") or "") or json.dumps(event, sort_keys=True)
    return bounces.record_event(address, report, identity=identity)
