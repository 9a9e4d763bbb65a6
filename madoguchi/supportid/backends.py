"""The support site's two logins besides a desk credential (S2): a support ID, an ISP mailbox.

Each backend takes its own keyword (``support_id=``, ``mailbox_address=``), so Django's
``authenticate`` skips the backends that do not take it: a desk or back office login
(``username=``) never reaches these, and ``ModelBackend`` returns at once for these (its
username is None). Login pages call ``madoguchi.throttling`` first (D1.2, S2).

Both spend one password hash whether the address is known or not, so the time of an answer
does not tell whether an ID exists (S2).
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import make_password
from django.db.models import Exists

from madoguchi.contracts.models import Contract, User
from madoguchi.mailboxes.models import Mailbox
from madoguchi.provisioning.models import VirtualUser
from madoguchi.provisioning.services import mail_password_hash
from madoguchi.supportid.models import SupportAccount

DOVECOT_SCHEME = "{ARGON2ID}"
MAILBOX_USERNAME_PREFIX = "mailbox:"
# argon2-cffi verifies with the parameters the hash carries (those provisioning wrote).
_mail_verifier = PasswordHasher()


def mailbox_username(address: str) -> str:
    return f"{MAILBOX_USERNAME_PREFIX}{address}"


class SupportIdBackend(BaseBackend):
    """A confirmed support ID (its mail address, any domain) and its password."""

    def authenticate(self, request, support_id=None, password=None):
        if support_id is None or password is None:
            return None
        account = (
            SupportAccount.objects.select_related("user")
            .filter(email=support_id.strip().lower())
            .first()
        )
        if account is None:
            # Hash once anyway (as ModelBackend does): an unknown address takes as long.
            User().set_password(password)
            return None
        user = account.user
        # The password is checked even for an ID that may not log in (unconfirmed), so its
        # answer takes as long as any other.
        if user.check_password(password) and account.is_confirmed and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        """The session's user while it is still a confirmed, active support ID."""
        return User.objects.filter(
            pk=user_id,
            kind=User.Kind.SUPPORT,
            is_active=True,
            support_account__confirmed_at__isnull=False,
        ).first()


def _mail_password_matches(stored: str, password: str) -> bool:
    """Whether ``password`` is the mailbox's, against Dovecot's ``{ARGON2ID}`` hash."""
    if not stored.startswith(DOVECOT_SCHEME):
        mail_password_hash(password)  # another scheme is no match, in the same time
        return False
    try:
        return _mail_verifier.verify(stored.removeprefix(DOVECOT_SCHEME), password)
    except (VerificationError, InvalidHashError):
        return False


def _active_mailbox(address: str) -> Mailbox | None:
    """The portal's mailbox of ``address`` whose contract has not ended, or None."""
    account, _, host = address.partition("@")
    return (
        Mailbox.objects.select_related("contract")
        .filter(account=account, host=host)
        .exclude(contract__status=Contract.Status.ENDED)
        .first()
    )


class MailboxBackend(BaseBackend):
    """An ISP mailbox (``xxx@arrow.example.ne.jp``) and its mail password (S2).

    The mail system's row (``virtual_users``, P2) holds the password and whether the mailbox
    is active; the portal's ``Mailbox`` gives the contract, which must not have ended. The
    login's ``User`` (kind ``mailbox``, ``mailbox:<address>``, no usable password) is made at
    the first login and follows the mailbox's contract.
    """

    def authenticate(self, request, mailbox_address=None, password=None):
        if mailbox_address is None or password is None:
            return None
        address = mailbox_address.strip().lower()
        mailbox = VirtualUser.objects.filter(email=address, active=True).only("password").first()
        if mailbox is None:
            # Hash once anyway: an unknown or stopped mailbox takes as long as a known one.
            mail_password_hash(password)
            return None
        if not _mail_password_matches(mailbox.password, password):
            return None
        portal_mailbox = _active_mailbox(address)
        if portal_mailbox is None:
            return None
        user, _ = User.objects.get_or_create(
            username=mailbox_username(address),
            defaults={
                "kind": User.Kind.MAILBOX,
                "contract": portal_mailbox.contract,
                "email": address,
                "password": make_password(None),  # unusable: the mail password is checked
            },
        )
        if user.kind != User.Kind.MAILBOX or not user.is_active:
            return None
        if user.contract_id != portal_mailbox.contract_id:
            # The address now belongs to another contract's mailbox: the login follows it.
            user.contract = portal_mailbox.contract
            user.save(update_fields=["contract"])
        return user

    def get_user(self, user_id):
        """The session's user while its mailbox is active and its contract has not ended."""
        user = (
            User.objects.filter(pk=user_id, kind=User.Kind.MAILBOX, is_active=True)
            .select_related("contract")
            .first()
        )
        if user is None or not user.username.startswith(MAILBOX_USERNAME_PREFIX):
            return None
        address = user.username.removeprefix(MAILBOX_USERNAME_PREFIX)
        account, _, host = address.partition("@")
        valid = (
            Mailbox.objects.filter(account=account, host=host, contract_id=user.contract_id)
            .exclude(contract__status=Contract.Status.ENDED)
            .filter(Exists(VirtualUser.objects.filter(email=address, active=True)))
        )
        return user if valid.exists() else None
