from django.urls import include, path

from madoguchi.contracts import views as login_views
from madoguchi.desk import views

app_name = "desk"


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
    path("billing/", include("madoguchi.billing.urls")),
]
