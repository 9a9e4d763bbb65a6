from django.urls import path

from madoguchi.supportid import views

app_name = "supportid"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("register/confirm/<str:token>/", views.confirm, name="confirm"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/reset/<str:token>/", views.password_reset, name="password_reset"),
    path("id/forgot/", views.id_reminder, name="id_reminder"),
    path("mymenu/", views.mymenu, name="mymenu"),
    path("mymenu/account/", views.account, name="account"),
    path("mymenu/account/password/", views.password_change, name="password_change"),
    path("mymenu/account/withdraw/", views.withdraw, name="withdraw"),
]
