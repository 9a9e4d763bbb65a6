"""The demo provider's tokenization endpoint (JSON), called by static/demopay/demopay.js.

It answers any origin, like a real provider's API: no cookies, no CSRF token (the public
key identifies the merchant), nothing of the portal's session.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from madoguchi.demopay import services

BAD_REQUEST = "カード情報を送信できませんでした。もう一度お試しください。"
MAX_BODY = 4096


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, field: str, message: str) -> HttpResponse:
    return _cors(JsonResponse({"error": {"field": field, "message": message}}, status=status))


@login_not_required
@csrf_exempt
@sensitive_post_parameters()
@sensitive_variables("body", "data")
@require_http_methods(["POST", "OPTIONS"])
def tokens(request):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    body = request.body
    if len(body) > MAX_BODY:
        return _error(400, "number", BAD_REQUEST)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "number", BAD_REQUEST)
    if not isinstance(data, dict):
        return _error(400, "number", BAD_REQUEST)
    try:
        issued = services.tokenize(
            public_key=data.get("public_key", ""),
            number=data.get("number", ""),
            expiry=data.get("expiry", ""),
            cvc=data.get("cvc", ""),
        )
    except services.TokenizeError as refused:
        return _error(401 if refused.field == "key" else 400, refused.field, refused.message)
    return _cors(JsonResponse({"token": issued.token}, status=201))
