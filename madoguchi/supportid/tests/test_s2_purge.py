"""S2: ``manage.py purge_support_ids`` deletes registrations never confirmed within
SUPPORT_ID_CONFIRM_HOURS (the address is free again) and long-expired tokens."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from madoguchi.contracts.models import User
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.supportid.tests.journeys import make_support_id

pytestmark = pytest.mark.django_db


def test_s2_purge_unconfirmed_registrations_and_expired_tokens(capsys):
    now = timezone.now()
    stale = make_support_id("stale@example.com", confirmed=False)
    fresh = make_support_id("fresh@example.com", confirmed=False)
    confirmed = make_support_id("old@example.com")
    SupportAccount.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(
        created_at=now - timedelta(hours=25)
    )
    old_token = tokens.issue(
        confirmed, MailToken.Purpose.RESET, lifetime=timedelta(hours=1), now=now - timedelta(days=3)
    )
    live_token = tokens.issue(confirmed, MailToken.Purpose.RESET, lifetime=timedelta(hours=1))

    call_command("purge_support_ids")
    assert "purged 1 unconfirmed registration(s), 1 expired token(s)" in capsys.readouterr().out
    assert set(SupportAccount.objects.values_list("email", flat=True)) == {
        "fresh@example.com",
        "old@example.com",
    }
    assert not User.objects.filter(pk=stale.user_id).exists()
    assert User.objects.filter(pk=fresh.user_id).exists()
    selectors = set(MailToken.objects.values_list("selector", flat=True))
    assert selectors == {live_token.split(".")[0]}
    assert old_token.split(".")[0] not in selectors
