from django.urls import path

from madoguchi.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.card_input, name="card"),
    path("confirm/", views.card_confirm, name="card_confirm"),
    path("complete/<int:pk>/", views.card_complete, name="card_complete"),
]
