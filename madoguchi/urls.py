from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import TemplateView

from madoguchi.backoffice.site import backoffice_site

urlpatterns = [
    path(
        "", login_not_required(TemplateView.as_view(template_name="landing.html")), name="landing"
    ),
    path("desk/mail/", include("madoguchi.mailboxes.urls")),
    path("desk/contact-person/", include("madoguchi.contacts.urls")),
    path("desk/billing/card/", include("madoguchi.payments.urls")),
    path("applications/", include("madoguchi.applications.urls")),
    path("desk/cancellation/", include("madoguchi.cancellation.urls")),
    path("desk/", include("madoguchi.desk.urls")),
    path("", include("madoguchi.delivery.urls")),
    path("support/faq/", include("madoguchi.faq.urls")),
    path("support/notices/", include("madoguchi.notices.urls")),
    path("support/inquiry/", include("madoguchi.inquiries.urls")),
    path("support/mymenu/mail/", include("madoguchi.alerts.urls")),
    path("support/", include("madoguchi.supportid.urls")),
    path("support/", include("madoguchi.support.urls")),
    path("backoffice/", backoffice_site.urls),
]
if settings.DEMOPAY_ENABLED:
    # The bundled demo payment provider (an external service in production).
    urlpatterns.append(path("demopay/", include("madoguchi.demopay.urls")))

# Japanese error pages in the site's layout (madoguchi/lib/errors.py); Django's own views
# render templates/400.html and templates/500.html.
handler403 = "madoguchi.lib.errors.permission_denied"
handler404 = "madoguchi.lib.errors.page_not_found"
