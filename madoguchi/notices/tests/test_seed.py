"""The demo notices (issue 8's demo data): one in each state, published, safe to reload."""

import pytest
from django.urls import reverse

from madoguchi.contracts.tests.pages import page_text
from madoguchi.notices.models import Notice, NoticeUpdate
from madoguchi.notices.seed import ensure_notices, ensure_products

pytestmark = pytest.mark.django_db


def test_s1_demo_notices_cover_each_state_and_reload_without_duplicates(client):
    ensure_products()
    ensure_notices()
    ensure_notices()
    states = {(n.kind, n.status, n.members_only): n for n in Notice.objects.all()}
    assert Notice.objects.count() == 5 and NoticeUpdate.objects.count() == 6
    assert set(states) == {
        ("maintenance", "scheduled", False),
        ("outage", "occurring", False),
        ("outage", "recovered", False),
        ("maintenance", "cancelled", False),
        ("maintenance", "scheduled", True),
    }
    ongoing = states["outage", "occurring", False]
    assert [u.text for u in ongoing.updates.all()] == [
        "メールの送受信がしにくい故障が発生しました。",
        "原因を調査中です。復旧の見込みは改めてお知らせします。",
    ]
    resolved = states["outage", "recovered", False]
    assert [u.status for u in resolved.updates.all()] == ["occurring", "occurring", "recovered"]
    planned = states["maintenance", "scheduled", False]
    assert planned.area == "東京都千代田区・中央区"
    # All published: four on the public list, the fifth for logged-in customers.
    text = page_text(client.get(reverse("notices:list")))
    assert "お知らせ一覧（4件）" in text
