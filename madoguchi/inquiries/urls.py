from django.urls import path

from madoguchi.inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.inquiry_input, name="input"),
    path("confirm/", views.inquiry_confirm, name="confirm"),
    path("complete/<int:pk>/", views.inquiry_complete, name="complete"),
]
