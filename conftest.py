"""Personas and shared fixtures (style.md: customer, other_customer, operator)."""

import os

import pytest

from madoguchi.testing.smtp import SmtpServer

# Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Pass-123"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["madoguchi.testing.hashers.FastArgon2PasswordHasher"]
    settings.RADIUS_CRYPT_ROUNDS = 1000
    # Mail account applications are processed at once unless a test gives them a delay.
    settings.MAILBOX_PROCESSING_DELAY_SECONDS = 0
    # A notification mailing started by a test without a relay leaves its rows waiting.
    settings.DELIVERY_RELAY_PATIENCE_SECONDS = 0
    # Senders run in the test's thread (and its database transaction); workers started by
    # tests run them at the default lower priority.
    settings.DELIVERY_NICENESS = 0
    # Work runs at once in the request's thread unless a test starts real workers.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def customer(db):
    from madoguchi.contracts.tests.factories import DeskUserFactory

    return DeskUserFactory(username="customer1@biz.example.ne.jp")


@pytest.fixture
def other_customer(db):
    from madoguchi.contracts.tests.factories import DeskUserFactory

    return DeskUserFactory(username="customer2@biz.example.ne.jp")


@pytest.fixture
def ended_customer(db):
    from madoguchi.contracts.models import Contract
    from madoguchi.contracts.tests.factories import DeskUserFactory

    return DeskUserFactory(
        username="ended1@biz.example.ne.jp", contract__status=Contract.Status.ENDED
    )


@pytest.fixture
def operator(db):
    from madoguchi.contracts.tests.factories import OperatorFactory

    return OperatorFactory(username="operator1")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's mail goes to it over SMTP for the test."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.DELIVERY_SMTP_HOST = "127.0.0.1"
    settings.DELIVERY_SMTP_PORT = server.port
    yield server
    server.stop()
