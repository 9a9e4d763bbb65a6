"""B2, X2: 「公開する」 or 「状況を更新」 submitted twice at the same moment (a double click, two
tabs; real transactions on their own connections) records one publication."""

import pytest

from madoguchi.contracts.models import User
from madoguchi.notices import services
from madoguchi.notices.models import Notice, NoticeUpdate, Publication
from madoguchi.notices.seed import ensure_products
from madoguchi.notices.tests.test_b2_authoring import jst, make_notice
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def publishing(notice_pk: int, operator_pk: int):
    def call():
        return services.publish_notice(
            notice=Notice.objects.get(pk=notice_pk),
            actor=User.objects.get(pk=operator_pk),
            ip=None,
            send_mail=True,
        )

    return call


def updating(notice_pk: int, operator_pk: int):
    def call():
        return services.add_update(
            notice=Notice.objects.get(pk=notice_pk),
            at=jst(2030, 1, 10, 2, 5),
            status="in_progress",
            text="工事を開始しました。",
            send_mail=True,
            actor=User.objects.get(pk=operator_pk),
            ip=None,
        )

    return call


def test_b2_x2_publish_submitted_twice_at_once_records_one_publication(operator):
    notice = make_notice(ensure_products(), operator=operator)
    results = run_together(publishing(notice.pk, operator.pk), publishing(notice.pk, operator.pk))
    published = [r for r in results if isinstance(r, Publication)]
    assert len(published) == 1, results
    assert [type(r) for r in results if r not in published] == [services.NoticeRefused]
    assert Publication.objects.count() == 1


def test_b2_x2_an_update_submitted_twice_at_once_is_stored_once(operator):
    notice = make_notice(ensure_products(), operator=operator, published=True)
    results = run_together(updating(notice.pk, operator.pk), updating(notice.pk, operator.pk))
    stored = [r for r in results if isinstance(r, NoticeUpdate)]
    assert len(stored) == 1, results
    assert [type(r) for r in results if r not in stored] == [services.NoticeRefused]
    assert NoticeUpdate.objects.count() == 1
    assert Publication.objects.filter(event=Publication.Event.UPDATED).count() == 1
    notice.refresh_from_db()
    assert notice.sequence == 1  # raised once, not twice
