"""S2, S3: mailed links that scanners cannot burn: random, hashed, single-use, expiring."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from madoguchi.contracts.models import User
from madoguchi.supportid import tokens
from madoguchi.supportid.models import MailToken, SupportAccount
from madoguchi.testing.concurrency import run_together

Purpose = MailToken.Purpose


def make_account(email="owner@example.com") -> SupportAccount:
    user = User.objects.create_user(
        username=f"support:{email}", email=email, kind=User.Kind.SUPPORT
    )
    return SupportAccount.objects.create(
        user=user, email=email, name="窓口 花子", birth_date="1990-04-01"
    )


def use(token, purpose=Purpose.CONFIRM):
    with transaction.atomic():
        return tokens.use(token, purpose)


@pytest.mark.django_db
def test_s2_a_token_is_stored_only_as_a_digest_and_works_once():
    account = make_account()
    token = tokens.issue(account, Purpose.CONFIRM, lifetime=timedelta(hours=24))
    selector, _, verifier = token.partition(".")
    row = MailToken.objects.get()
    assert row.selector == selector and verifier not in row.verifier_digest
    assert len(verifier) >= 40  # 256 random bits
    # Looking at it (the GET of the link's page) changes nothing.
    assert tokens.peek(token, Purpose.CONFIRM).account == account
    assert tokens.peek(token, Purpose.CONFIRM).used_at is None
    assert use(token).account == account
    with pytest.raises(tokens.TokenInvalid) as used:
        use(token)
    assert used.value.reason == "used"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # verifier altered
        lambda t: "x" + t,  # selector altered
        lambda t: t.partition(".")[0],  # verifier missing
        lambda t: "",
        lambda t: t + "." * 300,
    ],
)
def test_s2_an_altered_token_is_unknown(alter):
    token = tokens.issue(make_account(), Purpose.RESET, lifetime=timedelta(hours=1))
    with pytest.raises(tokens.TokenInvalid) as invalid:
        tokens.peek(alter(token), Purpose.RESET)
    assert invalid.value.reason == "unknown"
    assert MailToken.objects.get().used_at is None


@pytest.mark.django_db
def test_s2_a_token_of_another_purpose_is_unknown_and_expired_ones_are_refused():
    account = make_account()
    reset = tokens.issue(account, Purpose.RESET, lifetime=timedelta(hours=1))
    with pytest.raises(tokens.TokenInvalid) as other:
        use(reset, Purpose.CONFIRM)
    assert other.value.reason == "unknown"
    old = tokens.issue(
        account,
        Purpose.CONFIRM,
        lifetime=timedelta(hours=1),
        now=timezone.now() - timedelta(hours=2),
    )
    with pytest.raises(tokens.TokenInvalid) as expired:
        use(old)
    assert expired.value.reason == "expired"


@pytest.mark.django_db
def test_s2_revoke_spends_the_older_tokens_and_purge_deletes_old_rows():
    account = make_account()
    first = tokens.issue(account, Purpose.CONFIRM, lifetime=timedelta(hours=24))
    assert tokens.revoke(account, Purpose.CONFIRM) == 1
    with pytest.raises(tokens.TokenInvalid):
        tokens.peek(first, Purpose.CONFIRM)
    tokens.issue(
        account,
        Purpose.CONFIRM,
        lifetime=timedelta(hours=1),
        now=timezone.now() - timedelta(days=3),
    )
    assert tokens.purge() == 1


def test_s2_use_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        tokens.use("a.b", Purpose.CONFIRM)


@pytest.mark.django_db(transaction=True)
def test_s2_one_token_posted_twice_at_once_is_used_once():
    token = tokens.issue(make_account(), Purpose.CONFIRM, lifetime=timedelta(hours=24))

    def attempt():
        try:
            return use(token).pk
        except tokens.TokenInvalid as invalid:
            return invalid.reason

    results = run_together(attempt, attempt)
    assert sorted(map(str, results)) == sorted([str(MailToken.objects.get().pk), "used"])
