from django.urls import path

from madoguchi.mailboxes import views

app_name = "mailboxes"

urlpatterns = [
    path("", views.mailbox_list, name="list"),
    path("<int:slot>/change/", views.change_input, name="change"),
    path("<int:slot>/add/", views.add_input, name="add"),
    path("<int:slot>/delete/", views.delete_input, name="delete"),
    path("<int:slot>/cancel/", views.cancel, name="cancel"),
    path("terms/", views.terms, name="terms"),
    path("confirm/", views.confirm, name="confirm"),
    path("complete/<int:pk>/", views.complete, name="complete"),
    path("characters/", views.characters, name="characters"),
]
