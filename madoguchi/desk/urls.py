from django.urls import path

from madoguchi.contracts import views as login_views
from madoguchi.desk import views

app_name = "desk"


def later(name: str, route: str, title: str):
    return path(route, views.not_yet_online, {"title": title}, name=name)


urlpatterns = [
    path("login/", login_views.login_view, name="login"),
    path("logout/", login_views.logout_view, name="logout"),
    path("", views.status, name="status"),
    path("password/", views.password_input, name="password"),
    path("password/confirm/", views.password_confirm, name="password_confirm"),
    path("password/complete/<int:pk>/", views.password_complete, name="password_complete"),
    path(
        "phone/<str:topic>/",
        views.phone,
        name="phone",
    ),
    later("billing", "billing/", "ご請求関連"),
    later("billing_card", "billing/card/", "お支払い方法（クレジットカードへ）"),
    later(
        "billing_address", "billing/address/", "「請求書」および「口座振替のお知らせ」送付先住所"
    ),
    later("billing_notice", "billing/notice/", "「口座振替のお知らせ」の送付方法"),
    later("contact_person", "contact-person/", "担当者連絡先"),
]
