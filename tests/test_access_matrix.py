"""Who may open what: every URL in the resolver, for every role, against a written matrix.

The test walks ``get_resolver()`` (the desk, the public pages and every back office page,
including each admin model's pages), fills the URL parameters with real objects, and for
each role compares the response with ``MATRIX``. A URL pattern that the matrix does not
list fails the test, so the matrix grows with every feature: add the new pattern below,
with what each role must get.

Roles: ``anonymous``; ``customer`` (owns the objects used in URLs); ``other_customer``
(another contract: another's objects are 404); ``ended`` (a desk login whose contract ended
while its session was open: logged out on its next desk request, D1.3); the support site's
other logins (S2): ``support_id`` (owns the destinations in URLs), ``other_support_id`` (another
ID's destinations are 404) and ``mailbox`` (an ISP mailbox of the customer's contract); and one
operator per back office role (B5): ``etsuran`` (閲覧), ``uketsuke`` (受付), ``kanrisha`` (管理者).
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from madoguchi.applications.mails import mail_context
from madoguchi.applications.services import confirmation_token
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, KANRISHA, UKETSUKE
from madoguchi.billing import services as billing
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.contracts.models import Contract, User
from madoguchi.contracts.tests.factories import DeskUserFactory, OperatorFactory, phone_pages
from madoguchi.delivery import reports, tokens
from madoguchi.delivery.bounces import record_bounce
from madoguchi.delivery.tests.make import Status, add_rows, make_mailing
from madoguchi.faq.tests.factories import QuestionFactory
from madoguchi.inquiries.services import submit_inquiry
from madoguchi.mailboxes.models import AccountName
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.mailcatcher.models import CaughtMail
from madoguchi.notices import services as notices
from madoguchi.notices.models import Notice, Product
from madoguchi.notices.seed import ensure_products
from madoguchi.notices.tests.make import make_notice
from madoguchi.outbox.services import enqueue_mail
from madoguchi.payments.providers import Card
from madoguchi.payments.services import submit_card_change
from madoguchi.provisioning.models import BillingChange, RadCheck, VirtualUser
from madoguchi.supportid.backends import mailbox_username
from madoguchi.supportid.models import SupportAccount
from madoguchi.supportid.tests.admin_data import make_account, make_destination
from madoguchi.throttling.models import LoginLock

MATRIX_SUPPORT_ID = "matrix-support@example.com"
MAILBOX_BACKEND = "madoguchi.supportid.backends.MailboxBackend"
OPERATORS = ("etsuran", "uketsuke", "kanrisha")  # 閲覧, 受付, 管理者 (B5), lowest first
# Support-site logins (S2): a support ID (owns the destination in URLs), another support ID
# (another's destination is 404), and an ISP mailbox login of the customer's contract.
SUPPORT_LOGINS = ("support_id", "other_support_id", "mailbox")
ROLES = ("anonymous", "customer", "other_customer", "ended", *SUPPORT_LOGINS, *OPERATORS)
# The number of checks may only grow (issue 2 made 380, issue 3 590, issue 6 903, issue 9 3230).
FLOOR = 3230


# --- outcomes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect to ``to``; ``next`` adds ``?next=<the URL asked for>``."""

    to: str
    next: bool = False
    logged_out: bool = False  # and the session no longer holds a login

    def __str__(self) -> str:
        suffix = ("?next=…" if self.next else "") + (" (logged out)" if self.logged_out else "")
        return f"→ {self.to}{suffix}"


DESK_LOGIN = Redirect("/desk/login/", next=True)  # LoginRequiredMiddleware
BO_LOGIN = Redirect("/backoffice/login/", next=True)  # the back office's own login
LOGGED_OUT = Redirect("/desk/login/", logged_out=True)  # desk_login_required, D1.3
TO_STATUS = Redirect("/desk/")
TO_MAIL_LIST = Redirect("/desk/mail/")
TO_SUPPORT = Redirect("/support/")
TO_MYMENU = Redirect("/support/mymenu/")
TO_INQUIRY = Redirect("/support/inquiry/")


def each(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


def desk_page(customer=200, other_customer=None, post=None, other_post=None) -> dict:
    """A desk page: desk logins only; operators are refused; ended contracts logged out;
    a support-site login (support ID, mailbox) goes to the desk's login to switch (S2).

    ``other_customer``/``other_post`` default to the customer's outcomes.
    """
    roles = {
        "anonymous": DESK_LOGIN,
        "customer": customer,
        "other_customer": customer if other_customer is None else other_customer,
        "ended": LOGGED_OUT,
        **dict.fromkeys(SUPPORT_LOGINS, DESK_LOGIN),
        **dict.fromkeys(OPERATORS, 403),
    }
    row = {"GET": roles}
    if post is not None:
        other = post if other_post is None else other_post
        row["POST"] = {**roles, "customer": post, "other_customer": other}
    return row


SUPPORT_LOGIN = Redirect("/support/login/", next=True)  # support_login_required
TO_DESTINATIONS = Redirect("/support/mymenu/mail/destinations/")
CUSTOMER_ROLES = ("customer", "other_customer", *SUPPORT_LOGINS)


def support_page(**outcomes) -> dict:
    """A page of the support site behind its login: anonymous visitors log in there; those
    who are no customers (operators, an ended contract's login) get 404; ``outcomes`` give
    the customer logins' answers."""
    return {**each(404), "anonymous": SUPPORT_LOGIN, **outcomes}


def support_id_page(outcome=200, *, other_support_id=None) -> dict:
    """A support ID's own page (S2, S3): only support IDs; every other login gets 404."""
    other = outcome if other_support_id is None else other_support_id
    return support_page(support_id=outcome, other_support_id=other)


def for_operators(outcome, least: str) -> dict:
    """``outcome`` for the role ``least`` and those above it; 403 for the roles below (B5)."""
    allowed = OPERATORS[OPERATORS.index(least) :]
    return {role: outcome if role in allowed else 403 for role in OPERATORS}


def backoffice(operator, post=None, *, least="etsuran", post_least=None) -> dict:
    """A back office page: operators only, everyone else to the back office login.

    Operators of the role ``least`` and above get ``operator`` (``post`` for a POST, from the
    role ``post_least``, by default ``least``); the roles below get the 403 page.
    """
    row = {"GET": {**each(BO_LOGIN), **for_operators(operator, least)}}
    if post is not None:
        row["POST"] = {**each(BO_LOGIN), **for_operators(post, post_least or least)}
    return row


def admin_model(
    label: str,
    *,
    add=403,
    change=200,
    delete=403,
    change_post=None,
    least="etsuran",
    add_least="kanrisha",
    change_least="kanrisha",
    extra=None,
) -> dict:
    """The six URL patterns Django's ModelAdmin makes for ``app_model``.

    Roles from ``least`` see the list, the history and the object's page; ``change_post``
    is what an empty POST to that page gets from the role ``change_least`` up.
    """
    app, model = label.split("_", 1)
    rows = {
        f"backoffice:{label}_changelist": backoffice(200, least=least),
        f"backoffice:{label}_add": backoffice(add, least=add_least if add != 403 else least),
        f"backoffice:{label}_history": backoffice(200, least=least),
        f"backoffice:{label}_delete": backoffice(delete, least=least),
        f"backoffice:{label}_change": backoffice(
            change, post=change_post or 403, least=least, post_least=change_least
        ),
        # The old change URL redirects to the change page (which checks the role).
        f"backoffice/{app}/{model}/<path:object_id>/": backoffice(
            Redirect(f"/backoffice/{app}/{model}/{{object_id}}/change/")
        ),
    }
    rows.update(extra or {})
    return rows


# --- the matrix ---------------------------------------------------------------------------
# Key: the URL name, or the full route for an unnamed pattern.
# Value: {method: {role: outcome}}, outcome = status code or Redirect.

MATRIX: dict[str, dict[str, dict]] = {
    # Public.
    "landing": {"GET": each(200)},
    "desk:login": {
        "GET": {
            **each(200),
            "customer": TO_STATUS,
            "other_customer": TO_STATUS,
            "ended": TO_STATUS,
        },
        # An empty form: errors for visitors; a logged-in customer is sent home.
        "POST": {
            **each(200),
            "customer": TO_STATUS,
            "other_customer": TO_STATUS,
            "ended": TO_STATUS,
        },
    },
    "desk:logout": {
        "GET": {**each(405), "anonymous": DESK_LOGIN},
        "POST": {**each(Redirect("/desk/login/", logged_out=True)), "anonymous": DESK_LOGIN},
    },
    # The support site (S1): public pages; its own login accepts a desk credential (S2).
    "support:top": {"GET": each(200)},
    "support:environment": {"GET": each(200)},
    # A live desk login goes on to マイメニュー; an ended contract's may log in anew.
    "support:login": {
        "GET": {**each(200), **dict.fromkeys(("customer", "other_customer"), TO_MYMENU)},
        "POST": {**each(200), **dict.fromkeys(("customer", "other_customer"), TO_MYMENU)},
    },
    "support:logout": {
        "GET": each(405),
        "POST": each(Redirect("/support/", logged_out=True)),
    },
    # お客さまサポートID (S2): registration and the forgotten-password and ID pages are public
    # (a login may use them too); the mailed links' pages answer a bad token with a clear
    # 400 page for everyone.
    "supportid:register": {"GET": each(200), "POST": each(200)},
    "supportid:register_done": {"GET": each(200), "POST": each(405)},
    "supportid:confirm": {"GET": each(400), "POST": each(400)},
    "supportid:password_forgot": {"GET": each(200), "POST": each(200)},
    "supportid:password_reset": {"GET": each(400), "POST": each(400)},
    "supportid:id_reminder": {"GET": each(200), "POST": each(200)},
    # マイメニュー: every customer login of the support site (S2); operators are no customers.
    "supportid:mymenu": {
        "GET": support_page(**dict.fromkeys(CUSTOMER_ROLES, 200)),
        "POST": support_page(**dict.fromkeys(CUSTOMER_ROLES, 405)),
    },
    # A support ID's own pages (S2): a desk or mailbox login has none (404).
    "supportid:account": {"GET": support_id_page(), "POST": support_id_page(405)},
    "supportid:password_change": {"GET": support_id_page(), "POST": support_id_page()},
    "supportid:withdraw": {"GET": support_id_page(), "POST": support_id_page()},
    # 工事・故障情報メール (S3): a support ID's own settings; another ID's destination is 404.
    "alerts:settings": {"GET": support_id_page(), "POST": support_id_page()},
    "alerts:destinations": {"GET": support_id_page(), "POST": support_id_page()},
    "alerts:destination_delete": {
        "GET": support_id_page(other_support_id=404),
        "POST": support_id_page(
            Redirect("/support/mymenu/mail/destinations/"), other_support_id=404
        ),
    },
    # POST only (GET is 405 before the destination is looked up); the suspended destination.
    "alerts:destination_resume": {
        "GET": support_id_page(405),
        "POST": support_id_page(
            Redirect("/support/mymenu/mail/destinations/"), other_support_id=404
        ),
    },
    # S4 「工事情報の配信を再開」: POST only; an empty POST names no kind (a message, back to
    # the list).
    "alerts:destination_restart_kind": {
        "GET": support_id_page(405),
        "POST": support_id_page(
            Redirect("/support/mymenu/mail/destinations/"), other_support_id=404
        ),
    },
    # S4: the one-click unsubscribe of a mail (RFC 8058): no login, no cookies, no CSRF
    # token; a token that was never issued is the Japanese 404 page for everyone.
    "delivery:unsubscribe": {"GET": each(404), "POST": each(404)},
    # S4: bounce events POSTed by a relay (bearer token): absent while BOUNCE_WEBHOOK_TOKEN
    # is empty, as here; tests/delivery's test_s4_bounce_webhook covers it switched on.
    "delivery:bounce_webhook": {"GET": each(404), "POST": each(404)},
    "alerts:destination_confirm": {"GET": each(400), "POST": each(400)},
    "alerts:resume": {"GET": each(400), "POST": each(400)},
    "faq:index": {"GET": each(200)},
    "faq:question": {"GET": each(200)},  # a published question (an unpublished one is 404)
    "notices:list": {"GET": each(200)},
    # The 工事・故障情報 feeds (S1): public, the same for everyone (a feed reader has no login).
    "notices:atom": {"GET": each(200)},
    "notices:atom_product": {"GET": each(200)},
    "notices:ical": {"GET": each(200)},
    "notices:ical_product": {"GET": each(200)},
    "notices:detail": {"GET": each(200)},  # a public notice (members-only: see below)
    # お問い合わせ (S5): open to everyone; an empty POST gets the form's messages; no draft:
    # back to the input step; the completion page only for the browser that sent it.
    "inquiries:input": {"GET": each(200), "POST": each(200)},
    "inquiries:confirm": {"GET": each(TO_INQUIRY), "POST": each(TO_INQUIRY)},
    "inquiries:complete": {"GET": each(404)},
    # The desk (D1–D3, D7).
    "desk:status": desk_page(),
    "desk:password": desk_page(post=200),  # an empty POST: the form with its messages
    "desk:password_confirm": desk_page(
        customer=Redirect("/desk/password/"),  # no draft: back to the input step
        post=Redirect("/desk/password/"),
    ),
    "desk:password_complete": desk_page(customer=200, other_customer=404),
    "desk:phone": desk_page(),
    # ご請求関連 (D6.2, D6.3). An empty POST: the form with its messages.
    "desk:billing": desk_page(),
    "desk:billing_address": desk_page(post=200),
    "desk:billing_postal_lookup": desk_page(),
    "desk:billing_address_confirm": desk_page(
        customer=Redirect("/desk/billing/address/"),  # no draft: back to the input step
        post=Redirect("/desk/billing/address/"),
    ),
    "desk:billing_address_complete": desk_page(customer=200, other_customer=404),
    "desk:billing_notice": desk_page(post=200),
    "desk:billing_notice_confirm": desk_page(
        customer=Redirect("/desk/billing/notice/"), post=Redirect("/desk/billing/notice/")
    ),
    "desk:billing_notice_complete": desk_page(customer=200, other_customer=404),
    # The mailed link that confirms an address an application names: whoever reads that
    # mailbox, no login (X3). Only shown here: its POST confirms.
    "applications:confirm": {"GET": each(200)},
    # 担当者連絡先 (D6.4): an empty POST gets the form's messages; no draft: back to the input.
    "contacts:input": desk_page(post=200),
    "contacts:confirm": desk_page(
        customer=Redirect("/desk/contact-person/"), post=Redirect("/desk/contact-person/")
    ),
    "contacts:complete": desk_page(customer=200, other_customer=404),
    # お支払い方法（クレジットカードへ） (D6.1). An empty POST: the card form with its message.
    "payments:card": desk_page(post=200),
    "payments:card_confirm": desk_page(
        customer=Redirect("/desk/billing/card/"),  # no draft: back to the input step
        post=Redirect("/desk/billing/card/"),
    ),
    "payments:card_complete": desk_page(customer=200, other_customer=404),
    # The demo payment provider's API: anyone may call it (no session, no CSRF); an empty
    # POST is a bad request.
    "demopay:tokens": {"GET": each(405), "POST": each(400)},
    # ご契約の廃止申込み (D5): an empty POST gets the form's messages; no draft: back to the
    # input step; the customer's cancellation application (another contract's is 404).
    "cancellation:input": desk_page(post=200),
    "cancellation:confirm": desk_page(
        customer=Redirect("/desk/cancellation/"), post=Redirect("/desk/cancellation/")
    ),
    "cancellation:complete": desk_page(customer=200, other_customer=404),
    # メールアカウントおよびウイルスチェック (D4). The slot in URLs is 1: the customer's
    # account 01; the other customer's slot 1 is their own, and empty (slots are per contract).
    "mailboxes:list": desk_page(),
    "mailboxes:characters": desk_page(),
    # An empty POST: the pattern message for the customer; nothing to change for the other.
    "mailboxes:change": desk_page(
        customer=200, other_customer=TO_MAIL_LIST, post=200, other_post=TO_MAIL_LIST
    ),
    # Slot 1 is taken for the customer (back to the list); empty for the other (the form).
    "mailboxes:add": desk_page(
        customer=TO_MAIL_LIST, other_customer=200, post=TO_MAIL_LIST, other_post=200
    ),
    # 「削除」 is a link: straight to the confirm step; the other has no account 01.
    "mailboxes:delete": desk_page(
        customer=Redirect("/desk/mail/confirm/"), other_customer=TO_MAIL_LIST, post=405
    ),
    # Nothing pending on slot 1: back to the list (with a message).
    "mailboxes:cancel": desk_page(customer=TO_MAIL_LIST, post=TO_MAIL_LIST),
    # No draft: back to the list.
    "mailboxes:terms": desk_page(customer=TO_MAIL_LIST, post=TO_MAIL_LIST),
    "mailboxes:confirm": desk_page(customer=TO_MAIL_LIST, post=TO_MAIL_LIST),
    # The customer's pending mailbox application: another contract's is 404.
    "mailboxes:complete": desk_page(customer=200, other_customer=404),
    # The back office (Django admin): its own login, operators only.
    "backoffice:index": backoffice(200),
    "backoffice:login": {
        "GET": {**each(200), **dict.fromkeys(OPERATORS, Redirect("/backoffice/"))},
        "POST": each(200),  # an empty form: its messages, even for an operator
    },
    "backoffice:logout": {
        "GET": {**each(Redirect("/backoffice/")), **dict.fromkeys(OPERATORS, 405)},
        "POST": {**each(Redirect("/backoffice/")), **dict.fromkeys(OPERATORS, 200)},
    },
    "backoffice:password_change": backoffice(200),
    "backoffice:password_change_done": backoffice(200),
    "backoffice:autocomplete": backoffice(403),  # needs its query parameters
    "backoffice:jsi18n": backoffice(200),
    "backoffice:view_on_site": backoffice(404),  # no model has a public page
    "backoffice:app_list": backoffice(200),  # ご契約: every role sees contracts
    "backoffice/(?P<url>.*)$": backoffice(404),  # any other back office URL
    # Contracts come from the ISP's systems: no add, no delete. Every role reads them; the
    # flags are 管理者's (an empty POST clears both and goes back to the list).
    **admin_model(
        "contracts_contract",
        change_post=Redirect("/backoffice/contracts/contract/"),
        extra={
            # B4: the 「ログインロック解除」 button posts here (受付 and up).
            "backoffice:contracts_contract_unlock": backoffice(
                405,
                post=Redirect("/backoffice/contracts/contract/{object_id}/change/"),
                post_least="uketsuke",
            ),
        },
    ),
    # Login accounts (受付 and up, who unlock logins there; 管理者 adds operators): the
    # object is the customer's desk login, which operators may see but neither edit, delete
    # nor give a password (the customer changes it on the desk, D3).
    **admin_model(
        "contracts_user",
        add=200,
        least="uketsuke",
        change_least="uketsuke",  # 403 for every role: a desk login is never edited here
        extra={"backoffice:auth_user_password_change": backoffice(403)},
    ),
    # The phone pages' text: 管理者 edits it (an empty POST gets the form's messages).
    **admin_model("contracts_phonepage", change_post=200),
    **admin_model(
        "applications_application",
        extra={
            # B1 「処理する」: a POST that carries the application out, back to its page.
            "backoffice:applications_application_process": backoffice(
                405,
                post=Redirect("/backoffice/applications/application/{object_id}/change/"),
                post_least="uketsuke",
            ),
            # B1 「完了にする」 (kinds carried out by hand): a POST, back to its page (an
            # automatic kind is refused there with a message).
            "backoffice:applications_application_complete": backoffice(
                405,
                post=Redirect("/backoffice/applications/application/{object_id}/change/"),
                post_least="uketsuke",
            ),
            # B1 「失敗にする」: the reason form; an empty POST gets its message.
            "backoffice:applications_application_fail": backoffice(200, post=200, least="uketsuke"),
        },
    ),
    # Mail accounts and the names in use (D4, B1): read only.
    **admin_model("mailboxes_mailbox"),
    **admin_model("mailboxes_accountname"),
    # The cancellation form's choices (D5.1): 管理者 adds and edits them (an empty POST gets
    # the form's messages); nobody deletes one (it is unticked instead).
    **admin_model("cancellation_cancellationchoice", add=200, change_post=200),
    # Scheduled cancellations by date (D5.3): read only, every role.
    **admin_model("cancellation_scheduledcancellation"),
    # What the mail system reads (P2): read only, hashes masked.
    **admin_model("provisioning_virtualdomain"),
    **admin_model("provisioning_virtualuser"),
    **admin_model("provisioning_radcheck"),
    # What the billing system reads (P3): read only.
    **admin_model("provisioning_billingchange"),
    # The audit log, the caught mails and the outbox: 受付 and up.
    **admin_model("audit_auditentry", least="uketsuke"),
    **admin_model("mailcatcher_caughtmail", least="uketsuke"),
    **admin_model("outbox_mail", least="uketsuke"),
    # The bounces, complaints and auto-replies received (S4): 受付 and up, read only.
    **admin_model("delivery_bounce", least="uketsuke"),
    # The logins locked now (D1.2): 受付 and up; its action lifts them.
    **admin_model("throttling_loginlock", least="uketsuke"),
    # 工事・故障情報 (B2): every role reads; 管理者 writes (an empty POST gets the form's
    # messages). Nobody deletes a notice (it is unpublished or 中止), a publication (a
    # record) or a product or plan (notices and publications refer to them).
    **admin_model(
        "notices_notice",
        add=200,
        change_post=200,
        extra={
            # The body's live preview: a POST (with CSRF) answering the rendered HTML.
            "backoffice:notices_notice_preview": backoffice(405, post=200, post_least="kanrisha"),
            # 「公開する」: the page with what is recorded; its POST publishes, back to the page.
            "backoffice:notices_notice_publish": backoffice(
                200,
                post=Redirect("/backoffice/notices/notice/{object_id}/change/"),
                least="kanrisha",
            ),
            # 「公開をやめる」: a POST, back to the page.
            "backoffice:notices_notice_unpublish": backoffice(
                405,
                post=Redirect("/backoffice/notices/notice/{object_id}/change/"),
                post_least="kanrisha",
            ),
            # 「状況を更新」: the form; an empty POST gets its messages.
            "backoffice:notices_notice_status": backoffice(200, post=200, least="kanrisha"),
        },
    ),
    **admin_model("notices_publication"),  # read only, every role
    **admin_model("notices_product", add=200, change_post=200),
    **admin_model("notices_serviceplan", add=200, change_post=200),
    # よくあるご質問 (B3): every role reads; 管理者 adds, edits and publishes (an empty POST
    # gets the form's messages); nothing is deleted (unpublished instead). The preview of a
    # question, published or not, is for every role.
    **admin_model("faq_category", add=200, change_post=200),
    **admin_model(
        "faq_question",
        add=200,
        change_post=200,
        extra={"backoffice:faq_question_preview": backoffice(200)},
    ),
    # お問い合わせ (S5): every role reads them; 受付 and up handle them (status and assignee,
    # internal notes, the reply): each an empty POST that gets its form's messages.
    **admin_model(
        "inquiries_inquiry",
        extra={
            f"backoffice:inquiries_inquiry_{action}": backoffice(
                405, post=200, post_least="uketsuke"
            )
            for action in ("handle", "note", "reply")
        },
    ),
    # 工事・故障情報メールの送信 (B2): every role reads each mailing's progress page and the
    # JSON it polls (a POST to either is 405: nothing is edited there); 管理者, who publishes,
    # presses 「一時停止」/「再開」: a POST that goes back to the page.
    **admin_model(
        "delivery_mailing",
        change_post=405,
        change_least="etsuran",
        extra={
            "backoffice:delivery_mailing_progress": backoffice(200, post=405),
            **{
                f"backoffice:delivery_mailing_{action}": backoffice(
                    405,
                    post=Redirect("/backoffice/delivery/mailing/{object_id}/change/"),
                    post_least="kanrisha",
                )
                for action in ("pause", "resume")
            },
        },
    ),
    # お客さまサポートID (S2): every role reads them; nobody adds, edits or deletes one here.
    **admin_model("supportid_supportaccount"),
    # Their destinations (S3): every role reads them; 受付 and up press 「配信停止」/「配信再開」,
    # a POST that goes back to the destination's page.
    **admin_model(
        "alerts_destination",
        extra={
            f"backoffice:alerts_destination_{action}": backoffice(
                405,
                post=Redirect("/backoffice/alerts/destination/{object_id}/change/"),
                post_least="uketsuke",
            )
            for action in ("suspend", "resume")
        },
    ),
}


# --- walking the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the matrix key
    route: str  # the full route, e.g. "desk/password/complete/<int:pk>/"


def routes(patterns=None, prefix: str = "", namespace: str = "") -> list[Route]:
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            found += routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            route = prefix + str(pattern.pattern)
            key = f"{namespace}{pattern.name}" if pattern.name else route
            found.append(Route(key=key, route=route))
    return found


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
ADMIN_OBJECT = re.compile(r"^backoffice/(\w+)/(\w+)/")


class Objects:
    """The objects URLs are filled with; all belong to ``customer`` where that matters."""

    def __init__(self, customer):
        self.customer = customer
        self.application = ApplicationFactory(submitted_by=customer)
        self.phone_page = phone_pages()["setup"]
        # The product of the per-product 工事・故障情報 feeds.
        self.product = Product.objects.create(code="matrix-fiber", name="マトリクス光")
        self.audit_entry = AuditEntry.objects.create(actor_name="system", action="test")
        self.radcheck = RadCheck.objects.create(
            username=customer.username, attribute="Crypt-Password", op=":=", value="$6$x"
        )
        self.caught_mail = CaughtMail.objects.create(
            mail_from="a@example.com", rcpt_to=["b@example.com"], subject="件名", raw=b"x"
        )
        # The customer's account 01 (slot 1 in desk URLs) and a pending add on slot 2.
        self.mailbox = MailboxFactory(contract=customer.contract, slot=1, account="matrixbox")
        self.virtual_user = VirtualUser.objects.get(email=self.mailbox.address)
        self.mailbox_application = submit(customer, 2, "add", account="matrixnew")
        self.contact_application = ApplicationFactory(
            submitted_by=customer,
            kind="contact_person",
            before={"name": "窓口 太郎"},
            after={"name": "窓口 花子"},
            work={},
        )
        self.mail = enqueue_mail(
            to=customer.contract.contact_email,
            template="application_mailbox",
            context=mail_context(self.mailbox_application),
            reference=self.mailbox_application.number,
        )
        self.card_application = submit_card_change(
            user=customer,
            card=Card(token="card_matrix", brand="VISA", last4="4242", expiry="12/39"),
            submission_key="matrix-card",
            ip=None,
        )
        self.billing_address = billing.submit_billing_address(
            user=customer,
            values={"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-2-3"},
            submission_key="matrix-address",
        )
        self.billing_notice = billing.submit_billing_notice(
            user=customer,
            method="mail",
            source="other",
            email="keiri@example.org",
            submission_key="matrix-notice",
            link_base="http://testserver/",
        )
        # A cancellation of the customer's (its contract is left active for the other URLs).
        self.cancellation = ApplicationFactory(
            submitted_by=customer,
            kind="cancellation",
            before={},
            after={"date": "2030-01-10", "contact_email": "matrix@example.com"},
        )
        # 工事・故障情報 (S1): a published notice anyone may read.
        self.notice = make_notice("アクセス表の工事")
        # A published notice (工事・故障情報, B2) with its publication.
        products = ensure_products()
        self.notice = notices.create_notice(
            notice=Notice(
                kind=Notice.Kind.MAINTENANCE,
                status=Notice.Status.SCHEDULED,
                title="定期工事",
                starts_at=timezone.now() + timedelta(days=7),
            ),
            products=[products["fiber"]],
            actor=None,
            ip=None,
        )
        self.publication = notices.publish_notice(
            notice=self.notice, actor=None, ip=None, send_mail=False
        )
        self.faq_question = QuestionFactory()  # published, in a published category
        self.inquiry = submit_inquiry(
            values={
                "category": "service",
                "product": None,
                "subject": "件名",
                "body": "本文",
                "name": "見本 太郎",
                "email": "matrix@example.com",
            },
            user=None,
            submission_key="matrix-inquiry",
            ip=None,
        )
        # A support ID with a destination (S2, S3), for the back office's pages.
        self.support_account = SupportAccount.objects.get(email=MATRIX_SUPPORT_ID)
        self.destination = make_destination(self.support_account, 1, "matrix-dest@example.com")
        self.suspended_destination = make_destination(
            self.support_account, 2, "matrix-stopped@example.com", status="suspended"
        )
        self.doomed_destination = make_destination(
            self.support_account, 3, "matrix-deleted@example.com"
        )
        # A mailing being sent (B2), with a row of each outcome.
        self.mailing = make_mailing()
        add_rows(self.mailing, status=Status.SENT)
        add_rows(self.mailing, status=Status.FAILED, reply="550 5.1.1 User unknown")
        add_rows(self.mailing)
        # Per admin model: the object whose pages are opened.
        self.by_model = {
            "supportid.supportaccount": self.support_account,
            "alerts.destination": self.destination,
            "faq.category": self.faq_question.category,
            "faq.question": self.faq_question,
            "contracts.contract": customer.contract,
            "contracts.user": customer,
            "contracts.phonepage": self.phone_page,
            "applications.application": self.application,
            "audit.auditentry": self.audit_entry,
            "provisioning.radcheck": self.radcheck,
            "mailcatcher.caughtmail": self.caught_mail,
            "outbox.mail": self.mail,
            "delivery.bounce": record_bounce(
                tokens.Target(tokens.MAIL, self.mail.pk),
                reports.Report(reports.HARD, self.mail.to, "5.1.1", "550 5.1.1 User unknown"),
                source="smtp",
                fingerprint="access-matrix",
            ),
            "mailboxes.mailbox": self.mailbox,
            "mailboxes.accountname": AccountName.objects.get(name="matrixbox"),
            "provisioning.virtualdomain": self.virtual_user.domain,
            "provisioning.virtualuser": self.virtual_user,
            "provisioning.billingchange": BillingChange.objects.create(
                application_number="A00000001",
                customer_number=customer.contract.customer_number,
                kind="billing_card",
                values={"card_token": "tok_matrix"},
                changed_at=timezone.now(),
            ),
            "cancellation.cancellationchoice": CancellationChoice.objects.get_or_create(
                item="reason", label="価格"
            )[0],
            "cancellation.scheduledcancellation": self.cancellation,
            "notices.notice": self.notice,
            "notices.publication": self.publication,
            "delivery.mailing": self.mailing,
            "notices.product": products["fiber"],
            "notices.serviceplan": products["fiber"].plans.first(),
            "inquiries.inquiry": self.inquiry,
            "throttling.loginlock": LoginLock.objects.create(
                scope="desk",
                kind=LoginLock.Kind.ID,
                key=customer.username,
                username=customer.username,
                locked_until=timezone.now() + timedelta(minutes=15),
            ),
        }

    def value(self, route: str, name: str) -> str:
        if name == "pk" and route.startswith("support/faq/"):
            return str(self.faq_question.pk)
        if name == "pk" and route.startswith("desk/cancellation/"):
            return str(self.cancellation.pk)
        if name == "pk" and route.startswith("desk/mail/"):  # desk/mail/complete/<int:pk>/
            return str(self.mailbox_application.pk)
        if name == "pk" and route.startswith("desk/contact-person/"):
            return str(self.contact_application.pk)
        if name == "pk" and route.startswith("desk/billing/card/"):
            return str(self.card_application.pk)
        if name == "pk" and route.startswith("desk/billing/address/"):
            return str(self.billing_address.pk)
        if name == "pk" and route.startswith("desk/billing/notice/"):
            return str(self.billing_notice.pk)
        if name == "product_code":  # support/notices/feed/<slug:product_code>.atom, …
            return self.product.code
        if name == "pk" and route.startswith("support/notices/"):
            return str(self.notice.pk)
        if name == "token" and route.startswith("support/"):
            return "matrix.not-a-token"  # the mailed links' pages: a clear 400 page for all
        if name == "pk" and route.startswith("support/mymenu/mail/"):
            # The support ID's destinations: a suspended one to resume, one to delete.
            if route.endswith("/resume/"):
                return str(self.suspended_destination.pk)
            if route.endswith("/restart/"):  # 「工事情報の配信を再開」 (S4)
                return str(self.destination.pk)
            return str(self.doomed_destination.pk)
        if name == "token":  # applications/confirm/<str:token>/
            return confirmation_token(self.billing_notice)
        if name == "pk" and route.startswith("support/inquiry/"):
            return str(self.inquiry.pk)  # sent by none of the roles' browsers
        if name == "pk":  # desk/password/complete/<int:pk>/
            return str(self.application.pk)
        if name == "slot":  # desk/mail/<int:slot>/…
            return "1"
        if name == "topic":
            return "setup"
        if name == "app_label":
            return "contracts"
        if name == "url":
            return "no-such-page/"
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(Contract).pk)
        if name == "id":  # the account password page
            return str(self.customer.pk)
        if name == "object_id":
            if route.startswith("backoffice/r/"):
                return str(self.customer.contract.pk)
            if route.endswith("/process/"):
                # 「処理する」 carries out the mailbox application; the other application
                # pages (「失敗にする」 among them) keep an accepted one, whatever the order.
                return str(self.mailbox_application.pk)
            app, model = ADMIN_OBJECT.match(route).groups()
            label = f"{app}.{model}"
            apps.get_model(label)  # a typo here is an error, not a missing object
            assert label in self.by_model, f"add an object of {label} to Objects.by_model"
            return str(self.by_model[label].pk)
        raise AssertionError(f"no value for URL parameter <{name}> in {route}")

    def url(self, route: str) -> tuple[str, dict]:
        values = {}

        def fill(match):
            name = match.group(1) or match.group(2)
            values[name] = self.value(route, name)
            return values[name]

        path = PARAMETER.sub(fill, route).replace("^", "").replace("$", "")
        return "/" + path, values


def expected_location(outcome: Redirect, url: str, values: dict) -> str:
    location = outcome.to.format(**values)
    return f"{location}?next={url}" if outcome.next else location


# --- the test -----------------------------------------------------------------------------


@pytest.fixture
def people(db):
    customer = DeskUserFactory(username="matrix1@biz.example.ne.jp")
    other = DeskUserFactory(username="matrix2@biz.example.ne.jp")
    ended = DeskUserFactory(username="matrix3@biz.example.ne.jp")
    # The ended contract's session was opened before its contract ended.
    Contract.objects.filter(pk=ended.contract_id).update(status=Contract.Status.ENDED)
    return {
        "anonymous": None,
        "customer": customer,
        "other_customer": other,
        "ended": ended,
        "support_id": make_account(MATRIX_SUPPORT_ID).user,
        "other_support_id": make_account("matrix-other-support@example.com").user,
        # The mailbox Objects gives the customer's contract (slot 1, "matrixbox").
        "mailbox": User.objects.create(
            username=mailbox_username("matrixbox@arrow.example.ne.jp"),
            kind=User.Kind.MAILBOX,
            contract=customer.contract,
        ),
        "etsuran": OperatorFactory(username="matrix-etsuran", role=ETSURAN),
        "uketsuke": OperatorFactory(username="matrix-uketsuke", role=UKETSUKE),
        "kanrisha": OperatorFactory(username="matrix-kanrisha", role=KANRISHA),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        # A mailbox login's session is kept by its own backend (while the mailbox exists).
        backend = MAILBOX_BACKEND if user.kind == User.Kind.MAILBOX else None
        client.force_login(user, backend=backend)
    return client


def test_access_matrix_covers_every_url_pattern():
    keys = [route.key for route in routes()]
    assert len(keys) == len(set(keys)), "two patterns share a matrix key"
    missing = sorted(set(keys) - set(MATRIX))
    assert not missing, f"URL patterns missing from the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(keys))
    assert not stale, f"matrix rows for URL patterns that no longer exist: {stale}"
    for key, row in MATRIX.items():
        assert "GET" in row, key
        for method, cells in row.items():
            assert set(cells) == set(ROLES), (key, method)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(people, capsys, role):
    """Issue 2: every URL, as each role (one test per role, so that the roles run in
    parallel and one role's changes never meet another's), against MATRIX."""
    objects = Objects(people["customer"])
    failures = []
    checks = 0
    for route in routes():
        row = MATRIX.get(route.key)
        assert row is not None, f"{route.key} is missing from MATRIX"
        url, values = objects.url(route.route)
        match = resolve(url)
        assert match.route == route.route or match.url_name == route.key.rpartition(":")[2], (
            url,
            route,
        )
        for method, cells in row.items():
            outcome = cells[role]
            client = client_for(people[role])
            response = client.generic(method, url)
            checks += 1
            problem = check(outcome, response, client, url, values)
            if problem:
                failures.append(f"{method} {url} as {role}: expected {outcome}, {problem}")
    with capsys.disabled():
        print(f"\naccess matrix as {role}: {checks} checks")
    assert not failures, "\n".join(failures)
    assert checks * len(ROLES) >= FLOOR


def check(outcome, response, client, url, values) -> str | None:
    status = response.status_code
    if isinstance(outcome, int):
        if status != outcome:
            return f"got {status} {response.get('Location', '')}"
        return None
    if status != 302:
        return f"got {status}"
    location = expected_location(outcome, url, values)
    if response["Location"] != location:
        return f"redirected to {response['Location']}"
    if outcome.logged_out and "_auth_user_id" in client.session:
        return "but the session is still logged in"
    return None


# A notice for logged-in customers only (S1): operators are not customers; everyone but a
# customer's login gets the 404 page, not 403. An ended contract's login is still a desk
# credential on the support site (the desk logs it out on its next desk request).
MEMBERS_ONLY_NOTICE = {
    **each(404),
    **dict.fromkeys(CUSTOMER_ROLES, 200),  # desk credentials, support IDs, mailboxes (S2)
    "ended": 404,  # a contract that ended is no longer a customer
}


@pytest.mark.django_db
def test_access_matrix_members_only_notice(people):
    notice = make_notice("会員限定の工事", members_only=True)
    MailboxFactory(contract=people["customer"].contract, slot=1, account="matrixbox")
    url = f"/support/notices/{notice.pk}/"
    assert resolve(url).view_name == "notices:detail"
    outcomes = {role: client_for(people[role]).get(url).status_code for role in ROLES}
    assert outcomes == MEMBERS_ONLY_NOTICE
