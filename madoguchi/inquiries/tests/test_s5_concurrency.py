"""S5, X2: submissions and replies at the same moment (real transactions): the limits hold,
a doubled submission or 「返信する」 makes one row and one mail."""

import pytest

from madoguchi.contracts.models import User
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.inquiries import services
from madoguchi.inquiries.models import Inquiry, InquiryReply
from madoguchi.inquiries.tests.pages import values
from madoguchi.outbox.models import Mail
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def submitting(key: str, email: str, ip: str = "198.51.100.60"):
    def call():
        return services.submit_inquiry(
            values={**values(email=email), "product": None},
            user=None,
            submission_key=key,
            ip=ip,
        )

    return call


def test_s5_a_flood_at_the_same_moment_stores_at_most_the_limit(settings, database_tasks):
    settings.INQUIRY_LIMIT_PER_CLIENT = 3
    results = run_together(*(submitting(f"key-{n}", f"u{n}@example.com") for n in range(6)))
    created = [r for r in results if isinstance(r, Inquiry)]
    assert len(created) == 3, results
    assert all(isinstance(r, services.TooManyInquiries) for r in results if r not in created)
    assert Inquiry.objects.count() == 3 and Mail.objects.count() == 3
    numbers = sorted(Inquiry.objects.values_list("number", flat=True))
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]


def test_s5_x2_the_same_draft_twice_at_once_makes_one_inquiry(database_tasks):
    results = run_together(submitting("same", "a@example.com"), submitting("same", "a@example.com"))
    created = [r for r in results if isinstance(r, Inquiry)]
    assert len(created) == 1, results
    assert [type(r) for r in results if r not in created] == [services.DuplicateInquiry]
    assert Inquiry.objects.count() == 1 and Mail.objects.count() == 1


def test_s5_x2_a_double_click_on_reply_sends_one_mail(database_tasks):
    inquiry = submitting("q", "a@example.com")()
    operator = OperatorFactory(username="reply-op")

    def replying():
        return services.send_reply(
            inquiry=Inquiry.objects.get(pk=inquiry.pk),
            body="回答です。",
            operator=User.objects.get(pk=operator.pk),
            submission_key="f" * 32,
            ip=None,
        )

    results = run_together(replying, replying)
    assert len([r for r in results if isinstance(r, InquiryReply)]) == 1, results
    assert [type(r) for r in results if not isinstance(r, InquiryReply)] == [
        services.DuplicateReply
    ]
    assert InquiryReply.objects.count() == 1
    assert Mail.objects.filter(template="inquiry_reply").count() == 1
