from django.urls import path

from madoguchi.demopay import views

app_name = "demopay"

urlpatterns = [
    path("v1/tokens/", views.tokens, name="tokens"),
]
