from django.urls import path

from madoguchi.applications import views

app_name = "applications"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
