"""Back office pages for contracts (B4), login accounts and the phone pages (D7.1)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashField, ReadOnlyPasswordHashWidget
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseUserCreationForm
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from madoguchi.audit.services import client_ip
from madoguchi.backoffice import roles
from madoguchi.backoffice.site import BackofficeAdmin, backoffice_site
from madoguchi.contracts import services
from madoguchi.contracts.models import Contract, PhonePage, User
from madoguchi.lib.dates import format_datetime
from madoguchi.throttling import services as throttling
from madoguchi.throttling.models import LoginLock

# --- Contracts (B4) --------------------------------------------------------------------------


def annotate_login(queryset):
    """Add each contract's desk login and the end of its login lock, if any (one query).

    Locked: the ID's lock for unknown browsers, or a lock of a browser that logged in to it
    before, holds now (D1.2).
    """
    desk_users = User.objects.filter(contract=OuterRef("pk"), kind=User.Kind.DESK)
    locks = LoginLock.objects.filter(
        scope=services.DESK_LOGINS.name,
        username=OuterRef("desk_username"),
        locked_until__gt=timezone.now(),
    ).order_by("-locked_until")
    return queryset.annotate(
        desk_username=Subquery(desk_users.values("username")[:1]),
        desk_user_id=Subquery(desk_users.values("pk")[:1]),
    ).annotate(
        login_locked_until=Subquery(locks.values("locked_until")[:1]),
        login_is_locked=Exists(locks),
    )


class LoginLockedFilter(admin.SimpleListFilter):
    title = "ログインロック"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "ロック中"), ("no", "ロックなし")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(login_is_locked=True)
        if self.value() == "no":
            return queryset.filter(login_is_locked=False)
        return queryset


class UnlocksLogins:
    """「ログインロック解除」 (the button and the list action) is for 受付 and up (B5)."""

    def has_unlock_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(roles.UNLOCK_LOGIN)


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = list(services.CONTRACT_FLAGS)


@admin.register(Contract, site=backoffice_site)
class ContractAdmin(UnlocksLogins, BackofficeAdmin):
    """B4: find a contract, read it, set its two flags, lift a login lockout."""

    form = ContractForm
    change_form_template = "backoffice/contract_change_form.html"
    list_display = [
        "customer_number",
        "name",
        "name_kana",
        "desk_login",
        "status",
        "online_password_change_allowed",
        "paper_application_in_progress",
        "login_locked",
    ]
    list_filter = [
        "status",
        "online_password_change_allowed",
        "paper_application_in_progress",
        LoginLockedFilter,
    ]
    search_fields = ["customer_number", "name", "name_kana", "users__username"]
    search_help_text = "お客様番号・お名前・カナ・認証IDで検索できます。"
    actions = ["unlock_logins"]
    fieldsets = [
        ("ご契約", {"fields": ["customer_number", "service_name", "status", "payment_method"]}),
        (
            "お客様",
            {
                "fields": [
                    "name",
                    "name_kana",
                    "department",
                    "postal_code",
                    "address",
                    "contact_email",
                ]
            },
        ),
        ("設定", {"fields": list(services.CONTRACT_FLAGS)}),
        ("カスタマサポートデスクのログイン", {"fields": ["desk_login", "login_lock"]}),
        ("記録", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "customer_number",
        "service_name",
        "status",
        "payment_method",
        "name",
        "name_kana",
        "department",
        "postal_code",
        "address",
        "contact_email",
        "desk_login",
        "desk_login_id",
        "login_lock",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return annotate_login(super().get_queryset(request))

    def _login_shown(self, request, names):
        """The desk login links to its account page only for who may open it (B5)."""
        if request.user.has_perm("contracts.view_user"):
            return names
        return ["desk_login_id" if name == "desk_login" else name for name in names]

    def get_list_display(self, request):
        return self._login_shown(request, super().get_list_display(request))

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": self._login_shown(request, options["fields"])})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_unlock"] = self.has_unlock_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="認証ID", ordering="desk_username")
    def desk_login(self, obj):
        if not obj.desk_username:
            return "-"
        url = reverse(
            "admin:contracts_user_change", args=[obj.desk_user_id], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{}</a>', url, obj.desk_username)

    @admin.display(description="認証ID", ordering="desk_username")
    def desk_login_id(self, obj):
        return obj.desk_username or "-"

    @admin.display(description="ログインロック", ordering="login_locked_until")
    def login_locked(self, obj):
        if obj.login_locked_until is None:
            return "-"
        return f"{format_datetime(obj.login_locked_until)} まで"

    @admin.display(description="ログインロック状態")
    def login_lock(self, obj):
        if not obj.desk_username:
            return "-"
        state = throttling.lock_state(services.DESK_LOGINS, obj.desk_username)
        minutes = int(settings.LOGIN_FAILURE_WINDOW.total_seconds() // 60)
        failures = f"{minutes}分以内の失敗 {state.failures} 回"
        if not state.locked:
            return f"ロックなし（{failures}）" if state.failures else "ロックなし"
        parts = []
        if state.locked_until:
            until = format_datetime(state.locked_until)
            parts.append(f"ログイン実績のないブラウザからのログインを {until} まで停止")
        if state.devices_locked_until:
            parts.append(
                f"ログイン実績のあるブラウザ {len(state.devices_locked_until)} 台を "
                f"{format_datetime(state.devices_locked_until[-1])} まで停止"
            )
        return f"ロック中（{'、'.join(parts)}、{failures}）"

    def save_model(self, request, obj, form, change):
        """Every flag change goes through the service, which writes the audit row (X7)."""
        flags = {name: form.cleaned_data[name] for name in services.CONTRACT_FLAGS}
        services.update_contract_flags(
            contract=obj, operator=request.user, ip=client_ip(request), **flags
        )

    @admin.action(description="ログインロック解除", permissions=["unlock"])
    def unlock_logins(self, request, queryset):
        names = []
        for contract in queryset:
            services.unlock_login(
                contract_or_user=contract, operator=request.user, ip=client_ip(request)
            )
            if contract.desk_username:
                names.append(contract.desk_username)
        self.message_user(
            request,
            f"ログインロックを解除しました：{'、'.join(names) or 'なし'}",
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/unlock/",
                self.admin_site.admin_view(self.unlock_view),
                name="contracts_contract_unlock",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def unlock_view(self, request, object_id):
        """The 「ログインロック解除」 button of a contract's page (B4, D1.2)."""
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            raise Http404
        if not self.has_unlock_permission(request, contract):
            raise PermissionDenied
        services.unlock_login(
            contract_or_user=contract, operator=request.user, ip=client_ip(request)
        )
        if contract.desk_username:
            message = f"ログインロックを解除しました：{contract.desk_username}"
        else:
            message = "このご契約にはカスタマサポートデスクの認証IDがありません。"
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(
                "admin:contracts_contract_change",
                args=[contract.pk],
                current_app=self.admin_site.name,
            )
        )


# --- Login accounts ----------------------------------------------------------------------------


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The hash summary (algorithm, masked salt and hash) without the reset button."""

    template_name = "backoffice/password_summary.html"


def role_field() -> forms.ChoiceField:
    """The operator's role (B5): one of the back office's roles."""
    return forms.ChoiceField(
        label="権限",
        choices=[(role.key, role.name) for role in roles.ROLES],
        error_messages={
            "required": "権限を選んでください。",
            "invalid_choice": "権限を一覧から選んでください。",
        },
        help_text=format_html_join(
            mark_safe("<br>"), "{}：{}", ((r.name, r.description) for r in roles.ROLES)
        ),
    )


class OperatorCreationForm(BaseUserCreationForm):
    """A new operator account: name, mail address, role and an initial password."""

    role = role_field()

    class Meta:
        model = User
        fields = ["username", "email"]

    def clean_username(self):
        username = super().clean_username()
        if username and "@" in username:
            raise forms.ValidationError(
                "オペレーターのユーザー名に「@」は使えません（認証IDと区別するため）。"
            )
        return username


class OperatorChangeForm(BaseUserChangeForm):
    role = role_field()
    editing_self = False  # set by AccountAdmin for the operator's own account

    class Meta:
        model = User
        fields = ["username", "password", "last_name", "first_name", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        account = self.instance
        role = roles.KANRISHA if account.is_superuser else roles.role_of(account)
        self.fields["role"].initial = role.key if role else None
        if self.editing_self:
            # Nobody raises their own role or deactivates themselves (B5): another
            # 管理者 does it. Disabled fields keep their value whatever is posted.
            for name in ("role", "is_active"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "ご自身のアカウントでは変更できません。"


class CustomerAccountForm(BaseUserChangeForm):
    """Desk credentials are read only here: their password is the customer's to change."""

    password = ReadOnlyPasswordHashField(
        label="パスワード",
        widget=PasswordSummaryWidget,
        help_text="パスワードは保存されていないため、表示も変更もできません。",
    )

    class Meta:
        model = User
        fields = ["username", "password"]


@admin.register(User, site=backoffice_site)
class AccountAdmin(UnlocksLogins, BackofficeAdmin, UserAdmin):
    """Operator accounts are created and edited here; customers' logins are shown only."""

    add_form = OperatorCreationForm
    form = OperatorChangeForm
    list_display = ["username", "kind", "role", "contract", "is_active", "last_login"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["contract"]
    search_fields = ["username", "email", "contract__customer_number"]
    ordering = ["kind", "username"]
    actions = ["unlock_logins"]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "role"]}),
        ("初期パスワード", {"classes": ["wide"], "fields": ["password1", "password2"]}),
    ]
    operator_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("個人情報", {"fields": ["last_name", "first_name", "email"]}),
        ("状態", {"fields": ["kind", "role", "is_active"]}),
        ("日時", {"fields": ["last_login", "date_joined"]}),
    ]
    customer_fieldsets = [
        (None, {"fields": ["username", "password", "kind", "contract", "is_active"]}),
        ("日時", {"fields": ["password_changed_at", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["kind", "last_login", "date_joined"]

    def is_operator_account(self, obj) -> bool:
        return obj is not None and obj.kind == User.Kind.OPERATOR

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="権限")
    def role(self, obj):
        return roles.role_label(obj) if self.is_operator_account(obj) else "-"

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        return self.operator_fieldsets if self.is_operator_account(obj) else self.customer_fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and not self.is_operator_account(obj):
            kwargs["form"] = CustomerAccountForm
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and obj.pk == request.user.pk:
            form = type(form.__name__, (form,), {"editing_self": True})
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self.is_operator_account(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, not deleted: the audit log keeps pointing at them.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            # What the operator may do is their role's (B5): never a superuser from here.
            obj.kind = User.Kind.OPERATOR
            obj.is_staff = True
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
        services.record_account_change(
            account=obj,
            operator=request.user,
            ip=client_ip(request),
            created=not change,
            fields=[name for name in form.changed_data if name != "role"],
        )
        if "role" in form.fields and not form.fields["role"].disabled:
            roles.set_operator_role(
                account=obj,
                role=roles.BY_KEY[form.cleaned_data["role"]],
                operator=request.user,
                ip=client_ip(request),
            )

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            services.record_account_change(
                account=self.get_object(request, unquote(id)),
                operator=request.user,
                ip=client_ip(request),
                created=False,
                fields=["password"],
            )
        return response

    @admin.action(description="ログインロック解除", permissions=["unlock"])
    def unlock_logins(self, request, queryset):
        for account in queryset:
            services.unlock_login(
                contract_or_user=account, operator=request.user, ip=client_ip(request)
            )
        self.message_user(request, "選択したアカウントのログインロックを解除しました。")


# --- Phone pages (D7.1) ------------------------------------------------------------------------


@admin.register(PhonePage, site=backoffice_site)
class PhonePageAdmin(BackofficeAdmin):
    """The text of the four お電話での問い合わせ pages; exactly four, so no add or delete."""

    list_display = ["topic", "phone_number", "hours", "updated_at"]
    fields = ["topic", "phone_number", "hours", "body", "updated_at"]
    readonly_fields = ["topic", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.PHONE_PAGE_FIELDS}
        services.update_phone_page(page=obj, operator=request.user, ip=client_ip(request), **values)
