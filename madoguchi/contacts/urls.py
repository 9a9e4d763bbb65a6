from django.urls import path

from madoguchi.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_input, name="input"),
    path("confirm/", views.contact_confirm, name="confirm"),
    path("complete/<int:pk>/", views.contact_complete, name="complete"),
]
