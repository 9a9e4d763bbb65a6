"""P1, P2 (issue 6): Debian's FreeRADIUS 3.2 and Dovecot 2.3 accept what the portal publishes.

Both servers run on loopback with the configuration files the repository ships (``deploy/``),
copied into private temporary directories with only their connection settings pointed at the
test database (SQLite file or PostgreSQL test database): the tests prove the shipped files.
``radtest`` and ``doveadm auth test`` are the clients; the Postfix maps' queries run as
Postfix runs them (``%s`` replaced by the address) against the same tables.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.backoffice.management.commands.load_demo import (
    DEMO_MAIL_PASSWORD,
    DEMO_PASSWORD,
    MAILBOXES,
)
from madoguchi.contracts.tests.factories import DeskUserFactory
from madoguchi.mailboxes.models import Mailbox
from madoguchi.mailboxes.tests.factories import submit as submit_mailbox
from madoguchi.provisioning.models import RadCheck, VirtualUser
from madoguchi.provisioning.services import (
    mail_password_hash,
    network_password_hash,
    put_mailbox,
    remove_radius_user,
    set_radius_password,
)
from madoguchi.testing.servers import (
    Dovecot,
    FreeRadius,
    create_radpostauth,
    database,
    drop_radpostauth,
    postfix_lookup,
    radpostauth,
    radpostauth_columns,
    require_packages,
)
from madoguchi.testing.tables import table_scan
from madoguchi.testing.workers import submit_password_change

pytestmark = [pytest.mark.servers, pytest.mark.django_db(transaction=True)]

ACCEPT, REJECT = "Access-Accept", "Access-Reject"
OLD = "Rad-Ol7q"  # D3.2: 6 to 8 characters
NEW = "Rd-New3x"
WRONG = "Rd-Bad9z"
MAIL_PASSWORD = "Mail-Srv-4k"
WRONG_MAIL_PASSWORD = "Mail-Bad-8w"


@pytest.fixture(scope="module")
def server_database(django_db_setup, django_db_blocker):
    """The test database, with FreeRADIUS's radpostauth created from the shipped DDL."""
    with django_db_blocker.unblock():
        db = database()
        require_packages(db["vendor"])
        create_radpostauth(db["vendor"])
    yield db
    with django_db_blocker.unblock():
        drop_radpostauth()


@pytest.fixture(scope="module")
def freeradius(server_database):
    server = FreeRadius(server_database)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dovecot(server_database):
    server = Dovecot(server_database)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def radius(freeradius):
    """The module's FreeRADIUS, its authentication log empty for this test."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM radpostauth")
    return freeradius


def test_p1_published_password_accepted_wrong_and_old_rejected_none_stored(radius, client):
    """P1: the network password the desk publishes gets Access-Accept from FreeRADIUS.

    The line starts with a published credential; a wrong password is rejected; the customer
    changes it at the desk (the application is processed and publishes the new hash); then the
    new password is accepted and the old one rejected. FreeRADIUS logged each attempt in
    radpostauth (user, reply), and no table holds any of the passwords tried.
    """
    user = DeskUserFactory(username="radius1@biz.example.ne.jp", password=OLD)
    set_radius_password(username=user.username, crypt_hash=network_password_hash(OLD))

    assert radius.reply(user.username, OLD) == ACCEPT
    assert radius.reply(user.username, WRONG) == REJECT

    client.force_login(user)
    submit_password_change(client, current=OLD, new=NEW)
    application = Application.objects.get(kind="network_password")
    assert application.status == Application.Status.DONE
    status = client.get(reverse("desk:status")).content.decode()
    assert application.number in status and "完了" in status

    assert radius.reply(user.username, NEW) == ACCEPT
    assert radius.reply(user.username, OLD) == REJECT
    assert radius.reply(user.username, WRONG) == REJECT
    assert radius.reply("nobody@biz.example.ne.jp", NEW) == REJECT
    # The realm is part of the user name: the ID alone is another (unknown) user.
    assert radius.reply("radius1", NEW) == REJECT

    assert radpostauth() == [
        (user.username, ACCEPT),
        (user.username, REJECT),
        (user.username, ACCEPT),
        (user.username, REJECT),
        (user.username, REJECT),
        ("nobody@biz.example.ne.jp", REJECT),
        ("radius1", REJECT),
    ]
    tables = table_scan()
    for secret in (OLD, NEW, WRONG):
        assert secret not in tables, f"{secret!r} found in the database"
    # The scan sees what FreeRADIUS wrote and what the portal published.
    assert "Access-Reject" in tables and RadCheck.objects.get().value in tables
    # The log has no column a password could be written to.
    assert radpostauth_columns() == ["id", "username", "reply", "authdate"]


def test_p1_freeradius_rejects_a_removed_user(radius):
    """P1: ``remove_radius_user`` (contract ended) takes the credential off the network."""
    username = "radius2@biz.example.ne.jp"
    set_radius_password(username=username, crypt_hash=network_password_hash(NEW))
    assert radius.reply(username, NEW) == ACCEPT
    assert remove_radius_user(username=username) == 1
    assert radius.reply(username, NEW) == REJECT


def test_p2_provisioned_mailbox_logs_in_deactivated_and_deleted_do_not(
    dovecot, server_database, customer
):
    """P2: a mailbox application processed by the portal gives a mailbox Dovecot accepts.

    A wrong password fails; a deactivated mailbox (active false) fails with its own password
    and is not delivered to; once the portal deletes it (a delete application), it fails too.
    Postfix's maps, with the shipped queries, deliver to the mailbox and route it through the
    content filter while it has the virus check.
    """
    vendor = server_database["vendor"]
    application = submit_mailbox(
        customer, 1, "add", account="dove1", virus_check=True, password=MAIL_PASSWORD
    )
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    email = Mailbox.objects.get(contract=customer.contract, slot=1).address
    assert email == "dove1@arrow.example.ne.jp"

    assert dovecot.authenticates(email, MAIL_PASSWORD)
    assert not dovecot.authenticates(email, WRONG_MAIL_PASSWORD)
    assert not dovecot.authenticates("dove1@dune.example.ne.jp", MAIL_PASSWORD)
    assert postfix_lookup(vendor, "virtual-domains", "arrow.example.ne.jp") == [
        "arrow.example.ne.jp"
    ]
    assert postfix_lookup(vendor, "virtual-domains", "example.com") == []
    assert postfix_lookup(vendor, "virtual-mailbox-maps", email) == ["arrow.example.ne.jp/dove1/"]
    assert postfix_lookup(vendor, "virus-check-recipients", email) == [
        "FILTER smtp-amavis:[127.0.0.1]:10024"
    ]

    VirtualUser.objects.filter(email=email).update(active=False)
    assert not dovecot.authenticates(email, MAIL_PASSWORD)
    assert postfix_lookup(vendor, "virtual-mailbox-maps", email) == []
    VirtualUser.objects.filter(email=email).update(active=True)
    assert dovecot.authenticates(email, MAIL_PASSWORD)

    deletion = submit_mailbox(customer, 1, "delete")
    deletion.refresh_from_db()
    assert deletion.status == Application.Status.DONE
    assert not VirtualUser.objects.filter(email=email).exists()
    assert not dovecot.authenticates(email, MAIL_PASSWORD)
    assert postfix_lookup(vendor, "virtual-mailbox-maps", email) == []
    assert postfix_lookup(vendor, "virus-check-recipients", email) == []
    assert MAIL_PASSWORD not in table_scan()


def test_p2_put_mailbox_without_virus_check_is_not_filtered(dovecot, server_database):
    """P2: ``put_mailbox`` with ``mail_password_hash``; no virus check, no content filter."""
    vendor = server_database["vendor"]
    email = "dove2@dune.example.ne.jp"
    put_mailbox(email=email, password_hash=mail_password_hash(MAIL_PASSWORD), virus_check=False)
    assert dovecot.authenticates(email, MAIL_PASSWORD)
    assert postfix_lookup(vendor, "virtual-mailbox-maps", email) == ["dune.example.ne.jp/dove2/"]
    assert postfix_lookup(vendor, "virus-check-recipients", email) == []


def test_p1_p2_demo_credentials_work_and_each_mailbox_has_its_own_hash(radius, dovecot, settings):
    """P1, P2: README's demo credentials log in to the real servers; the mailboxes' hashes
    differ (one Argon2id hash, with its own salt, per mailbox).

    With the product's default 100,000 SHA-512-crypt rounds, as ``make run`` loads them.
    """
    settings.RADIUS_CRYPT_ROUNDS = 100_000
    call_command("load_demo")

    assert RadCheck.objects.get(username="demo0001@biz.example.ne.jp").value.startswith(
        "$6$rounds=100000$"
    )
    assert radius.reply("demo0001@biz.example.ne.jp", DEMO_PASSWORD) == ACCEPT
    assert radius.reply("demo0001@biz.example.ne.jp", DEMO_MAIL_PASSWORD) == REJECT
    # demo0003's contract has ended: its credential was never published.
    assert radius.reply("demo0003@biz.example.ne.jp", DEMO_PASSWORD) == REJECT

    mailboxes = VirtualUser.objects.order_by("email")
    assert len(mailboxes) == len(MAILBOXES) == 6
    for mailbox in mailboxes:
        assert dovecot.authenticates(mailbox.email, DEMO_MAIL_PASSWORD), mailbox.email
    assert not dovecot.authenticates(mailboxes[0].email, DEMO_PASSWORD)
    hashes = [mailbox.password for mailbox in mailboxes]
    salts = [password.split("$")[4] for password in hashes]
    assert len(set(hashes)) == len(set(salts)) == 6
    assert all(password.startswith("{ARGON2ID}$argon2id$v=19$") for password in hashes)
