from django.contrib import admin


class BackofficeSite(admin.AdminSite):
    """The operators' back office: Django admin, in Japanese, for operator logins only."""

    site_header = "madoguchi バックオフィス"
    site_title = "madoguchi バックオフィス"
    index_title = "業務メニュー"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and user.kind == "operator"


backoffice_site = BackofficeSite(name="backoffice")
