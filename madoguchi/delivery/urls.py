from django.urls import path  # noqa: F401

app_name = "delivery"
urlpatterns = [
    # One-click unsubscribe (RFC 8058) and the page its link shows: support/unsubscribe/<token>/
    # Bounce events POSTed by a relay (bearer token): bounces/webhook/
]
