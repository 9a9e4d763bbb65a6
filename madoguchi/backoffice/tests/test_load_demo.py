"""The demo data (`make run`): one back office login per role (B5), as README documents."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from madoguchi.backoffice.management.commands.load_demo import OPERATORS
from madoguchi.backoffice.roles import ETSURAN, KANRISHA, UKETSUKE, role_of
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.models import User

pytestmark = pytest.mark.django_db


def test_b5_demo_has_one_operator_per_role_documented_in_readme_and_banner():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # idempotent
    readme = (settings.BASE_DIR / "README.md").read_text()
    banner = (settings.BASE_DIR / "bin" / "run-local").read_text()
    assert [(name, role) for name, _, role in OPERATORS] == [
        ("operator", KANRISHA),
        ("uketsuke", UKETSUKE),
        ("etsuran", ETSURAN),
    ]
    for username, password, role in OPERATORS:
        account = User.objects.get(username=username)
        assert account.kind == User.Kind.OPERATOR and not account.is_superuser
        assert role_of(account) == role
        assert f"| `{username}` | `{password}` | role {role.name}" in readme
        assert f"{username} / {password}" in banner.replace("  /", " /")
        client = Client()
        response = client.post(url("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
        audit = client.get(url("audit_auditentry_changelist")).status_code
        assert audit == (403 if role == ETSURAN else 200), username
