"""S2, S3 demo data (load_demo): the demo support ID with its settings, two confirmed
destinations and one 仮登録, as README documents; the desk credential and the ISP mailbox
that also log in to the support site exist; running load_demo again changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from argon2 import PasswordHasher
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from madoguchi.alerts.display import describe, destination_status
from madoguchi.alerts.models import AlertSettings, Destination
from madoguchi.alerts.seed import DEMO_EMAIL, DEMO_PASSWORD
from madoguchi.contracts.models import User
from madoguchi.contracts.tests.pages import post_login
from madoguchi.provisioning.models import VirtualUser
from madoguchi.supportid.models import SupportAccount

pytestmark = pytest.mark.django_db


def load_demo() -> None:
    call_command("load_demo", stdout=StringIO())


def snapshot() -> dict:
    """Every stored value of the demo support ID, its login, settings and destinations."""
    account = SupportAccount.objects.select_related("user").get(email=DEMO_EMAIL)
    alert_settings = AlertSettings.objects.get(account=account)
    return {
        "account": SupportAccount.objects.filter(pk=account.pk).values().get(),
        "user": User.objects.filter(pk=account.user_id).values().get(),
        "settings": AlertSettings.objects.filter(pk=alert_settings.pk).values().get(),
        "products": sorted(alert_settings.products.values_list("code", flat=True)),
        "destinations": list(Destination.objects.filter(account=account).values()),
        "counts": (SupportAccount.objects.count(), User.objects.count()),
    }


def test_s2_demo_support_id_is_confirmed_with_its_documented_password():
    load_demo()
    account = SupportAccount.objects.select_related("user").get(email=DEMO_EMAIL)
    assert account.name == "窓口 花子"
    assert account.birth_date.isoformat() == "1985-04-01"
    assert account.is_confirmed and account.confirmed_at <= timezone.now()
    user = account.user
    assert user.kind == User.Kind.SUPPORT and user.is_active and not user.is_staff
    assert user.username.startswith("support:") and user.email == DEMO_EMAIL
    assert user.check_password(DEMO_PASSWORD) and DEMO_PASSWORD == "Support-Demo-1"
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "| support site, http://127.0.0.1:8000/support/login/ | `support-demo@example.com`" in (
        readme
    )
    assert "| `Support-Demo-1` |" in readme
    banner = (settings.BASE_DIR / "bin" / "run-local").read_text()
    assert "support-demo@example.com / Support-Demo-1" in banner


def test_s3_demo_settings_and_destinations():
    load_demo()
    account = SupportAccount.objects.get(email=DEMO_EMAIL)
    words = describe(account.alert_settings)
    assert words.products == "光アクセス、メール"
    assert words.kinds == "工事情報・故障情報"
    assert words.window == "月〜日 0時〜24時"
    destinations = list(account.destinations.order_by("slot"))
    assert [(d.slot, d.address, destination_status(d)) for d in destinations] == [
        (1, "support-demo@example.com", "有効"),
        (2, "hanako.mobile@example.com", "有効"),
        (3, "hanako.office@example.com", "仮登録"),
    ]
    assert all(d.confirmed_at for d in destinations[:2])
    assert destinations[2].confirmed_at is None and destinations[2].suspended_at is None


def test_s2_s3_load_demo_twice_changes_nothing():
    load_demo()
    first = snapshot()
    load_demo()
    assert snapshot() == first


def test_s3_load_demo_puts_the_demo_settings_and_destinations_back():
    """After a visitor changed the demo (as on the settings page), a new start restores it:
    the settings, a deleted destination (in a free slot), and a pending destination whose
    30 minutes are over is pending from the new start."""
    load_demo()
    account = SupportAccount.objects.get(email=DEMO_EMAIL)
    AlertSettings.objects.filter(account=account).update(outage=False, weekdays=1, hours=1)
    account.alert_settings.products.clear()
    Destination.objects.filter(address="hanako.mobile@example.com").delete()
    Destination.objects.filter(address="hanako.office@example.com").update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    load_demo()
    account = SupportAccount.objects.get(email=DEMO_EMAIL)
    words = describe(account.alert_settings)
    assert (words.products, words.kinds, words.window) == (
        "光アクセス、メール",
        "工事情報・故障情報",
        "月〜日 0時〜24時",
    )
    assert {d.address: destination_status(d) for d in account.destinations.all()} == {
        "support-demo@example.com": "有効",
        "hanako.mobile@example.com": "有効",
        "hanako.office@example.com": "仮登録",
    }


def test_s3_load_demo_leaves_a_visitors_own_destinations_alone():
    """Three addresses of the visitor's own: no slot is free, nothing is added or moved."""
    load_demo()
    account = SupportAccount.objects.get(email=DEMO_EMAIL)
    Destination.objects.filter(account=account, slot__in=[2, 3]).delete()
    now = timezone.now()
    for slot in (2, 3):
        Destination.objects.create(
            account=account,
            slot=slot,
            address=f"visitor{slot}@example.net",
            status="active",
            created_at=now,
            confirmed_at=now,
        )
    load_demo()
    assert sorted(account.destinations.values_list("slot", "address")) == [
        (1, "support-demo@example.com"),
        (2, "visitor2@example.net"),
        (3, "visitor3@example.net"),
    ]


def test_s2_demo_desk_credential_and_isp_mailbox_exist_for_the_support_site_login():
    """The other two kinds of support-site login in the demo: demo0001's desk credential and
    account 01's mailbox with its mail password (its {ARGON2ID} hash in virtual_users)."""
    load_demo()
    desk = User.objects.get(username="demo0001@biz.example.ne.jp")
    assert desk.kind == User.Kind.DESK and desk.check_password("Demo-123")
    assert post_login(Client(), desk.username, "Demo-123").status_code == 302
    mailbox = VirtualUser.objects.get(email="abcdefg@arrow.example.ne.jp")
    assert mailbox.active and mailbox.password.startswith("{ARGON2ID}$argon2id$")
    assert PasswordHasher().verify(mailbox.password.removeprefix("{ARGON2ID}"), "Demo-mail-123")
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert "`abcdefg@arrow.example.ne.jp`" in readme and "`Demo-mail-123`" in readme
