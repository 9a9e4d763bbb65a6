"""Operator roles (B5): 閲覧, 受付 and 管理者, each a Django group with its permissions.

The roles are defined here, in code; ``sync_roles`` makes the groups match after every
``migrate`` (``BackofficeConfig`` connects it to ``post_migrate``), so a model added later
only needs its permissions listed below. An operator holds one role (one of these groups);
``createsuperuser`` still makes a superuser, who has every permission.

A new back office page: list its model's ``view_<model>`` permission in ``READ`` (or the
role that may see it), and its write permissions in the role that may use them.
"""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q

from madoguchi.audit.services import record_audit

# Operations that belong to no single model (``BackofficeOperation``).
PROCESS_APPLICATION = "backoffice.process_application"  # 「処理する」「完了にする」「失敗にする」
UNLOCK_LOGIN = "backoffice.unlock_login"  # 「ログインロック解除」
CHANGE_DELIVERY = "backoffice.change_delivery"  # a destination's 「配信停止」「配信再開」 (S3)

ROLE_CHANGE_ACTION = "account.role"

READ = frozenset(
    {
        "contracts.view_contract",
        "contracts.view_phonepage",
        "applications.view_application",
        "mailboxes.view_mailbox",
        "mailboxes.view_mailboxorder",  # the order shown on a mailbox application's page
        "mailboxes.view_accountname",
        "provisioning.view_radcheck",
        "provisioning.view_virtualdomain",
        "provisioning.view_virtualuser",
        "provisioning.view_billingchange",
        "cancellation.view_cancellationchoice",
        "cancellation.view_scheduledcancellation",  # cancellations by date (D5.3)
        "notices.view_product",  # 工事・故障情報 (S1, B2)
        "notices.view_serviceplan",
        "notices.view_notice",
        "notices.view_noticeupdate",
        "notices.view_publication",
        "faq.view_category",  # よくあるご質問 (S1, B3)
        "faq.view_question",
        "inquiries.view_inquiry",  # お問い合わせ (S5): every role reads the queue
        "inquiries.view_inquirynote",
        "inquiries.view_inquiryreply",
        "supportid.view_supportaccount",  # お客さまサポートID (S2): never a password or token
        "alerts.view_destination",  # their 工事・故障情報メール destinations (S3)
        "delivery.view_mailing",  # each publication's mailing and its live progress (B2)
    }
)
DESK_WORK = frozenset(
    {
        PROCESS_APPLICATION,
        UNLOCK_LOGIN,
        "contracts.view_user",  # the login accounts list, where logins are unlocked too
        "mailcatcher.view_caughtmail",
        "outbox.view_mail",  # every mail sent to customers, with its recipient and body
        "delivery.view_bounce",  # the bounces, complaints and auto-replies received (S4)
        "audit.view_auditentry",
        "throttling.view_loginlock",  # the logins locked now; its action lifts them
        # お問い合わせ (S5): status, assignee, internal notes and the reply mailed to the customer.
        "inquiries.handle_inquiry",
        # 配信停止 / 配信再開 of a support ID's destination (S3), audited (X7).
        CHANGE_DELIVERY,
    }
)
ADMINISTRATION = frozenset(
    {
        "contracts.change_contract",  # the per-contract flags (B4)
        "contracts.change_phonepage",  # the phone pages' text (D7.1)
        "contracts.add_user",  # operator accounts: create, edit, deactivate, set the role
        "contracts.change_user",
        "cancellation.add_cancellationchoice",  # the cancellation form's choices (D5.1)
        "cancellation.change_cancellationchoice",
        # 工事・故障情報 authoring (B2): publishing one mails every subscriber (S4).
        "notices.add_product",
        "notices.change_product",
        "notices.add_serviceplan",
        "notices.change_serviceplan",
        "notices.add_notice",
        "notices.change_notice",
        "notices.add_noticeupdate",
        "notices.change_noticeupdate",
        "delivery.change_mailing",  # 「一時停止」「再開」 of a publication's mailing (B2)
        # よくあるご質問 authoring (B3): add, edit, order, publish; nothing is deleted.
        "faq.add_category",
        "faq.change_category",
        "faq.add_question",
        "faq.change_question",
    }
)


@dataclass(frozen=True)
class Role:
    key: str  # stable value of the form's choice
    name: str  # the group's name, shown to operators
    description: str
    permissions: frozenset[str]  # "app_label.codename"

    @property
    def rank(self) -> int:
        return ROLES.index(self)


ETSURAN = Role("etsuran", "閲覧", "ご契約・お申込み・メールアカウント等の閲覧のみ", READ)
UKETSUKE = Role(
    "uketsuke",
    "受付",
    "閲覧に加えて、お申込みの処理・失敗、お問い合わせへの対応、配信先の配信停止・再開、ログインロック解除、"
    "受信メールと監査ログの閲覧",
    READ | DESK_WORK,
)
KANRISHA = Role(
    "kanrisha",
    "管理者",
    "受付に加えて、ご契約の設定、お電話での問い合わせページ、廃止申込みの選択肢、"
    "工事・故障情報の作成と公開（メール送信の一時停止・再開を含む）、オペレーターアカウントの管理",
    READ | DESK_WORK | ADMINISTRATION,
)
ROLES = (ETSURAN, UKETSUKE, KANRISHA)  # lowest first
BY_KEY = {role.key: role for role in ROLES}
SUPERUSER_LABEL = "全権限（スーパーユーザー）"
NO_ROLE_LABEL = "なし"


class RoleChangeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Groups ------------------------------------------------------------------------------------


def sync_roles(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make each role's group exist with exactly its permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        wanted = {tuple(name.split(".")) for name in role.permissions}
        query = Q()
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        found = list(Permission.objects.using(using).filter(query).select_related("content_type"))
        missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
        if missing:
            names = ", ".join(sorted(".".join(pair) for pair in missing))
            raise ImproperlyConfigured(f"role {role.key}: no such permission: {names}")
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        group.permissions.set(found)


def sync_roles_after_migrate(*, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """``post_migrate``: create every app's permissions first, then the roles' groups.

    Django creates permissions app by app in this same signal, so those of apps handled
    after this one would not exist yet; ``create_permissions`` is idempotent.
    """
    from django.contrib.auth.management import create_permissions

    try:
        apps.get_model("auth", "Group")
    except LookupError:  # auth is not migrated (yet)
        return
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    sync_roles(apps=apps, using=using)


# --- An operator's role --------------------------------------------------------------------------


def role_of(user) -> Role | None:
    """The role of the operator's groups (the highest, should there be several)."""
    names = {group.name for group in user.groups.all()}
    for role in reversed(ROLES):
        if role.name in names:
            return role
    return None


def role_label(user) -> str:
    if user.is_superuser:
        return SUPERUSER_LABEL
    role = role_of(user)
    return role.name if role else NO_ROLE_LABEL


def _rank(user) -> int:
    if user.is_superuser:
        return len(ROLES)
    role = role_of(user)
    return role.rank if role else -1


@transaction.atomic
def set_operator_role(*, account, role: Role, operator, ip: str | None) -> bool:
    """Give an operator account its role and audit the change (X7); True if it changed.

    A superuser stays one as 管理者; any other role takes that away. Nobody raises their
    own role.
    """
    if account.pk == operator.pk and role.rank > _rank(account):
        raise RoleChangeRefused("ご自身の権限を上げることはできません。")
    before = role_label(account)
    if (account.is_superuser and role == KANRISHA) or (
        not account.is_superuser and role_of(account) == role
    ):
        return False
    account.groups.remove(*Group.objects.filter(name__in=[r.name for r in ROLES]))
    account.groups.add(Group.objects.get(name=role.name))
    if account.is_superuser:
        account.is_superuser = False
        account.save(update_fields=["is_superuser"])
    record_audit(
        actor=operator,
        action=ROLE_CHANGE_ACTION,
        target=account.username,
        before={"権限": before},
        after={"権限": role.name},
        ip=ip,
    )
    return True
