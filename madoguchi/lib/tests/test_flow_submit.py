"""X2: ``Flow.submit``, the confirm POST of every 入力 → 確認 → 完了 flow, in one place."""

from types import SimpleNamespace

import pytest
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from madoguchi.lib.drafts import (
    EXPIRED_MESSAGE,
    STALE_MESSAGE,
    TOKEN_FIELD,
    DuplicateSubmission,
    Flow,
    Refused,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _page(request, pk=None):
    return HttpResponse()


urlpatterns = [
    path("flow/input/", _page, name="flow_input"),
    path("flow/<int:pk>/input/", _page, name="flow_slot_input"),
    path("flow/complete/<int:pk>/", _page, name="flow_complete"),
]

FLOW = Flow("test_flow", restart="flow_input", complete="flow_complete")
CONFIRM = "/flow/confirm/"


class Refusal(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Narrower(Refusal):
    pass


def application(pk: int):
    return SimpleNamespace(pk=pk, number=f"A-{pk:06d}")


@pytest.fixture
def session():
    store = SessionStore()
    store.create()
    return store


def post(session, token: str | None) -> object:
    """The confirm page's 「登録」 POST of the session, carrying ``token`` (None: no token)."""
    request = RequestFactory().post(CONFIRM, {TOKEN_FIELD: token} if token else {})
    request.session = session
    request._messages = default_storage(request)
    return request


def start(session, flow: Flow = FLOW, data: dict | None = None) -> dict:
    request = RequestFactory().get("/flow/input/")
    request.session = session
    draft = flow.start(request, data or {"name": "山田 花子"})
    session.save()
    return draft


def shown(request) -> list[str]:
    return [message.message for message in request._messages]


class Service:
    """The flow's service: records each draft it gets, then answers with ``outcome``."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.drafts = []
        self.then = []

    def __call__(self, draft):
        self.drafts.append(draft)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_x2_submit_submits_the_page_draft_once_and_goes_to_its_completion_page(session):
    draft = start(session)
    service = Service(application(41))

    request = post(session, draft["key"])
    response = FLOW.submit(request, service, then=service.then.append)

    assert response.status_code == 302
    assert response["Location"] == "/flow/complete/41/"
    assert service.drafts == [draft]
    assert service.then == [service.outcome]
    assert FLOW.load(request) is None  # taken: a doubled POST finds nothing to submit
    assert shown(request) == []
    # The late second click lands on the same completion page, submitting nothing.
    again = FLOW.submit(post(session, draft["key"]), service, then=service.then.append)
    assert again["Location"] == "/flow/complete/41/"
    assert service.drafts == [draft]
    assert service.then == [service.outcome]


def test_x2_submit_sends_a_duplicate_to_the_first_applications_completion_page(session):
    draft = start(session)
    first = application(7)
    service = Service(DuplicateSubmission(first))

    response = FLOW.submit(
        post(session, draft["key"]), service, refused=[Refused(Exception)], then=service.then.append
    )

    assert response["Location"] == "/flow/complete/7/"
    assert service.then == [first]  # the password change keeps this session logged in
    # Remembered as submitted: the draft's key leads to the first application from now on.
    assert FLOW.submit(post(session, draft["key"]), service)["Location"] == "/flow/complete/7/"
    assert len(service.drafts) == 1


def test_x2_submit_refusal_restores_the_draft_and_says_why_at_the_input_step(session):
    draft = start(session)
    service = Service(Refusal("お申込みを受け付けられません。"))

    request = post(session, draft["key"])
    response = FLOW.submit(request, service, refused=[Refused(Refusal)], then=service.then.append)

    assert response["Location"] == "/flow/input/"
    assert shown(request) == ["お申込みを受け付けられません。"]
    assert FLOW.load(request) == draft  # 「戻る」 shows the input; the same key submits it again
    assert service.then == []
    retry = Service(application(9))
    assert FLOW.submit(post(session, draft["key"]), retry)["Location"] == "/flow/complete/9/"
    assert retry.drafts == [draft]


def test_x2_submit_refusal_goes_to_the_drafts_own_input_step(session):
    flow = Flow(
        "test_slots",
        restart="flow_input",
        complete="flow_complete",
        input_url=lambda draft: f"/flow/{draft['slot']}/input/",
    )
    draft = start(session, flow, {"slot": 3})

    request = post(session, draft["key"])
    response = flow.submit(request, Service(Refusal("満杯です。")), refused=[Refused(Refusal)])

    assert response["Location"] == "/flow/3/input/"
    assert shown(request) == ["満杯です。"]


def test_x2_submit_refusal_can_drop_the_draft_and_leave_the_message_to_the_input_page(session):
    draft = start(session)

    request = post(session, draft["key"])
    response = FLOW.submit(
        request,
        Service(Refusal("対象外です。")),
        refused=[Refused(Refusal, keep=False, message=None)],
    )

    assert response["Location"] == "/flow/input/"
    assert shown(request) == []
    assert FLOW.load(request) is None


def test_x2_submit_refusal_message_may_be_left_out_case_by_case(session):
    says = {"対象外です。": None, "期限切れです。": "期限切れです。"}
    for text, expected in says.items():
        draft = start(session)
        request = post(session, draft["key"])
        FLOW.submit(
            request,
            Service(Refusal(text)),
            refused=[Refused(Refusal, message=lambda error: says[error.message])],
        )
        assert shown(request) == ([expected] if expected else [])


def test_x2_submit_refusal_may_answer_with_its_own_page(session):
    draft = start(session)
    failure = Refusal("そのアカウント名は使われています。")
    answered = []

    def respond(taken, error):
        answered.append((taken, error))
        return HttpResponse("確認画面", status=200)

    request = post(session, draft["key"])
    response = FLOW.submit(request, Service(failure), refused=[Refused(Refusal, respond=respond)])

    assert response.status_code == 200
    assert response.content.decode() == "確認画面"
    assert answered == [(draft, failure)]
    assert shown(request) == []  # the page shows the error itself
    assert FLOW.load(request) == draft


def test_x2_submit_the_first_refusal_naming_the_error_answers_it(session):
    rules = [Refused(Narrower, keep=False, message=None), Refused(Refusal)]

    draft = start(session)
    request = post(session, draft["key"])
    FLOW.submit(request, Service(Narrower("処理中のお申込みがあります。")), refused=rules)
    assert (shown(request), FLOW.load(request)) == ([], None)

    draft = start(session)
    request = post(session, draft["key"])
    FLOW.submit(request, Service(Refusal("入力内容をご確認ください。")), refused=rules)
    assert (shown(request), FLOW.load(request)) == (["入力内容をご確認ください。"], draft)


def test_x2_submit_lets_an_error_no_refusal_names_propagate(session):
    draft = start(session)

    with pytest.raises(KeyError):
        FLOW.submit(
            post(session, draft["key"]), Service(KeyError("slot")), refused=[Refused(Refusal)]
        )


def test_x2_submit_without_the_pages_draft_gives_takes_response_and_submits_nothing(session):
    service = Service(application(1))

    request = post(session, "expired-key")
    response = FLOW.submit(request, service)  # no draft at all: it expired
    assert response["Location"] == "/flow/input/"
    assert shown(request) == [EXPIRED_MESSAGE]

    start(session)  # another tab started the flow again: this page's key is not its key
    request = post(session, "the-first-tabs-key")
    response = FLOW.submit(request, service)
    assert response["Location"] == CONFIRM
    assert shown(request) == [STALE_MESSAGE]
    assert service.drafts == []
