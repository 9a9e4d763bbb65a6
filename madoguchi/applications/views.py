"""The page of the mailed link that confirms an address an application names.

Opened by whoever reads that mailbox, so it needs no login. GET only shows what will be
confirmed (mail scanners that open links must not confirm anything); the button POSTs.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import services
from madoguchi.audit.services import client_ip


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def confirm(request, token: str):
    try:
        if request.method == "POST":
            application = services.confirm_application(token=token, ip=client_ip(request))
            return render(request, "applications/confirmed.html", {"application": application})
        application = services.application_for_confirmation(token)
    except services.ConfirmationRefused as refused:
        return render(
            request,
            "applications/confirm_refused.html",
            {"message": refused.message},
            status=400,
        )
    return render(request, "applications/confirm.html", {"application": application})
