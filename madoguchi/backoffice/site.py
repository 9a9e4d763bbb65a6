import functools
import inspect

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import URLResolver
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from madoguchi.backoffice.roles import role_label
from madoguchi.contracts.models import User
from madoguchi.contracts.services import BACKOFFICE_LOGINS
from madoguchi.throttling import services as throttling


def is_operator_login(user: User) -> bool:
    return user.kind == User.Kind.OPERATOR and user.is_staff


class BackofficeLoginForm(AdminAuthenticationForm):
    """Django's admin login form, throttled on its own with device cookies (D1.2).

    The throttle is checked before ``authenticate`` hashes anything; the back office's scope
    counts operators' usernames apart from the desk, so desk failures never lock it.
    """

    refusal = None

    @sensitive_variables()
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            outcome = throttling.authenticate(
                BACKOFFICE_LOGINS,
                self.request,
                username=username,
                password=password,
                admits=is_operator_login,
            )
            if outcome.refusal is not None:
                self.refusal = outcome.refusal
                raise ValidationError(outcome.refusal.message, code="throttled")
            if outcome.user is None:
                raise self.get_invalid_login_error()
            self.user_cache = outcome.user
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


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

    login_form = BackofficeLoginForm

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login, throttled (``BackofficeLoginForm``): a refusal answers 429;
        a successful login gives the browser its device entry for that operator (D1.2)."""
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and getattr(form, "refusal", None) is not None:
            response.status_code = 429
        elif request.method == "POST" and response.status_code == 302:
            throttling.remember_device(BACKOFFICE_LOGINS, request, response, request.user.username)
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
