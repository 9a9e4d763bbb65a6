import uuid
from datetime import datetime

import pytest
from django.urls import reverse

from madoguchi.backoffice.tests.conftest import operator_client  # noqa: F401
from madoguchi.cancellation import services
from madoguchi.cancellation.models import CancellationChoice
from madoguchi.cancellation.seed import ensure_choices
from madoguchi.testing.drafts import with_draft_token
from madoguchi.testing.workers import database_tasks, processes  # noqa: F401

# 2024-01-03 10:00 JST (a year-end holiday): the first date offered is 2024/01/11(木).
TODAY = datetime.fromisoformat("2024-01-03T10:00:00+09:00")
FIRST = "2024-01-11"
SEED_REASON = "他社へ移行（NTTグループその他）"
SEED_DETAIL = "インターネット接続（ベストエフォート型サービス）"
SEED_MIGRATION = "価格"
CONTACT_EMAIL = "dummy@example.com"


def choice(item: str, label: str) -> str:
    return str(CancellationChoice.objects.get(item=item, label=label).pk)


def form_data(**overrides) -> dict:
    """The seed's input (1.2.7 ②③), as the input page posts it."""
    data = {
        "date": FIRST,
        "reason": choice("reason", SEED_REASON),
        "reason_detail": choice("reason_detail", SEED_DETAIL),
        "detail_other": "",
        "migration_reason": choice("migration_reason", SEED_MIGRATION),
        "remarks": "",
        "contact_department": "",
        "contact_name": "コム太郎",
        "contact_phone": "0120-123-456",
        "contact_fax": "",
        "contact_email": CONTACT_EMAIL,
        "contact_email_confirm": CONTACT_EMAIL,
    }
    data.update(overrides)
    return data


def values(**overrides) -> dict:
    """The values the input step stores (choices by label)."""
    data = {
        "date": FIRST,
        "reason": SEED_REASON,
        "reason_detail": SEED_DETAIL,
        "detail_other": "",
        "migration_reason": SEED_MIGRATION,
        "remarks": "",
        "contact_department": "",
        "contact_name": "コム太郎",
        "contact_phone": "0120-123-456",
        "contact_fax": "",
        "contact_email": CONTACT_EMAIL,
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _choices(db):
    """The seed's choices (a transactional test run before may have flushed them)."""
    ensure_choices()


@pytest.fixture
def today(time_machine):
    time_machine.move_to(TODAY, tick=False)
    return TODAY


@pytest.fixture
def accept(django_capture_on_commit_callbacks):
    """Submit a cancellation as the confirm step does; its on-commit work runs."""

    def accept(user, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            application = services.submit_cancellation(
                user=user,
                values=values(**overrides),
                submission_key=uuid.uuid4().hex,
                ip="192.0.2.10",
            )
        application.refresh_from_db()
        return application

    return accept


@pytest.fixture
def walk(django_capture_on_commit_callbacks):
    """Input POST then confirm POST through the pages; returns the confirm response."""

    def walk(client, **overrides):
        response = client.post(reverse("cancellation:input"), form_data(**overrides))
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == reverse("cancellation:confirm")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("cancellation:confirm"), with_draft_token(client, "cancellation")
            )

    return walk
