from django.urls import path

from madoguchi.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.list, name="list"),
]
