"""Every page of the back office with data on it, for the tests that walk them all.

Test-only code, shared by the back office tests and the browser tests.
"""

from datetime import timedelta

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from madoguchi.alerts import services as alerts
from madoguchi.alerts.models import Destination
from madoguchi.alerts.seed import ensure_support_ids
from madoguchi.applications.mails import mail_context
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.audit.services import record_audit
from madoguchi.backoffice.site import backoffice_site
from madoguchi.backoffice.tests.mailbox_data import mailbox, submit
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.contracts.models import PhonePage
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.delivery import reports, tokens
from madoguchi.delivery.bounces import record_bounce
from madoguchi.delivery.tests.make import Status, add_progress, add_rows, make_mailing
from madoguchi.faq.tests.factories import QuestionFactory
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.seed import ensure_inquiries
from madoguchi.mailboxes.models import AccountName
from madoguchi.mailcatcher.services import store_mail
from madoguchi.notices import services as notices
from madoguchi.notices.models import Notice
from madoguchi.notices.seed import ensure_products
from madoguchi.outbox.services import enqueue_mail
from madoguchi.provisioning.models import BillingChange, RadCheck, VirtualUser
from madoguchi.provisioning.services import network_password_hash, set_radius_password
from madoguchi.throttling.models import LoginLock


def make_objects(customer, operator) -> dict:
    """One object of every model the back office shows, made as the portal makes them.

    Keyed by model label; the login accounts' page is opened for a desk credential and for
    an operator (``contracts.user`` and ``contracts.user:operator``).
    """
    phone_pages()
    box = mailbox(customer.contract, slot=1, account="everypage")
    application = submit(customer, slot=2, account="everypage2", virus_check=True)
    set_radius_password(username=customer.username, crypt_hash=network_password_hash("Abc-1234"))
    message = EmailMessage("件名", "本文", "support@example.ne.jp", ["contact@example.com"])
    mail = store_mail(
        mail_from="support@example.ne.jp",
        rcpt_to=["contact@example.com"],
        raw=message.message().as_bytes(),
    )
    entry = record_audit(
        actor=operator,
        action="contract.flags.update",
        contract=customer.contract,
        target=customer.contract.customer_number,
        before={"申込書による変更手続き中": False},
        after={"申込書による変更手続き中": True},
        ip="192.0.2.20",
    )
    user = VirtualUser.objects.get(email=box.address)
    outbox_mail = enqueue_mail(
        to=customer.contract.contact_email,
        template="application_mailbox",
        context=mail_context(application),
        reference=application.number,
    )
    # A bounce of that mail, as the bounce endpoint records one (S4).
    bounce = record_bounce(
        tokens.Target(tokens.MAIL, outbox_mail.pk),
        reports.Report(reports.HARD, outbox_mail.to, "5.1.1", "550 5.1.1 User unknown"),
        source="smtp",
        fingerprint="every-page",
    )
    lock = LoginLock.objects.create(
        scope="desk",
        kind=LoginLock.Kind.ID,
        key=customer.username,
        username=customer.username,
        locked_until=timezone.now() + timedelta(minutes=15),
    )
    cancellation = ApplicationFactory(
        submitted_by=customer,
        kind="cancellation",
        before={},
        after={
            "date": "2030-01-10",
            "reason": "価格",
            "contact_name": "コム太郎",
            "contact_email": "dummy@example.com",
            "ending": ["回線（光フレッツ IP1 ファミリータイプ）"],
        },
    )
    # 工事・故障情報 (B2): a published outage with an update and its publications.
    products = ensure_products()
    notice = notices.create_notice(
        notice=Notice(
            kind=Notice.Kind.OUTAGE,
            status=Notice.Status.OCCURRING,
            title="メールサーバーの障害",
            body="**送受信できない**状態です。\n\n- 影響：メール\n- 原因：調査中",
            area="全域",
            starts_at=timezone.now() - timedelta(hours=2),
        ),
        products=[products["mail"], products["fiber"]],
        actor=operator,
        ip="192.0.2.20",
    )
    publication = notices.publish_notice(
        notice=notice, actor=operator, ip="192.0.2.20", send_mail=True
    )
    notices.add_update(
        notice=notice,
        at=timezone.now() - timedelta(hours=1),
        status=Notice.Status.RECOVERED,
        text="メールサーバーを再起動し、復旧しました。",
        send_mail=True,
        actor=operator,
        ip="192.0.2.20",
    )
    faq_question = QuestionFactory(question="パスワードを忘れました。", answer="**回答**です。")
    ensure_inquiries()  # one answered, with a note and a reply: every part of its page
    # お客さまサポートID (S2) with settings and destinations (S3); one destination suspended,
    # so the page shows its reason and date and the 「配信再開」 button.
    support_account = ensure_support_ids()
    destinations = list(support_account.destinations.order_by("slot"))
    alerts.suspend_destination(
        destinations[1], reason=Destination.Reason.BOUNCES, actor=None, ip=None
    )
    # The publication's mailing (B2), being sent: a failure with its SMTP reply, a batch.
    mailing = make_mailing(publication)
    add_rows(mailing, 3, status=Status.SENT, record=False)
    add_rows(
        mailing,
        status=Status.FAILED,
        reply="550 5.1.1 User unknown",
        destinations=destinations[:1],
        record=False,
    )
    add_rows(mailing, 2)
    add_progress(mailing, timezone.now(), sent=3, failed=1)
    return {
        "delivery.mailing": mailing,
        "supportid.supportaccount": support_account,
        "alerts.destination": destinations[0],
        "alerts.destination:suspended": destinations[1],
        "alerts.destination:pending": destinations[2],
        "faq.category": faq_question.category,
        "faq.question": faq_question,
        "inquiries.inquiry": Inquiry.objects.get(submission_key="demo-inquiry-3"),
        "cancellation.cancellationchoice": CancellationChoice.objects.get_or_create(
            item="reason", label="その他"
        )[0],
        "cancellation.scheduledcancellation": cancellation,
        "outbox.mail": outbox_mail,
        "delivery.bounce": bounce,
        "notices.notice": notice,
        "notices.publication": publication,
        "notices.product": products["fiber"],
        "notices.serviceplan": products["fiber"].plans.first(),
        "throttling.loginlock": lock,
        "contracts.contract": customer.contract,
        "contracts.user": customer,
        "contracts.user:operator": operator,
        "contracts.phonepage": PhonePage.objects.get(topic="fault"),
        "applications.application": application,
        "audit.auditentry": entry,
        "mailcatcher.caughtmail": mail,
        "mailboxes.mailbox": box,
        "mailboxes.accountname": AccountName.objects.get(name="everypage"),
        "provisioning.radcheck": RadCheck.objects.get(username=customer.username),
        "provisioning.virtualdomain": user.domain,
        "provisioning.virtualuser": user,
        "provisioning.billingchange": BillingChange.objects.create(
            application_number="A00000001",
            customer_number=customer.contract.customer_number,
            kind="billing_card",
            values={"card_token": "tok_everypage"},
            changed_at=timezone.now(),
        ),
    }


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"backoffice:{opts.app_label}_{opts.model_name}_{view}", args=args)


def changelists() -> list[str]:
    return [admin_url(model, "changelist") for model in backoffice_site._registry]


def every_page(objects: dict) -> list[str]:
    """Each registered model's list and object pages, and the add pages there are."""
    pages = ["/backoffice/"]
    for model in backoffice_site._registry:
        label = model._meta.label_lower
        assert label in objects, f"add an object of {label} to every_page.make_objects"
        pages.append(admin_url(model, "changelist"))
        for key, obj in objects.items():
            if key.partition(":")[0] == label:
                pages.append(admin_url(model, "change", obj.pk))
    pages.append(admin_url(type(objects["contracts.user"]), "add"))
    notice = objects["notices.notice"]
    pages += [
        admin_url(type(notice), "add"),
        admin_url(type(notice), "publish", notice.pk),
        admin_url(type(notice), "status", notice.pk),
    ]
    return pages
