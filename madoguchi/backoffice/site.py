import functools
import inspect

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.forms.forms import NON_FIELD_ERRORS
from django.template.response import TemplateResponse
from django.urls import URLResolver
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache

from madoguchi.backoffice.roles import role_label

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

    def each_context(self, request):
        context = super().each_context(request)
        user = request.user
        if user.is_authenticated:
            # Read once, and only where a template shows it (the header, the 403 page).
            context["operator_role"] = SimpleLazyObject(lambda: role_label(user))
        return context

    def admin_view(self, view, cacheable=False):
        """Every back office view answers an operator without the right with its 403 page.

        The roles (B5) are checked by the ModelAdmins' ``has_*_permission`` and the custom
        views, which raise ``PermissionDenied``; the answer is a page in the back office's
        look saying so, not the desk's error page.
        """

        @functools.wraps(view)
        def refusing(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied:
                return self.permission_denied(request)

        return super().admin_view(refusing, cacheable)

    def permission_denied(self, request):
        context = {**self.each_context(request), "title": "権限がありません"}
        request.current_app = self.name
        return TemplateResponse(request, "backoffice/403.html", context, status=403)

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


class BackofficeChangeList(ChangeList):
    """Django's change list, answering bad query strings with its ``?e=1`` redirect.

    Django turns only some errors of ``date_hierarchy`` into ``IncorrectLookupParameters``:
    not an OverflowError (``?received_at__year=99999999999999999999``, the day after
    9999-12-31) nor the ValueError of the year after 9999; and some bad values reach the
    database only when the rows are counted (a NUL byte, a date outside what the database
    stores). None of them may answer 500.
    """

    def get_filters(self, request):
        if any("\x00" in key + value for key, value in self.params.items()):
            raise IncorrectLookupParameters("NUL in the query string")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            return super().get_results(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BackofficeAdmin(admin.ModelAdmin):
    """The base of every back office ModelAdmin: bad input never answers 500."""

    def get_changelist(self, request, **kwargs):
        return BackofficeChangeList

    def get_object(self, request, object_id, from_field=None):
        # Django finds no object for an id it cannot convert; PostgreSQL refuses a text
        # key holding NUL outright (a DataError). Such an id names no object either.
        if "\x00" in str(object_id):
            return None
        return super().get_object(request, object_id, from_field)


class ReadOnlyAdminMixin:
    """For records operators read but never edit here (changes go through services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
