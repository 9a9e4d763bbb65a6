from django.urls import path

from madoguchi.delivery import webhook

app_name = "delivery"
urlpatterns = [
    # One-click unsubscribe (RFC 8058) and the page its link shows: support/unsubscribe/<token>/
    # Bounce events POSTed by a relay (bearer token).
    path("bounces/webhook/", webhook.bounce_webhook, name="bounce_webhook"),
]
