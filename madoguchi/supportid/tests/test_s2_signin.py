"""S2: one login page on the support site for a support ID, an ISP mailbox and a desk
credential, and one session across the support site and the desk.

Throttling and the timing of answers: test_s2_signin_throttling.py.
"""

import secrets
from datetime import date

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.access import is_customer
from madoguchi.contracts.models import Contract, User
from madoguchi.contracts.tests.bad_input import BAD_VALUES, SCRIPT
from madoguchi.contracts.tests.factories import ContractFactory
from madoguchi.contracts.tests.pages import (
    JAPANESE,
    attr,
    control,
    dom,
    field_errors,
    find_all,
    form_errors,
    is_logged_in,
    page_text,
    post_login,
)
from madoguchi.contracts.tests.pages import text as element_text
from madoguchi.mailboxes.models import Mailbox
from madoguchi.mailboxes.tests.factories import MAIL_PASSWORD, MailboxFactory
from madoguchi.notices.tests.make import make_notice
from madoguchi.provisioning.models import VirtualUser
from madoguchi.supportid.backends import MailboxBackend, SupportIdBackend
from madoguchi.supportid.models import SupportAccount
from madoguchi.supportid.signin import INVALID_LOGIN, LOGIN_LABEL, SUPPORT_LOGINS
from madoguchi.throttling.models import LoginFailure

pytestmark = pytest.mark.django_db

LOGIN = reverse("support:login")
MYMENU = reverse("supportid:mymenu")
SUPPORT_PASSWORD = "correct horse battery"
SUPPORT_ADDRESS = "taro.yamada@example.com"
MAILBOX_ADDRESS = "abcdefg@arrow.example.ne.jp"
SUPPORT_BACKEND = "madoguchi.supportid.backends.SupportIdBackend"
MAILBOX_BACKEND = "madoguchi.supportid.backends.MailboxBackend"


# --- People (shared with test_s2_signin_throttling) --------------------------------------------


def make_support_id(
    email: str = SUPPORT_ADDRESS, password: str = SUPPORT_PASSWORD, *, confirmed: bool = True
) -> SupportAccount:
    """A support ID as registration leaves it: inactive until its address is confirmed."""
    user = User(
        username=f"support:{secrets.token_hex(8)}",
        kind=User.Kind.SUPPORT,
        email=email,
        is_active=confirmed,
    )
    user.set_password(password)
    user.save()
    return SupportAccount.objects.create(
        user=user,
        email=email,
        name="山田太郎",
        birth_date=date(1980, 4, 1),
        confirmed_at=timezone.now() if confirmed else None,
    )


def make_mailbox(account: str = "abcdefg", **kwargs) -> Mailbox:
    """A provisioned ISP mailbox (portal row and ``virtual_users`` row, password MAIL_PASSWORD)."""
    return MailboxFactory(account=account, **kwargs)


def is_link(element) -> bool:
    return element.name == "a"


def sign_in(client: Client, login: str, password: str, ip: str = "127.0.0.1", query: str = ""):
    return client.post(LOGIN + query, {"login": login, "password": password}, REMOTE_ADDR=ip)


def session_user(client: Client):
    """The user the client's next request would carry (the backend's ``get_user``)."""
    request = client.get(reverse("support:top")).wsgi_request
    return get_user(request)


@pytest.fixture
def support_id(db):
    return make_support_id()


@pytest.fixture
def mailbox(db):
    return make_mailbox()


# --- The page -------------------------------------------------------------------------------


def test_s2_login_page_has_one_id_field_and_the_three_links(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    text = page_text(response)
    assert LOGIN_LABEL == "お客さまサポートID（メールアドレス）または認証ID"
    assert LOGIN_LABEL in text and "パスワード" in text
    names = {attr(e, "name") for e in find_all(dom(response), lambda e: e.name == "input")}
    assert names == {"csrfmiddlewaretoken", "login", "password"}
    links = {element_text(a): attr(a, "href") for a in find_all(dom(response), is_link)}
    assert links["パスワードを忘れました"] == reverse("supportid:password_forgot")
    assert links["IDを忘れました"] == reverse("supportid:id_reminder")
    assert links["新規登録"] == reverse("supportid:register")
    # The help names the three ways, with the realms to type after @.
    assert "xxx@arrow.example.ne.jp" in text and "biz.example.ne.jp" in text
    assert "maxlength" not in response.content.decode()


# --- Each way logs in -------------------------------------------------------------------------


def test_s2_support_id_logs_in_and_opens_mymenu(client, support_id):
    # Typed in capitals: the address is matched lower-cased.
    response = sign_in(client, "Taro.Yamada@Example.COM", SUPPORT_PASSWORD)
    assert response.status_code == 302 and response["Location"] == MYMENU
    assert client.session[BACKEND_SESSION_KEY] == SUPPORT_BACKEND
    assert session_user(client) == support_id.user
    assert response.cookies[SUPPORT_LOGINS.cookie_name].value  # the browser's device entry
    entry = AuditEntry.objects.get(action="support.login")
    assert entry.actor == support_id.user
    assert entry.after == {"ログイン方法": "お客さまサポートID"}
    assert SUPPORT_PASSWORD not in str(entry.after) + entry.target


def test_s2_support_id_typed_in_full_width_logs_in(client, support_id):
    """A Japanese input method's full-width letters and ＠ are the ASCII ones."""
    response = sign_in(client, "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", SUPPORT_PASSWORD)
    assert response.status_code == 302
    assert session_user(client) == support_id.user


def test_s2_mailbox_logs_in_with_its_mail_password(client, mailbox):
    response = sign_in(client, MAILBOX_ADDRESS, MAIL_PASSWORD)
    assert response.status_code == 302 and response["Location"] == MYMENU
    assert client.session[BACKEND_SESSION_KEY] == MAILBOX_BACKEND
    user = session_user(client)
    assert user.kind == User.Kind.MAILBOX
    assert user.username == f"mailbox:{MAILBOX_ADDRESS}"
    assert user.email == MAILBOX_ADDRESS
    assert user.contract == mailbox.contract
    assert not user.has_usable_password()  # the mail password lives in virtual_users only
    assert is_customer(user)
    entry = AuditEntry.objects.get(action="support.login")
    assert entry.contract == mailbox.contract
    assert entry.after == {"ログイン方法": "メールアドレス（プロバイダ）"}


def test_s2_a_second_mailbox_login_reuses_its_user(client, mailbox):
    assert sign_in(client, MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    assert sign_in(Client(), MAILBOX_ADDRESS.upper(), MAIL_PASSWORD).status_code == 302
    assert User.objects.filter(kind=User.Kind.MAILBOX).count() == 1


def test_s2_desk_credential_logs_in_on_the_support_page(client, customer, password):
    response = sign_in(client, customer.username, password)
    assert response.status_code == 302 and response["Location"] == MYMENU
    assert session_user(client) == customer
    # The desk's device entry: the desk's lock rules hold for it on both pages.
    assert response.cookies["madoguchi_desk_device"].value
    entry = AuditEntry.objects.get(action="support.login")
    assert entry.actor == customer and entry.contract == customer.contract
    # One session for both sites: the desk opens without a new login.
    response = client.get(reverse("desk:status"))
    assert response.status_code == 200
    assert f"{customer.contract.name}様" in page_text(response)


def test_s2_login_goes_to_next_on_this_site_only(client, support_id):
    page = reverse("notices:list")
    response = sign_in(client, SUPPORT_ADDRESS, SUPPORT_PASSWORD, query=f"?next={page}")
    assert response["Location"] == page
    other = Client()
    response = sign_in(
        other, SUPPORT_ADDRESS, SUPPORT_PASSWORD, query="?next=https://evil.example/x"
    )
    assert response["Location"] == MYMENU
    # The header's ログイン link on the login page itself asks for the login page: not again.
    response = sign_in(Client(), SUPPORT_ADDRESS, SUPPORT_PASSWORD, query=f"?next={LOGIN}")
    assert response["Location"] == MYMENU


def test_s2_a_support_id_on_an_isp_domain_is_tried_before_the_mailbox(client, mailbox):
    """Both a support ID and a mailbox may have the address: each password opens its own."""
    account = make_support_id(MAILBOX_ADDRESS)
    assert sign_in(client, MAILBOX_ADDRESS, SUPPORT_PASSWORD).status_code == 302
    assert session_user(client) == account.user
    other = Client()
    assert sign_in(other, MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    assert session_user(other).kind == User.Kind.MAILBOX


def test_s2_an_address_outside_the_isp_never_tries_a_mailbox(client, support_id):
    """Only the ISP's mail domains are mailboxes: a virtual_users row elsewhere is ignored."""
    mailbox = make_mailbox("elsewhere")
    VirtualUser.objects.filter(email=mailbox.address).update(email="someone@example.org")
    response = sign_in(client, "someone@example.org", MAIL_PASSWORD)
    assert form_errors(response) == [INVALID_LOGIN]


# --- Wrong credentials: one message --------------------------------------------------------


def _ended(mailbox: Mailbox) -> None:
    Contract.objects.filter(pk=mailbox.contract_id).update(status=Contract.Status.ENDED)


CASES = {
    "support ID, wrong password": (SUPPORT_ADDRESS, "wrong password 1"),
    "unknown address": ("hanako@example.net", SUPPORT_PASSWORD),
    "unconfirmed support ID, right password": ("jiro@example.com", SUPPORT_PASSWORD),
    "mailbox, wrong password": (MAILBOX_ADDRESS, "wrongpass99"),
    "unknown mailbox": ("nobody@arrow.example.ne.jp", MAIL_PASSWORD),
    "stopped mailbox, right password": ("stopped@arrow.example.ne.jp", MAIL_PASSWORD),
    "ended contract's mailbox, right password": ("ended@arrow.example.ne.jp", MAIL_PASSWORD),
    "mailbox unknown to the portal, right password": ("orphan@arrow.example.ne.jp", MAIL_PASSWORD),
    "desk credential, wrong password": ("customer1@biz.example.ne.jp", "Wrong-123"),
    "unknown desk credential": ("nobody@biz.example.ne.jp", "Pass-123"),
}


@pytest.fixture
def everyone(customer, support_id, mailbox):
    make_support_id("jiro@example.com", confirmed=False)
    stopped = make_mailbox("stopped")
    VirtualUser.objects.filter(email=stopped.address).update(active=False)
    _ended(make_mailbox("ended"))
    orphan = make_mailbox("orphan")
    Mailbox.objects.filter(pk=orphan.pk).delete()  # the mail system's row alone is left


def test_s2_every_wrong_login_gets_the_same_message_and_page(client, everyone):
    texts = set()
    for n, (login, password) in enumerate(CASES.values()):
        response = sign_in(client, login, password, ip=f"10.0.3.{n}")
        assert response.status_code == 200, login
        assert form_errors(response) == [INVALID_LOGIN], login
        assert field_errors(response, "login") == field_errors(response, "password") == []
        assert not is_logged_in(client), login
        # The typed ID is kept in its field, the password never.
        assert attr(control(response, "login"), "value") == login
        assert password not in response.content.decode()
        texts.add(page_text(response))
    assert len(texts) == 1  # not a hint anywhere on the page
    assert INVALID_LOGIN == "ID（メールアドレスまたは認証ID）またはパスワードが正しくありません。"
    assert not AuditEntry.objects.filter(action="support.login").exists()
    assert not User.objects.filter(kind=User.Kind.MAILBOX).exists()
    # Each counts once towards its scope's lock.
    assert LoginFailure.objects.filter(scope="support").count() == 8
    assert LoginFailure.objects.filter(scope="desk").count() == 2


def test_s2_an_ended_contracts_desk_credential_is_told_why(client, ended_customer, password):
    """D1.3 holds on the support page too: the right password of an ended contract."""
    response = sign_in(client, ended_customer.username, password)
    assert response.status_code == 200
    assert form_errors(response) == [
        "ご契約の廃止手続きが完了しているため、カスタマサポートデスクにはログインできません。"
    ]
    assert not is_logged_in(client)


# --- Bad input ------------------------------------------------------------------------------

# A password in a valid form is simply a wrong one: the generic message (as on the desk).
GENERIC = {("password", "full_width"), ("password", "html"), ("password", "sql")}


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("field", ["login", "password"])
def test_x5_s2_bad_login_input_gets_a_japanese_message_beside_the_field(
    client, support_id, field, case
):
    data = {"login": SUPPORT_ADDRESS, "password": SUPPORT_PASSWORD, field: BAD_VALUES[case]}
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()
    errors = {name: field_errors(response, name) for name in ("login", "password")}
    if (field, case) in GENERIC or (field, case) == ("password", "overlong"):
        assert form_errors(response) == [INVALID_LOGIN]
        assert errors == {"login": [], "password": []}
    else:
        assert errors[field] and all(JAPANESE.search(m) for m in errors[field]), errors
        other = "password" if field == "login" else "login"
        assert errors[other] == []
        assert LoginFailure.objects.count() == 0  # not an attempt: nothing counted
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "login",
    ["taro", "@example.com", "taro@", "taro@@", "a b@example.com", "taro@example..com"],
)
def test_x5_s2_an_id_that_is_no_address_gets_the_format_message(client, login):
    response = sign_in(client, login, SUPPORT_PASSWORD)
    assert response.status_code == 200
    (message,) = field_errors(response, "login")
    assert "メールアドレス（例：taro@example.co.jp）" in message
    assert "「認証ID@ドメイン」" in message
    assert LoginFailure.objects.count() == 0


def test_x5_s2_a_malformed_desk_id_gets_the_desks_message(client):
    response = sign_in(client, "a+b@biz.example.ne.jp", "Pass-123")
    assert field_errors(response, "login") == [
        "認証IDは半角英数字と「.」「-」「_」で入力してください。"
    ]


# --- Sessions: what each site admits --------------------------------------------------------


def test_s2_mailbox_users_contract_follows_the_mailbox(client, mailbox):
    first = mailbox.contract
    assert sign_in(client, MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    user = User.objects.get(kind=User.Kind.MAILBOX)
    assert user.contract == first
    # The address moves to another contract's mailbox: the open session ends …
    second = ContractFactory()
    Mailbox.objects.filter(pk=mailbox.pk).update(contract=second)
    assert not session_user(client).is_authenticated
    # … and the next login belongs to the new contract, with the same login row.
    assert sign_in(Client(), MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.contract == second
    assert User.objects.filter(kind=User.Kind.MAILBOX).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda: VirtualUser.objects.filter(email=MAILBOX_ADDRESS).update(active=False),
        lambda: VirtualUser.objects.filter(email=MAILBOX_ADDRESS).delete(),
        lambda: Mailbox.objects.filter(account="abcdefg").delete(),
        lambda: Contract.objects.update(status=Contract.Status.ENDED),
    ],
    ids=["stopped", "removed from the mail system", "removed from the portal", "contract ended"],
)
def test_s2_a_mailbox_session_ends_with_its_mailbox(client, mailbox, change):
    assert sign_in(client, MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    assert session_user(client).is_authenticated
    change()
    assert not session_user(client).is_authenticated


def test_s2_a_support_id_session_ends_when_the_id_stops(client, support_id):
    assert sign_in(client, SUPPORT_ADDRESS, SUPPORT_PASSWORD).status_code == 302
    User.objects.filter(pk=support_id.user_id).update(is_active=False)
    assert not session_user(client).is_authenticated


def test_s2_backends_skip_other_logins_keywords():
    """Each backend takes its own keyword: a desk login (username=) never reaches them."""
    assert SupportIdBackend().authenticate(None, password="x") is None
    assert MailboxBackend().authenticate(None, password="x") is None
    assert SupportIdBackend().get_user(0) is None and MailboxBackend().get_user(0) is None


@pytest.mark.parametrize("how", ["support ID", "mailbox"])
def test_s2_support_site_logins_get_the_desks_login_page_on_the_desk(
    client, support_id, mailbox, customer, password, how
):
    """The desk admits desk credentials only: a support ID's or a mailbox's session opening
    the desk gets its login form, and a desk login there replaces the session."""
    login, secret = {
        "support ID": (SUPPORT_ADDRESS, SUPPORT_PASSWORD),
        "mailbox": (MAILBOX_ADDRESS, MAIL_PASSWORD),
    }[how]
    assert sign_in(client, login, secret).status_code == 302
    response = client.get(reverse("desk:status"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('desk:login')}?next={reverse('desk:status')}"
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert control(response, "login_id") is not None
    # The page says why the support site's login is not enough here.
    assert "カスタマサポートデスクは、認証IDでログインしてご利用ください" in page_text(response)
    response = post_login(client, customer.username, password)
    assert response.status_code == 302
    assert session_user(client) == customer
    assert client.get(reverse("desk:status")).status_code == 200


@pytest.mark.parametrize("how", ["support ID", "mailbox"])
def test_s2_support_site_logins_are_customers_of_the_support_site(client, support_id, mailbox, how):
    """Logged in, the support site shows マイメニュー and ログアウト, and members-only notices."""
    login, secret = {
        "support ID": (SUPPORT_ADDRESS, SUPPORT_PASSWORD),
        "mailbox": (MAILBOX_ADDRESS, MAIL_PASSWORD),
    }[how]
    make_notice("会員限定の工事 千代田区", members_only=True)
    assert sign_in(client, login, secret).status_code == 302
    response = client.get(reverse("notices:list"))
    text = page_text(response)
    assert "会員限定の工事 千代田区" in text
    assert "マイメニュー" in text and "ログアウト" in text
    # The login page shows the form again, saying who is logged in (to switch logins).
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert f"現在「{login}」でログインしています。" in page_text(response)


def test_s2_a_desk_session_on_the_support_login_goes_on(customer_client):
    response = customer_client.get(f"{LOGIN}?next={reverse('notices:list')}")
    assert response.status_code == 302 and response["Location"] == reverse("notices:list")
    assert customer_client.get(LOGIN)["Location"] == MYMENU


def test_s2_an_ended_contracts_mailbox_is_no_customer(mailbox):
    user = User.objects.create(
        username=f"mailbox:{MAILBOX_ADDRESS}", kind=User.Kind.MAILBOX, contract=mailbox.contract
    )
    assert is_customer(user)
    _ended(mailbox)
    user.contract.refresh_from_db()
    assert not is_customer(user)


def test_s2_logout_on_the_support_site_ends_a_mailbox_session(client, mailbox):
    assert sign_in(client, MAILBOX_ADDRESS, MAIL_PASSWORD).status_code == 302
    response = client.post(reverse("support:logout"), follow=True)
    assert "ログアウトしました。" in page_text(response)
    assert not is_logged_in(client)
