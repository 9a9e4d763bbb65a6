from django.urls import path

from madoguchi.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.settings_view, name="settings"),
    path("destinations/", views.destinations, name="destinations"),
    path("destinations/<int:pk>/delete/", views.destination_delete, name="destination_delete"),
    path("destinations/<int:pk>/resume/", views.destination_resume, name="destination_resume"),
    path(
        "destinations/<int:pk>/restart/",
        views.destination_restart_kind,
        name="destination_restart_kind",
    ),
    path(
        "destinations/confirm/<str:token>/", views.destination_confirm, name="destination_confirm"
    ),
    path("resume/<str:token>/", views.resume, name="resume"),
]
