from django.urls import path

from madoguchi.inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.input, name="input"),
]
