import pytest

from madoguchi.alerts.tests.factories import make_product, make_support_account
from madoguchi.testing.workers import database_tasks, processes  # noqa: F401


@pytest.fixture
def account(db):
    return make_support_account("hanako@example.com")


@pytest.fixture
def other_account(db):
    return make_support_account("jiro@example.org", name="見本 次郎")


@pytest.fixture
def support_client(client, account):
    client.force_login(account.user)
    return client


@pytest.fixture
def products(db):
    """Three products in the order the 工事・故障情報 pages show them (not by creation)."""
    return {
        "mail": make_product("t-mail", "テストメール", order=20),
        "fiber": make_product("t-fiber", "テスト光アクセス", order=10),
        "hosting": make_product("t-hosting", "テストホスティング", order=30),
    }
