from django.urls import path

from madoguchi.delivery import views, webhook

app_name = "delivery"
urlpatterns = [
    # One-click unsubscribe (RFC 8058) and the page its link shows.
    path("support/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # Bounce events POSTed by a relay (bearer token).
    path("bounces/webhook/", webhook.bounce_webhook, name="bounce_webhook"),
]
