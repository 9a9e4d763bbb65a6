"""The support site's own pages: the top, 推奨環境 (S1), its login and logout."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from madoguchi.contracts.views import LOGGED_OUT, desk_credential_login
from madoguchi.notices.display import with_windows
from madoguchi.notices.queries import TOP_PAGE_NOTICES, current_notices


@login_not_required
def top(request):
    """The sections, and the planned work and outages open now (S1) the visitor may see."""
    notices = current_notices(request.user).prefetch_related("products")
    return render(
        request,
        "support/top.html",
        {"current_notices": with_windows(notices[:TOP_PAGE_NOTICES])},
    )


@login_not_required
def environment(request):
    """推奨環境: the environments of the FAQ's first answer (S1, X6)."""
    return render(request, "support/environment.html")


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """The support site's login (S2): a desk credential logs in to both sites at once."""
    return desk_credential_login(request, template="support/login.html", home="support:top")


@login_not_required
@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, LOGGED_OUT)
    return redirect("support:top")
