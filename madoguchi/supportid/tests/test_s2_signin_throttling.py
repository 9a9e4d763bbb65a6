"""S2: throttling of the support site's login (device cookies, as on the desk, D1.2) and the
time of its answers (a known address takes as long as an unknown one).

Support IDs and mailboxes count in their own scope (``SUPPORT_LOGINS``); a desk credential
typed on the support page counts in the desk's, so its lock holds on both login pages.
"""

import statistics
import time
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.services import DESK_LOGINS
from madoguchi.contracts.tests.pages import form_errors, is_logged_in, post_login
from madoguchi.contracts.views import LOCKED_OUT as DESK_LOCKED_OUT
from madoguchi.mailboxes.tests.factories import MAIL_PASSWORD
from madoguchi.supportid import backends
from madoguchi.supportid.signin import INVALID_LOGIN, SUPPORT_LOGINS
from madoguchi.supportid.tests.test_s2_signin import (
    MAILBOX_ADDRESS,
    SUPPORT_ADDRESS,
    SUPPORT_PASSWORD,
    make_mailbox,
    make_support_id,
    sign_in,
)
from madoguchi.throttling import services as throttling
from madoguchi.throttling.models import LoginFailure, LoginLock

pytestmark = pytest.mark.django_db

STRANGER = "10.6.6.6"
HOME = "10.0.2.1"
SUPPORT_LOCKED = (
    "このメールアドレスへのログインに続けて失敗したため、15分間ログインを停止しています。"
    "しばらくしてから再度お試しください。"
)


def fail(login: str, ip: str = STRANGER, times: int = 5) -> list:
    return [sign_in(Client(), login, f"wrong password {n}", ip=ip) for n in range(times)]


def known_browser(login: str, password: str) -> Client:
    """A browser that logged in on the support page (and out again): it holds a device entry."""
    browser = Client()
    assert sign_in(browser, login, password, ip=HOME).status_code == 302
    browser.post(reverse("support:logout"))
    assert not is_logged_in(browser)
    return browser


@pytest.fixture
def hashing():
    """Counts the password hashes computed: Django's (support IDs, verify or the dummy
    encode) and the mail password's (verify, or the dummy hash)."""
    hasher = type(get_hasher())
    with (
        mock.patch.object(hasher, "verify", autospec=True, side_effect=hasher.verify) as verify,
        mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode,
        mock.patch.object(
            backends, "_mail_verifier", mock.Mock(wraps=backends._mail_verifier)
        ) as mail_verifier,
        mock.patch.object(
            backends, "mail_password_hash", side_effect=backends.mail_password_hash
        ) as mail_hash,
    ):
        yield lambda: sum(m.call_count for m in (verify, encode, mail_verifier.verify, mail_hash))


@pytest.mark.parametrize("kind", ["support ID", "mailbox"])
def test_s2_five_failures_lock_the_address_but_not_the_browser_that_logged_in_before(kind):
    login, password = {
        "support ID": (SUPPORT_ADDRESS, SUPPORT_PASSWORD),
        "mailbox": (MAILBOX_ADDRESS, MAIL_PASSWORD),
    }[kind]
    make_support_id()
    make_mailbox()
    browser = known_browser(login, password)
    responses = fail(login)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert form_errors(responses[0]) == [INVALID_LOGIN]
    assert form_errors(responses[4]) == [SUPPORT_LOCKED]
    # An unknown browser: refused even with the right password, from any address.
    for ip in (STRANGER, HOME):
        response = sign_in(Client(), login, password, ip=ip)
        assert response.status_code == 429
        assert form_errors(response) == [SUPPORT_LOCKED]
    # The customer's own browser is not locked out by the stranger.
    assert sign_in(browser, login, password, ip=HOME).status_code == 302
    assert LoginLock.objects.get().scope == SUPPORT_LOGINS.name


def test_s2_an_unknown_address_is_locked_alike(db):
    """Failures count for any address: a lock does not tell that an ID exists."""
    make_support_id()
    real = fail(SUPPORT_ADDRESS)
    made_up = fail("nobody@example.org", ip="10.0.9.9")
    assert [r.status_code for r in real] == [r.status_code for r in made_up]
    assert form_errors(real[4]) == form_errors(made_up[4]) == [SUPPORT_LOCKED]


def test_s2_an_isp_address_counts_once_and_a_locked_one_costs_no_hash(db, hashing):
    """A support ID and a mailbox are tried under one address: one attempt, one failure."""
    make_mailbox()
    sign_in(Client(), MAILBOX_ADDRESS, "wrong password")
    assert LoginFailure.objects.filter(scope="support", username=MAILBOX_ADDRESS).count() == 1
    assert hashing() == 2  # the support ID's dummy and the mailbox's
    fail(MAILBOX_ADDRESS, times=4)
    before = hashing()
    response = sign_in(Client(), MAILBOX_ADDRESS, MAIL_PASSWORD)
    assert response.status_code == 429
    assert hashing() == before


def test_s2_a_desk_ids_lock_holds_on_the_support_page(client, customer, password):
    """Five failures on the desk's page lock the 認証ID on the support page too."""
    for n in range(5):
        post_login(Client(), customer.username, f"Wrong-{n}", ip=STRANGER)
    response = sign_in(client, customer.username, password)
    assert response.status_code == 429
    assert form_errors(response) == [DESK_LOCKED_OUT]
    assert not is_logged_in(client)


def test_s2_failures_on_the_support_page_lock_the_desk_id(customer, password):
    responses = fail(customer.username)
    assert responses[4].status_code == 429
    assert form_errors(responses[4]) == [DESK_LOCKED_OUT]
    assert post_login(Client(), customer.username, password).status_code == 429
    assert set(LoginFailure.objects.values_list("scope", flat=True)) == {DESK_LOGINS.name}


def test_s2_a_browser_that_logged_in_on_the_desk_keeps_its_way_in_on_both_pages(customer, password):
    browser = Client()
    assert post_login(browser, customer.username, password, ip=HOME).status_code == 302
    browser.post(reverse("desk:logout"))
    fail(customer.username)
    assert sign_in(browser, customer.username, password, ip=HOME).status_code == 302


def test_s2_scopes_count_apart(customer, password):
    """A support address's lock does not touch the desk nor other addresses, and back."""
    make_support_id()
    fail(SUPPORT_ADDRESS)
    assert post_login(Client(), customer.username, password, ip=STRANGER).status_code == 302
    assert sign_in(Client(), "other@example.org", "x", ip=STRANGER).status_code == 200
    for n in range(5):
        post_login(Client(), "someone@biz.example.ne.jp", f"Wrong-{n}", ip="10.0.7.7")
    assert LoginLock.objects.filter(scope=DESK_LOGINS.name).count() == 1
    response = sign_in(Client(), SUPPORT_ADDRESS, SUPPORT_PASSWORD, ip="10.0.7.7")
    assert response.status_code == 429  # still its own lock, nothing more
    assert form_errors(response) == [SUPPORT_LOCKED]


def test_b4_s2_operators_see_and_lift_a_support_address_lock(operator):
    make_support_id()
    fail(SUPPORT_ADDRESS)
    lock = LoginLock.objects.get()
    assert throttling.describe(lock).startswith(
        f"お客さまサポート：{SUPPORT_ADDRESS}（ログイン実績のないブラウザ）"
    )
    assert throttling.lift_locks([lock], operator=operator, ip=None) == [SUPPORT_ADDRESS]
    assert not LoginLock.objects.exists()
    assert AuditEntry.objects.filter(action="login.unlock", target=SUPPORT_ADDRESS).exists()
    assert sign_in(Client(), SUPPORT_ADDRESS, SUPPORT_PASSWORD).status_code == 302


# --- Timing: a known address answers as fast as an unknown one -------------------------------

ROUNDS = 25
# One Argon2 hash costs ~25 ms here (a missing dummy hash makes that difference); the answers'
# times may differ by a few ms at most: the median of the paired differences by 5 ms, the two
# medians (noisier on a busy machine: both slow down alike) by 5 ms or a tenth.
TOLERANCE_SECONDS = 0.005


def assert_alike(timing: dict) -> None:
    assert abs(timing["difference"]) < TOLERANCE_SECONDS, timing
    spread = max(TOLERANCE_SECONDS, timing["known"] / 10)
    assert abs(timing["known"] - timing["unknown"]) < spread, timing


def _timed(client: Client, login: str, password: str) -> float:
    """The CPU time of one login POST in this process (where the hashing runs): unlike the
    wall clock, it does not count the time other processes on the machine take."""
    started = time.process_time()
    response = sign_in(client, login, password)
    spent = time.process_time() - started
    assert response.status_code == 200 and form_errors(response) == [INVALID_LOGIN]
    return spent


def _timing(client: Client, known: tuple[str, str], unknown: tuple[str, str]) -> dict:
    """The median time of each, and the median of their differences, measured in pairs
    whose order alternates (so drifts of the machine hit both alike)."""
    _timed(client, *known), _timed(client, *unknown)  # warm up: caches, first queries
    times = {"known": [], "unknown": []}
    differences = []
    for n in range(ROUNDS):
        if n % 2:
            unknown_time, known_time = _timed(client, *unknown), _timed(client, *known)
        else:
            known_time, unknown_time = _timed(client, *known), _timed(client, *unknown)
        times["known"].append(known_time)
        times["unknown"].append(unknown_time)
        differences.append(known_time - unknown_time)
    return {
        "known": statistics.median(times["known"]),
        "unknown": statistics.median(times["unknown"]),
        "difference": statistics.median(differences),
    }


@pytest.fixture
def real_hashing(settings):
    """The product's Argon2 parameters (not the tests' fast hasher), and no lock to stop the
    hashing halfway through the measurement."""
    settings.PASSWORD_HASHERS = ["madoguchi.contracts.hashers.OwaspArgon2PasswordHasher"]
    settings.LOGIN_FAILURE_LIMIT = 10_000
    settings.LOGIN_DEVICE_FAILURE_LIMIT = 10_000
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10_000


def test_s2_a_known_support_id_answers_as_fast_as_an_unknown_address(client, real_hashing):
    """S2, no enumeration: a registered address with a wrong password takes as long as an
    address without an ID (the backend hashes once for the unknown one)."""
    make_support_id()
    assert get_hasher().algorithm == "argon2" and get_hasher().memory_cost == 19 * 1024
    timing = _timing(
        client,
        known=(SUPPORT_ADDRESS, "wrong password"),
        unknown=("hanako.suzuki@example.com", "wrong password"),
    )
    assert timing["known"] > 0.01, timing  # a hash was computed: the measurement means something
    assert_alike(timing)


def test_s2_a_known_mailbox_answers_as_fast_as_an_unknown_one(client, real_hashing):
    """S2, no enumeration: an ISP address tries a support ID, then the mailbox; a mailbox
    with a wrong password takes as long as an address with neither."""
    make_mailbox()
    timing = _timing(
        client,
        known=(MAILBOX_ADDRESS, "wrongpass99"),
        unknown=("nobody@arrow.example.ne.jp", "wrongpass99"),
    )
    assert timing["known"] > 0.03, timing  # two hashes: the support ID's dummy, the mailbox's
    assert_alike(timing)
