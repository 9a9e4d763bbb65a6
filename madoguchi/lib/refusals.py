"""Expected refusals: a Japanese 403 page in the site's layout, without an error traceback."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def refuse(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page saying why (a flow the contract may not use, another login's page…)."""
    return TemplateResponse(request, "403.html", {"exception": message}, status=403)
