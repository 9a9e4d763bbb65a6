"""The error pages: Japanese, in the site's layout (issue 6, defect 1).

403, 404 and CSRF failures are rendered here (``handler403``, ``handler404`` in
``madoguchi/urls.py``, ``CSRF_FAILURE_VIEW``): desk and public URLs in the desk's layout
(``templates/error.html``: the desk menu and 「ログアウト」 for a logged-in customer, the bare
header for everyone else), the support site's URLs in its own layout
(``templates/support/error.html``), back office URLs in the back office's own look
(``templates/backoffice/error.html``). Django's own views render ``templates/400.html`` and
``templates/500.html``, without a request and so without database access.
"""

from urllib.parse import urlsplit

from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

NOT_FOUND = "お探しのページは見つかりませんでした。URLをご確認ください。"
FORBIDDEN = "このページを表示する権限がありません。"
CSRF_FAILED = (
    "ページを開いてから時間が経ったか、別のタブやウィンドウでログイン・ログアウトされたため、"
    "送信された内容を受け付けられませんでした。入力された内容は登録されていません。"
)
CSRF_RETRY = "お手数ですが、ページを開き直してから、もう一度操作してください。"
CSRF_NO_COOKIE = "ブラウザのCookieが無効になっている場合は、有効にしてからお試しください。"


@requires_csrf_token
def page_not_found(request, exception):
    """``handler404``. Django's message (English, technical) is never shown."""
    return _error_page(request, 404, "ページが見つかりません", [NOT_FOUND])


@requires_csrf_token
def permission_denied(request, exception):
    """``handler403``: the refusal's own message (the product's, Japanese) or a generic one.

    In the back office, the back office's one 403 page (it names the operator's role, B5)."""
    if _in_backoffice(request):
        from madoguchi.backoffice.site import backoffice_site

        return backoffice_site.permission_denied(request)
    message = str(exception) if exception is not None and str(exception) else FORBIDDEN
    return _error_page(request, 403, "ご利用いただけません", [message])


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form that was open too long, or across a logout and login.

    Offers to go back to the page the form was on (the ``Referer``, when it is this site's);
    the layout adds the desk's top page for a customer, the login page for a visitor.
    """
    explanations = [CSRF_FAILED, CSRF_RETRY]
    if reason == REASON_NO_CSRF_COOKIE:
        explanations.append(CSRF_NO_COOKIE)
    return _error_page(
        request, 403, "送信を受け付けられませんでした", explanations, back_url=_back_url(request)
    )


def refuse(request, message: str):
    """An expected refusal (a flow the contract may not use now) as the 403 page saying why,
    rendered without raising: no error traceback in the logs for what is not an error."""
    return _error_page(request, 403, "ご利用いただけません", [message])


def _error_page(request, status: int, title: str, explanations: list[str], **extra):
    context = {"title": title, "explanations": explanations, **extra}
    template = "error.html"
    if _on_support_site(request):
        template = "support/error.html"
    elif _in_backoffice(request):
        from madoguchi.backoffice.site import backoffice_site

        request.current_app = backoffice_site.name
        context = {**backoffice_site.each_context(request), **context}
        template = "backoffice/error.html"
    return render(request, template, context, status=status)


def _on_support_site(request) -> bool:
    return request.path.startswith(reverse("support:top"))


def _in_backoffice(request) -> bool:
    return request.path.startswith(reverse("backoffice:index"))


def _back_url(request) -> str | None:
    """The page the form was on, when the browser said so and it is on this site."""
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")
