import inspect

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.forms.forms import NON_FIELD_ERRORS
from django.urls import URLResolver
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

# Generic on purpose: the lock may be the address's (every account tried from it).
LOCKED_OUT = (
    "ログインに続けて失敗したため、15分間ログインを停止しています。"
    "しばらくしてから再度お試しください。"
)


class BackofficeSite(admin.AdminSite):
    """The operators' back office: Django admin, in Japanese, for operator logins only."""

    site_header = "madoguchi バックオフィス"
    site_title = "madoguchi バックオフィス"
    index_title = "業務メニュー"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and user.kind == "operator"

    def get_urls(self):
        """Every back office view checks ``has_permission`` and sends others to its own login.

        So the project's ``LoginRequiredMiddleware``, whose login page is the desk's, stands
        aside for them (Django marks only the admin's login view; model pages are wrapped late).
        """
        patterns = super().get_urls()
        _mark_login_not_required(patterns)
        return patterns

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login, throttled by axes like the desk's (D1.2).

        Axes refuses a locked-out login before any password is hashed; its lockout page
        (``AXES_LOCKOUT_CALLABLE``) is the desk's, so the back office answers it here with
        its own login page and message instead.
        """
        response = super().login(request, extra_context)
        if getattr(request, "axes_locked_out", False) and hasattr(response, "context_data"):
            request.axes_locked_out = False  # answered here; the middleware need not
            form = response.context_data["form"]
            form.errors[NON_FIELD_ERRORS] = form.error_class([LOCKED_OUT])
            response.status_code = 429
        return response


def _mark_login_not_required(patterns) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _mark_login_not_required(pattern.url_patterns)
        elif inspect.isfunction(pattern.callback):  # not the catch-all view (a bound method)
            login_not_required(pattern.callback)


backoffice_site = BackofficeSite(name="backoffice")


class ReadOnlyAdminMixin:
    """For records operators read but never edit here (changes go through services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
