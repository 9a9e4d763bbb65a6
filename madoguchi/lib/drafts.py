"""Drafts of the three-step flow (入力 → 確認 → 完了).

The input step stores the validated form data in the session under a flow name; the confirm
step rebuilds the form from it and its POST pops it in the same request that creates the
application, so a double click or a replayed POST finds no draft and creates nothing.
Secrets (passwords) never go into a draft: the confirm step asks for nothing secret again,
so flows that need a secret keep only what is derived from it (a hash) in the draft.
"""

import time

from django.contrib.sessions.backends.base import UpdateError
from django.http import HttpRequest

SESSION_KEY = "drafts"
MAX_AGE_SECONDS = 30 * 60
# The confirm page's form carries its draft's key; a POST from an older confirm page (a
# second tab started the flow again meanwhile) must not submit the newer draft unseen.
TOKEN_FIELD = "draft"
STALE_MESSAGE = (
    "別の画面でお申込み内容が入力し直されました。表示中の内容をご確認のうえ、"
    "あらためて「登録」を押してください。"
)


def is_stale_post(request: HttpRequest, draft: dict) -> bool:
    """True when the POST comes from the confirm page of another draft of the flow."""
    token = request.POST.get(TOKEN_FIELD)
    return token is not None and token != draft.get("key")


def save_draft(request: HttpRequest, flow: str, data: dict) -> None:
    drafts = request.session.get(SESSION_KEY, {})
    drafts[flow] = {"data": data, "saved": time.time()}
    request.session[SESSION_KEY] = drafts


def load_draft(request: HttpRequest, flow: str) -> dict | None:
    draft = request.session.get(SESSION_KEY, {}).get(flow)
    if not draft or time.time() - draft["saved"] > MAX_AGE_SECONDS:
        return None
    return draft["data"]


def pop_draft(request: HttpRequest, flow: str) -> dict | None:
    drafts = request.session.get(SESSION_KEY, {})
    draft = drafts.pop(flow, None)
    request.session[SESSION_KEY] = drafts
    try:
        request.session.save()
    except UpdateError:
        # A concurrent request of this session ended it meanwhile (the first click of a
        # double click changed the password, and with it the session key): nothing is left
        # to submit here, and the emptied session lets the response finish without a 500.
        request.session.flush()
        return None
    if not draft or time.time() - draft["saved"] > MAX_AGE_SECONDS:
        return None
    return draft["data"]
