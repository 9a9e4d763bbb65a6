"""Middleware for everyone logged in: no caching of their pages, an absolute session lifetime."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.cache import add_never_cache_headers

# When the session's login happened (seconds since the epoch), kept in the session.
LOGIN_AT = "madoguchi_login_at"


def session_ended_message() -> str:
    seconds = settings.SESSION_ABSOLUTE_SECONDS
    span = f"{seconds // 3600}時間" if seconds % 3600 == 0 else f"{max(seconds // 60, 1)}分"
    return f"ログインから{span}が経過したため、ログアウトしました。もう一度ログインしてください。"


def absolute_session_lifetime(get_response):
    """End a login ``SESSION_ABSOLUTE_SECONDS`` after it began, however active it has been.

    The idle timeout (``SESSION_COOKIE_AGE``) restarts with every request; this one does not.
    The request that finds the session too old is served logged out (the login page for a
    desk page, with the reason as a message). The login time is noted on the response that
    first carries a login: the login's own response.
    """

    def middleware(request):
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            if started is not None and time.time() - started >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, session_ended_message())
        response = get_response(request)
        if request.user.is_authenticated and LOGIN_AT not in request.session:
            request.session[LOGIN_AT] = int(time.time())
        return response

    return middleware


def no_store_when_logged_in(get_response):
    """Pages for a logged-in person hold contract data: no cache may keep them (finding 3)."""

    def middleware(request):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response

    return middleware
