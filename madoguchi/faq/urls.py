from django.urls import path

from madoguchi.faq import views

app_name = "faq"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.question, name="question"),
]
