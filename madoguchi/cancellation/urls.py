from django.urls import path

from madoguchi.cancellation import views

app_name = "cancellation"

urlpatterns = [
    path("", views.cancellation_input, name="input"),
    path("confirm/", views.cancellation_confirm, name="confirm"),
    path("complete/<int:pk>/", views.cancellation_complete, name="complete"),
]
