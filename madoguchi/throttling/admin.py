"""The back office's list of logins locked now (D1.2): which, until when, and their unlock."""

from django.contrib import admin, messages
from django.utils import timezone

from madoguchi.audit.services import client_ip
from madoguchi.backoffice.roles import UNLOCK_LOGIN
from madoguchi.backoffice.site import BackofficeAdmin, backoffice_site
from madoguchi.throttling import services
from madoguchi.throttling.models import LoginLock


@admin.register(LoginLock, site=backoffice_site)
class LoginLockAdmin(BackofficeAdmin):
    """Read only: locks are made by failures and lifted by the action (audited, X7)."""

    list_display = ["login_scope", "kind", "target", "locked_until"]
    list_filter = ["kind"]
    search_fields = ["key", "username"]
    actions = ["lift"]
    list_display_links = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(locked_until__gt=timezone.now())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # The lift is an unlock, not a delete: it needs view permission only
        # (Django's delete_selected would need the delete permission, refused above).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="ログイン先", ordering="scope")
    def login_scope(self, obj):
        scope = services.SCOPES.get(obj.scope)
        return scope.title if scope else obj.scope

    @admin.display(description="対象", ordering="key")
    def target(self, obj):
        return obj.key if obj.kind != LoginLock.Kind.DEVICE else obj.username

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm(UNLOCK_LOGIN)

    @admin.action(description="ログインロック解除", permissions=["unlock"])
    def lift(self, request, queryset):
        lifted = services.lift_locks(list(queryset), operator=request.user, ip=client_ip(request))
        self.message_user(
            request,
            f"ログインロックを解除しました：{'、'.join(dict.fromkeys(lifted)) or 'なし'}",
            messages.SUCCESS,
        )
