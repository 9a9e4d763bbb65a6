from django.urls import path

from madoguchi.support import views

app_name = "support"

urlpatterns = [
    path("", views.top, name="top"),
    path("environment/", views.environment, name="environment"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
]
