import inspect

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.urls import URLResolver
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

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


class ReadOnlyAdminMixin:
    """For records operators read but never edit here (changes go through services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
