"""B1, D4.8, X3, X7: an operator processes or fails an application by hand in the back office.

Policy proven here: an operator acts only on what a worker could claim — 受付, or 処理中
whose lease has expired. A worker's valid lease and a finished application are refused.
"""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    NotOperable,
    claim_application,
    fail_application_by_operator,
    process_application_now,
)
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.backoffice.tests.mailbox_data import PASSWORD_HASH, mailbox, submit
from madoguchi.contracts.tests.pages import attr, dom, field_errors, find_all, page_text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.services import NAME_TAKEN_REASON
from madoguchi.provisioning.models import RadCheck, VirtualUser
from madoguchi.provisioning.services import put_mailbox

pytestmark = pytest.mark.django_db

REASON = "ご契約内容の確認が必要なため、\r\nお申込みを取り消させていただきました。"
STORED_REASON = REASON.replace("\r\n", "\n")
FINISHED_MESSAGE = "で終了しているため、操作できません。"
HELD_MESSAGE = "は処理中です（処理期限"
GARBLED = "失敗理由に文字化けした文字が含まれています。入力し直してください。"


def process_url(application) -> str:
    return url("applications_application_process", application.pk)


def fail_url(application) -> str:
    return url("applications_application_fail", application.pk)


def change_url(application) -> str:
    return url("applications_application_change", application.pk)


def buttons(response) -> dict[str, bool]:
    html = response.content.decode()
    return {
        "処理する": 'value="処理する"' in html,
        "失敗にする": 'class="fail-application"' in html,
    }


def snapshot(application) -> dict:
    """What an operator's refused action must leave untouched."""
    application.refresh_from_db()
    return {
        "status": application.status,
        "attempts": application.attempts,
        "reason": application.failure_reason,
        "finished_at": application.finished_at,
        "audit": AuditEntry.objects.count(),
        "names": set(AccountName.objects.values_list("name", flat=True)),
        "mailboxes": set(Mailbox.objects.values_list("account", flat=True)),
        "virtual_users": set(VirtualUser.objects.values_list("email", flat=True)),
        "pending": set(MailboxOrder.objects.filter(pending=True).values_list("pk", flat=True)),
    }


# --- 「処理する」 ------------------------------------------------------------------------------


def test_b1_d4_8_process_now_provisions_completes_and_mails_the_customer(
    operator_client, operator, customer, smtp_server, django_capture_on_commit_callbacks
):
    application = submit(customer, account="taro.yamada", virus_check=True)
    page = operator_client.get(change_url(application))
    assert buttons(page) == {"処理する": True, "失敗にする": True}

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(process_url(application), follow=True)
    assert response.redirect_chain == [(change_url(application), 302)]
    assert f"お申込み {application.number} を処理しました（完了）。" in page_text(response)
    assert buttons(response) == {"処理する": False, "失敗にする": False}

    application.refresh_from_db()
    assert application.status == Application.Status.DONE and application.attempts == 1
    assert application.customer_status == "完了"
    # The mailbox appears in the slot, on the least-used host of the pool (D4.8).
    box = Mailbox.objects.get(contract=customer.contract, slot=1)
    assert (box.account, box.host, box.virus_check) == ("taro.yamada", "arrow.example.ne.jp", True)
    assert application.after["address"] == "taro.yamada@arrow.example.ne.jp"
    # P2: the row Postfix/Dovecot read, with the Dovecot hash only.
    user = VirtualUser.objects.get(email="taro.yamada@arrow.example.ne.jp")
    assert user.password == PASSWORD_HASH and user.password.startswith("{ARGON2ID}$argon2id$")
    assert user.virus_check and user.active and user.domain.name == "arrow.example.ne.jp"
    assert not MailboxOrder.objects.get(application=application).pending
    # The outcome mail reaches the contract's contact address over real SMTP.
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.rcpt_to == [customer.contract.contact_email]
    assert "完了しました" in received.subject and application.number in received.subject
    assert "taro.yamada@arrow.example.ne.jp" in received.text
    # X7: the operator's action is audited beside the completion itself.
    entry = AuditEntry.objects.get(action="application.mailbox_add.process")
    assert entry.actor == operator and entry.actor_name == operator.username
    assert entry.ip_address == "127.0.0.1" and entry.contract == customer.contract
    assert entry.target == application.number and entry.after == {"状態": "完了"}
    assert AuditEntry.objects.filter(action="application.mailbox_add.done").count() == 1


def test_b1_x2_second_process_click_does_nothing(
    operator_client, customer, smtp_server, django_capture_on_commit_callbacks
):
    application = submit(customer, account="jiro")
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(process_url(application))
    before = snapshot(application)
    assert before["status"] == Application.Status.DONE and len(smtp_server.received) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator_client.post(process_url(application), follow=True)
    assert response.status_code == 200
    assert f"お申込み {application.number} は「完了」{FINISHED_MESSAGE}" in page_text(response)
    assert snapshot(application) == before
    assert callbacks == [] and len(smtp_server.received) == 1
    assert Mailbox.objects.filter(account="jiro").count() == 1


def test_b1_d4_8_process_now_of_a_name_taken_meanwhile_fails_and_tells_the_customer(
    operator_client, customer, smtp_server, django_capture_on_commit_callbacks
):
    application = submit(customer, account="saburo")
    # Someone outside the portal created the address in the mail system meanwhile.
    put_mailbox(email="saburo@arrow.example.ne.jp", password_hash="{ARGON2ID}x", virus_check=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(process_url(application), follow=True)
    assert "を処理しましたが、完了できませんでした（失敗：" in page_text(response)
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == NAME_TAKEN_REASON
    assert not Mailbox.objects.exists() and not AccountName.objects.filter(name="saburo").exists()
    assert len(smtp_server.received) == 1
    assert NAME_TAKEN_REASON in smtp_server.received[0].text.replace("\n", "")


def test_b1_x3_process_now_of_an_expired_lease_carries_it_out(operator_client, operator):
    """A worker died while processing: once its lease expired, the operator may finish it."""
    application = ApplicationFactory(
        processing=True, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    radius_hash = application.work["radius_hash"]
    response = operator_client.post(process_url(application))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.DONE and application.attempts == 2
    row = RadCheck.objects.get(username=application.submitted_by.username)
    assert row.value == radius_hash
    entry = AuditEntry.objects.get(action="application.network_password.process")
    assert entry.actor == operator


def test_b1_x3_worker_held_application_is_refused(operator_client, customer):
    """A worker holds it with a valid lease: neither 「処理する」 nor 「失敗にする」 touch it."""
    application = submit(customer, account="shiro")
    claim_application(application.pk)  # a worker has started
    before = snapshot(application)
    assert before["status"] == Application.Status.PROCESSING

    page = operator_client.get(change_url(application))
    assert buttons(page) == {"処理する": False, "失敗にする": False}
    assert HELD_MESSAGE in page_text(page)
    response = operator_client.post(process_url(application), follow=True)
    assert f"お申込み {application.number} {HELD_MESSAGE}" in page_text(response)
    response = operator_client.post(fail_url(application), {"reason": "理由"}, follow=True)
    assert HELD_MESSAGE in page_text(response)
    response = operator_client.get(fail_url(application), follow=True)
    assert response.redirect_chain == [(change_url(application), 302)]
    assert snapshot(application) == before


def test_b1_x3_a_worker_claiming_first_wins_over_an_open_page(customer, operator):
    """The operator's page was loaded before the worker claimed it: the service refuses."""
    application = submit(customer, account="goro")
    stale = Application.objects.get(pk=application.pk)
    claim_application(application.pk)
    with pytest.raises(NotOperable, match="処理中です"):
        process_application_now(application=stale, operator=operator)
    stale = Application.objects.get(pk=application.pk)
    with pytest.raises(NotOperable, match="処理中です"):
        fail_application_by_operator(application=stale, operator=operator, reason="理由")
    application.refresh_from_db()
    assert application.status == Application.Status.PROCESSING and application.attempts == 1
    assert not AuditEntry.objects.filter(actor=operator).exists()


def test_b1_x3_process_now_error_leaves_it_to_the_workers(
    operator_client, customer, monkeypatch, caplog
):
    application = submit(customer, account="rokuro")

    def unreachable(**kwargs):
        raise ConnectionError("mail database unreachable")

    monkeypatch.setattr("madoguchi.provisioning.services.put_mailbox", unreachable)
    with caplog.at_level(logging.ERROR, logger="madoguchi.applications.admin"):
        response = operator_client.post(process_url(application), follow=True)
    assert "の処理中にエラーが発生しました。処理期限が過ぎると自動で再処理されます。" in page_text(
        response
    )
    assert "mail database unreachable" in caplog.text
    application.refresh_from_db()
    # Claimed and rolled back: a worker (or reconcile) takes it again once the lease expires.
    assert application.status == Application.Status.PROCESSING
    assert application.lease_expires_at > timezone.now()
    assert not Mailbox.objects.exists() and not VirtualUser.objects.exists()
    assert not AuditEntry.objects.filter(action__endswith=".process").exists()


# --- 「失敗にする」 ----------------------------------------------------------------------------


def test_b1_fail_with_reason_releases_the_name_and_mails_the_reason(
    operator_client, operator, customer, smtp_server, django_capture_on_commit_callbacks
):
    application = submit(customer, account="hanako", virus_check=False)
    form = operator_client.get(fail_url(application))
    assert form.status_code == 200
    text = page_text(form)
    assert application.number in text and customer.contract.customer_number in text
    assert customer.contract.contact_email in text and "メールアカウント追加" in text
    assert find_all(dom(form), lambda e: e.name == "textarea")

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(fail_url(application), {"reason": REASON}, follow=True)
    assert response.redirect_chain == [(change_url(application), 302)]
    assert f"お申込み {application.number} を失敗にしました。" in page_text(response)
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED and application.finished_at
    assert application.failure_reason == STORED_REASON
    assert application.customer_status == "失敗"
    # The hold is released: the name is free and the slot is no longer pending.
    order = MailboxOrder.objects.get(application=application)
    assert not order.pending and order.password_hash == ""
    assert not AccountName.objects.filter(name="hanako").exists()
    assert not Mailbox.objects.exists() and not VirtualUser.objects.exists()
    # The failure mail with the operator's reason, read from a real SMTP server.
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.rcpt_to == [customer.contract.contact_email]
    assert "完了できませんでした" in received.subject and application.number in received.subject
    assert STORED_REASON in received.text.replace("\r\n", "\n")
    # X7: who failed it, from where, and why.
    entry = AuditEntry.objects.get(action="application.mailbox_add.failed")
    assert entry.actor == operator and entry.ip_address == "127.0.0.1"
    assert entry.after == {"状態": "失敗", "理由": STORED_REASON}
    # The released name can be applied for again, and the slot too.
    assert submit(customer, account="hanako").status == Application.Status.ACCEPTED


def test_b1_fail_of_a_change_keeps_the_mailbox_as_it_was(
    operator_client, customer, django_capture_on_commit_callbacks
):
    box = mailbox(customer.contract, slot=1, account="abcdefg")
    application = submit(customer, action=MailboxOrder.Action.CHANGE, account="newname")
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(fail_url(application), {"reason": "確認が取れませんでした。"})
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    box.refresh_from_db()
    assert box.address == "abcdefg@arrow.example.ne.jp"
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg"}
    assert VirtualUser.objects.get().email == "abcdefg@arrow.example.ne.jp"
    assert mail.outbox[0].to == [customer.contract.contact_email]


def test_b1_fail_reason_of_500_characters_is_accepted(operator_client, customer):
    application = submit(customer, account="nanako")
    operator_client.post(fail_url(application), {"reason": "あ" * 500})
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert application.failure_reason == "あ" * 500


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "失敗理由を入力してください。"),
        (" \r\n\u3000 ", "失敗理由を入力してください。"),
        ("あ" * 501, "失敗理由は500文字以内で入力してください（現在 501 文字）。"),
        ("理由\x00です", "失敗理由に使用できない制御文字が含まれています。"),
        ("理由\x1bです", "失敗理由に使用できない制御文字が含まれています。"),
        ("理由\u202eです", "失敗理由に使用できない制御文字が含まれています。"),
        ("理由\ufffdです", GARBLED),
    ],
    ids=["empty", "blank", "overlong", "nul", "escape", "rtl_override", "replacement"],
)
def test_b1_x5_bad_reason_is_refused_beside_the_field(operator_client, customer, reason, message):
    application = submit(customer, account="hachiro")
    before = snapshot(application)
    response = operator_client.post(fail_url(application), {"reason": reason})
    assert response.status_code == 200
    assert field_errors(response, "reason") == [message]
    assert snapshot(application) == before
    assert before["status"] == Application.Status.ACCEPTED and "hachiro" in before["names"]
    assert mail.outbox == []


def test_b1_x5_issue6_reason_in_invalid_utf8_is_refused_not_mailed_garbled(
    operator_client, customer
):
    """Issue 6 (probe 8): bytes that are not UTF-8, as a misconfigured browser sends them,
    become U+FFFD when decoded; the reason is refused beside the field like customer input."""
    application = submit(customer, account="mojibake")
    before = snapshot(application)
    shift_jis = "理由です".encode("shift_jis")
    body = b"reason=" + b"".join(b"%%%02X" % byte for byte in shift_jis)
    response = operator_client.post(
        fail_url(application), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert field_errors(response, "reason") == [GARBLED]
    assert snapshot(application) == before
    assert mail.outbox == []


def test_b1_issue6_reason_is_not_cut_in_the_browser(operator_client, customer):
    """The server refuses an overlong reason with a message; the browser never cuts it."""
    application = submit(customer, account="longreason")
    textarea = find_all(
        dom(operator_client.get(fail_url(application))), lambda e: e.name == "textarea"
    )
    assert len(textarea) == 1 and attr(textarea[0], "maxlength") is None


def test_b1_x5_reason_is_kept_and_escaped_on_error(operator_client, customer):
    application = submit(customer, account="kuro")
    reason = "<script>alert(1)</script>" + "い" * 500
    response = operator_client.post(fail_url(application), {"reason": reason})
    assert field_errors(response, "reason")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" + "い" * 500 in html


# --- Refusals and access -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [("done", "完了"), ("failed", "失敗"), ("cancelled", "取消")],
)
def test_b1_x3_finished_applications_are_refused(operator_client, status, label):
    application = ApplicationFactory(
        status=status,
        finished_at=timezone.now(),
        failure_reason="既に失敗" if status == "failed" else "",
    )
    before = snapshot(application)
    expected = f"お申込み {application.number} は「{label}」{FINISHED_MESSAGE}"

    page = operator_client.get(change_url(application))
    assert buttons(page) == {"処理する": False, "失敗にする": False}
    assert expected not in page_text(page)  # nothing to explain on a finished one
    for response in (
        operator_client.post(process_url(application), follow=True),
        operator_client.get(fail_url(application), follow=True),
        operator_client.post(fail_url(application), {"reason": "理由"}, follow=True),
    ):
        assert response.redirect_chain == [(change_url(application), 302)]
        assert expected in page_text(response)
    assert snapshot(application) == before
    assert not RadCheck.objects.exists()


def test_b1_actions_are_post_only_and_need_the_csrf_token(operator, customer):
    application = submit(customer, account="juro")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    assert browser.get(process_url(application)).status_code == 405
    assert browser.post(process_url(application)).status_code == 403
    assert browser.post(fail_url(application), {"reason": "理由"}).status_code == 403
    # With the token from the pages, both work.
    browser.get(change_url(application))
    token = browser.cookies["csrftoken"].value
    page = browser.get(fail_url(application))
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    other = submit(customer, slot=2, account="juichi")
    assert browser.post(process_url(application), {"csrfmiddlewaretoken": token}).status_code == 302
    response = browser.post(fail_url(other), {"reason": "理由", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    application.refresh_from_db()
    other.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert other.status == Application.Status.FAILED


def test_b1_desk_customer_is_refused(customer_client, other_customer):
    application = submit(other_customer, account="gonbe")
    before = snapshot(application)
    for response in (
        customer_client.post(process_url(application)),
        customer_client.get(fail_url(application)),
        customer_client.post(fail_url(application), {"reason": "理由"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(url("login"))
    assert snapshot(application) == before


def test_b1_unknown_application_is_404(operator_client):
    assert operator_client.post(url("applications_application_process", 999999)).status_code == 404
    assert operator_client.get(url("applications_application_fail", 999999)).status_code == 404


# --- List action and pages ---------------------------------------------------------------------


def test_b1_process_selected_from_the_list(operator_client, operator, customer):
    first = submit(customer, slot=1, account="ichiro")
    second = submit(customer, slot=2, account="niro", virus_check=True)
    done = ApplicationFactory(done=True)
    response = operator_client.post(
        url("applications_application_changelist"),
        {"action": "process_selected", "_selected_action": [first.pk, second.pk, done.pk]},
        follow=True,
    )
    text = page_text(response)
    assert f"お申込み {first.number} を処理しました（完了）。" in text
    assert f"お申込み {second.number} を処理しました（完了）。" in text
    assert f"お申込み {done.number} は「完了」{FINISHED_MESSAGE}" in text
    assert set(Mailbox.objects.values_list("slot", "account")) == {(1, "ichiro"), (2, "niro")}
    assert AuditEntry.objects.filter(action__endswith=".process", actor=operator).count() == 2


def test_b1_list_shows_mailbox_kinds_and_the_customer_visible_status(
    operator_client, customer, django_assert_max_num_queries
):
    add = submit(customer, slot=1, account="alpha")
    mailbox(customer.contract, slot=2, account="beta")
    change = submit(customer, slot=2, action=MailboxOrder.Action.CHANGE, virus_check=True)
    mailbox(customer.contract, slot=3, account="gamma")
    delete = submit(customer, slot=3, action=MailboxOrder.Action.DELETE)
    network = ApplicationFactory()
    for _ in range(6):
        ApplicationFactory(done=True)
    changelist = url("applications_application_changelist")
    with django_assert_max_num_queries(13):
        response = operator_client.get(changelist)
    text = page_text(response)
    for kind in ("メールアカウント追加", "メールアカウント・ウィルスチェックサービス変更"):
        assert kind in text
    assert "お客様への表示" in text and "反映中" in text  # the network password in progress

    def listed(**params):
        result = operator_client.get(changelist, params).context["cl"].result_list
        return {application.number for application in result}

    assert listed(kind__exact="mailbox_add") == {add.number}
    assert listed(kind__exact="mailbox_change") == {change.number}
    assert listed(kind__exact="mailbox_delete") == {delete.number}
    assert listed(status__exact="accepted") == {
        add.number,
        change.number,
        delete.number,
        network.number,
    }
    # The kind filter offers every kind, the mailbox ones included.
    filters = dom(response)
    links = {attr(e, "href") for e in find_all(filters, lambda e: e.name == "a")}
    for kind in ("mailbox_add", "mailbox_change", "mailbox_delete", "network_password"):
        assert f"?kind__exact={kind}" in links


def test_b1_application_page_shows_the_mailbox_order_never_the_hash(
    operator_client, customer, django_assert_max_num_queries
):
    mailbox(customer.contract, slot=4, account="oldname", virus=False)
    application = submit(
        customer, slot=4, action=MailboxOrder.Action.CHANGE, account="newname", virus_check=True
    )
    with django_assert_max_num_queries(12):
        response = operator_client.get(change_url(application))
    assert response.status_code == 200
    text = page_text(response)
    assert "メールアカウントのお申込み内容" in text
    for value in ("04", "変更", "newname", "利用する", "oldname@arrow.example.ne.jp"):
        assert value in text, value
    html = response.content.decode()
    assert PASSWORD_HASH not in html and "argon2" not in html.lower()
    assert "ARGON2ID" not in html
    # A network password application has no mailbox table.
    other = operator_client.get(change_url(ApplicationFactory()))
    assert "メールアカウントのお申込み内容" not in page_text(other)


def test_b1_delete_order_shows_what_is_deleted(operator_client, customer):
    mailbox(customer.contract, slot=1, account="bye", virus=True)
    application = submit(customer, slot=1, action=MailboxOrder.Action.DELETE)
    text = page_text(operator_client.get(change_url(application)))
    assert "メールアカウント削除" in text and "削除" in text


def test_b1_fail_page_in_bounded_queries(operator_client, customer, django_assert_max_num_queries):
    application = submit(customer, account="queries")
    with django_assert_max_num_queries(10):
        response = operator_client.get(fail_url(application))
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = operator_client.post(fail_url(application), {"reason": ""})
    assert field_errors(response, "reason")
