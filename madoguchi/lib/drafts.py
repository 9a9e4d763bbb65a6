"""The confirm step of every three-step flow (入力 → 確認 → 完了), in one helper.

The input step stores the validated form data as the flow's draft in the session, with a
new key (``Flow.start``). The confirm page shows the draft and carries its key in its form;
its POST (``Flow.take``) submits only the draft that page showed:

- no draft (expired, or submitted already by the other click of a double click): nothing is
  submitted; a POST whose key is the one just submitted goes to that completion page;
- another draft (a second tab started the flow again meanwhile), or no key at all (a
  replayed form): nothing is submitted. When the confirm page shows everything the draft
  submits, it is shown again with a message; when it cannot (a password), the customer
  starts over at the input step, so that nothing they never saw is submitted;
- the page's own draft: it is removed from the session in the same request that creates
  the application, so a doubled or replayed POST finds nothing to submit (X2).

``Flow.submit`` is the whole confirm POST: ``take``, the flow's service, the completion page
(``submitted``). A service raising ``DuplicateSubmission`` (both clicks took the draft) sends
the POST to the first application's completion page; a ``Refused`` answers each refusal of
the service: the draft put back for 「戻る」 or not, then a message above the input step or a
page of its own (the confirm page again with the error).

Secrets (passwords) never go into a draft, only what is derived from them (a hash). Drafts
live ``MAX_AGE_SECONDS``; ``DraftMiddleware`` drops expired ones on every request, so no
hash stays in a session longer than its draft lives.
"""

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.sessions.backends.base import UpdateError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

if TYPE_CHECKING:
    from madoguchi.applications.models import Application

SESSION_KEY = "drafts"
SUBMITTED_KEY = "submitted_drafts"
MAX_AGE_SECONDS = 30 * 60
TOKEN_FIELD = "draft"
STALE_MESSAGE = (
    "別の画面でお申込み内容が入力し直されました。表示中の内容をご確認のうえ、"
    "あらためて「登録」を押してください。"
)
RESTART_MESSAGE = (
    "別の画面でお申込み内容が入力し直されたため、お申込みを中止しました。"
    "お手数ですが、もう一度入力してください。"
)
EXPIRED_MESSAGE = "お申込み内容の有効期限が切れました。お手数ですが、もう一度入力してください。"


def _expired(draft: dict) -> bool:
    return time.time() - draft["saved"] > MAX_AGE_SECONDS


def prune(session) -> None:
    """Drop expired drafts (and with them any hash they held) from the session."""
    drafts = session.get(SESSION_KEY)
    if drafts and any(_expired(draft) for draft in drafts.values()):
        session[SESSION_KEY] = {
            flow: draft for flow, draft in drafts.items() if not _expired(draft)
        }


class DraftMiddleware:
    """Runs ``prune`` for every request that has a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None:
            prune(session)
        return self.get_response(request)


class DuplicateSubmission(Exception):
    """The draft's key was submitted already: ``application`` is what that submission made
    (an application, or any record with a ``number`` and a ``pk``, such as an inquiry)."""

    def __init__(self, application: "Application"):
        super().__init__(application.number)
        self.application = application


@dataclass(frozen=True)
class Refused:
    """``Flow.submit``'s answer to the service raising one of ``errors`` (as in ``except``).

    ``keep``: put the draft back so the input step (「戻る」) shows it; not when it cannot be
    submitted again (a used card token) or the input step shows none of it (a password).
    The answer: ``respond(draft, error)``; else the input step, with ``message(error)``
    above it (default: the error's ``message``; None: the input step says why itself).
    """

    errors: type[Exception] | tuple[type[Exception], ...]
    keep: bool = True
    message: Callable[[Exception], str | None] | None = attrgetter("message")
    respond: Callable[[dict, Exception], HttpResponse] | None = None


@dataclass(frozen=True)
class Flow:
    """One three-step flow's draft: where it starts, and whether its confirm page shows
    everything it submits.

    ``restart`` is the URL name a request without a draft goes to; ``input_url(draft)``
    the input step of a draft (default ``restart``); ``secret(draft)`` is true when the
    confirm page cannot show everything the draft submits (it holds a password's hash).
    ``complete`` is the URL name of the completion page, given the application's pk.
    """

    name: str
    restart: str
    complete: str
    secret: Callable[[dict], bool] = lambda draft: False
    input_url: Callable[[dict], str] | None = None

    def start(self, request: HttpRequest, data: dict) -> dict:
        """Store the validated input as the draft, under a new key."""
        draft = {**data, "key": uuid.uuid4().hex}
        drafts = request.session.get(SESSION_KEY, {})
        drafts[self.name] = {"data": draft, "saved": time.time()}
        request.session[SESSION_KEY] = drafts
        return draft

    def update(self, request: HttpRequest, draft: dict) -> None:
        """Store a changed draft under its key (a step between input and confirm)."""
        drafts = request.session.get(SESSION_KEY, {})
        drafts[self.name] = {"data": draft, "saved": time.time()}
        request.session[SESSION_KEY] = drafts

    def load(self, request: HttpRequest) -> dict | None:
        draft = request.session.get(SESSION_KEY, {}).get(self.name)
        if not draft or _expired(draft):
            return None
        return draft["data"]

    def discard(self, request: HttpRequest) -> None:
        drafts = request.session.get(SESSION_KEY, {})
        if drafts.pop(self.name, None) is not None:
            request.session[SESSION_KEY] = drafts

    def take(self, request: HttpRequest) -> dict | HttpResponse:
        """The confirm POST: the draft its page showed, removed from the session; or the
        response to give instead when nothing may be submitted (see the module's doc)."""
        draft = self.load(request)
        token = request.POST.get(TOKEN_FIELD)
        if draft is None:
            submitted = request.session.get(SUBMITTED_KEY, {}).get(self.name)
            if submitted and token and submitted["key"] == token:
                return redirect(self.complete, pk=submitted["pk"])
            messages.error(request, EXPIRED_MESSAGE)
            return redirect(self.restart)
        if token != draft["key"]:
            if self.secret(draft):
                self.discard(request)
                messages.error(request, RESTART_MESSAGE)
                return redirect(self.input_url(draft) if self.input_url else self.restart)
            messages.error(request, STALE_MESSAGE)
            return redirect(request.path)
        drafts = request.session.get(SESSION_KEY, {})
        drafts.pop(self.name, None)
        request.session[SESSION_KEY] = drafts
        try:
            request.session.save()
        except UpdateError:
            # A concurrent request of this session ended it meanwhile (the first click of a
            # double click changed the password, and with it the session key): nothing is
            # left to submit here, and the emptied session lets the response finish.
            request.session.flush()
            return redirect(self.restart)
        return draft

    def submit(
        self,
        request: HttpRequest,
        submit: Callable[[dict], "Application"],
        *,
        refused: Sequence[Refused] = (),
        then: Callable[["Application"], None] | None = None,
    ) -> HttpResponse:
        """The confirm POST: ``take`` the draft (else its response), ``submit(draft)``, then
        ``then(application)`` (a duplicate's too) and the completion page. The first of
        ``refused`` naming the service's error answers it; any other error propagates."""
        draft = self.take(request)
        if not isinstance(draft, dict):
            return draft
        try:
            application = submit(draft)
        except DuplicateSubmission as duplicate:
            application = duplicate.application
        except Exception as error:
            rule = next((rule for rule in refused if isinstance(error, rule.errors)), None)
            if rule is None:
                raise
            if rule.keep:
                self.restore(request, draft)
            if rule.respond:
                return rule.respond(draft, error)
            if rule.message and (text := rule.message(error)):
                messages.error(request, text)
            return redirect(self.input_url(draft) if self.input_url else self.restart)
        if then:
            then(application)
        return self.submitted(request, draft, application)

    def submitted(self, request: HttpRequest, draft: dict, application) -> HttpResponse:
        """Remember the submission (a late second click lands on its completion page too)
        and go to the completion page."""
        done = request.session.get(SUBMITTED_KEY, {})
        done[self.name] = {"key": draft["key"], "pk": application.pk}
        request.session[SUBMITTED_KEY] = done
        return redirect(self.complete, pk=application.pk)

    def restore(self, request: HttpRequest, draft: dict) -> None:
        """Put a taken draft back (the service refused it: the confirm page shows why)."""
        self.update(request, draft)
