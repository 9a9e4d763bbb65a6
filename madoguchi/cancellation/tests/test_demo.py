"""D5.3 demo data: demo0005's cancellation is accepted and due next week; demo0001 stays
able to walk every flow (README lists both)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from madoguchi.applications import eligibility
from madoguchi.applications.models import Application
from madoguchi.cancellation.dates import is_business_day
from madoguchi.contracts.models import Contract, User

pytestmark = pytest.mark.django_db


def test_d5_3_demo_has_a_cancellation_due_next_week_and_demo0001_is_free():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent: still one cancellation
    contract = User.objects.get(username="demo0005@biz.example.ne.jp").contract
    assert contract.status == Contract.Status.CANCELLATION_ACCEPTED
    today = timezone.localdate()
    assert today + timedelta(days=7) <= contract.cancellation_date <= today + timedelta(days=14)
    assert is_business_day(contract.cancellation_date)
    (application,) = Application.objects.filter(kind="cancellation")
    assert application.contract == contract and application.is_scheduled
    assert "廃止日" in eligibility.refusal(contract, "mailbox_add").message
    demo0001 = User.objects.get(username="demo0001@biz.example.ne.jp").contract
    assert demo0001.status == Contract.Status.ACTIVE
    for kind in ("cancellation", "mailbox_add", "network_password"):
        assert eligibility.refusal(demo0001, kind) is None
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert (
        "| desk | `demo0005` @ `biz.example.ne.jp` | `Demo-123` | a contract whose cancellation"
        in readme
    )
