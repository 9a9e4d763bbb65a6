"""ご請求関連 URLs, included in the desk's (their names are ``desk:billing…``)."""

from django.urls import path

from madoguchi.billing import views

urlpatterns = [
    path("", views.billing_menu, name="billing"),
    path("address/", views.address_input, name="billing_address"),
    path("address/postal-code/", views.postal_lookup, name="billing_postal_lookup"),
    path("address/confirm/", views.address_confirm, name="billing_address_confirm"),
    path("address/complete/<int:pk>/", views.address_complete, name="billing_address_complete"),
    path("notice/", views.notice_input, name="billing_notice"),
    path("notice/confirm/", views.notice_confirm, name="billing_notice_confirm"),
    path("notice/complete/<int:pk>/", views.notice_complete, name="billing_notice_complete"),
]
