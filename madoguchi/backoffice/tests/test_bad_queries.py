"""Issue 6, probe finding 4: no query string makes a back office page answer 500.

``?received_at__year=99999999999999999999`` answered 500 on the lists with a date
hierarchy (Django catches a ValueError there, not an OverflowError). Every list gets huge
numbers, impossible dates, unknown filter values, invalid UTF-8 percent-escapes and NUL
bytes, in each of its own filter parameters; the answer is the list, Django's ``?e=1``
redirect, or 400 — never a server error (the test client raises it).
"""

import pytest

from madoguchi.backoffice.site import BackofficeAdmin, backoffice_site
from madoguchi.backoffice.tests.conftest import url
from madoguchi.backoffice.tests.every_page import admin_url, changelists

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
VALUES = [
    HUGE,
    "-1",
    "0",
    "not-a-value",
    "%FF%FE",
    "%00",
    "%E3%81",
    "1%00",
    "2026-13-45",
    "x" * 2000,
]
COMMON = [f"p={HUGE}", "p=-1", "o=99", "o=x.-y", "q=%00", "q=%FF%FE", "q=" + "%E3%81%82" * 3000]
DATES = [  # (query, what breaks)
    f"{{f}}__year={HUGE}",  # OverflowError building the date
    "{f}__year=9999&{f}__month=12&{f}__day=31",  # the day after is past year 9999
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999",
    "{f}__year=1&{f}__month=1&{f}__day=1",  # before year 1 in UTC
    "{f}__year=2026&{f}__month=13",
    "{f}__year=2026&{f}__month=2&{f}__day=30",
    "{f}__year=x",
    "{f}__year=%00",
    f"{{f}}__gte={HUGE}",
    "{f}__gte=0001-01-01&{f}__lt=9999-12-31",
]


def test_issue6_every_back_office_admin_uses_the_safe_change_list():
    for model, model_admin in backoffice_site._registry.items():
        assert isinstance(model_admin, BackofficeAdmin), model._meta.label


@pytest.mark.parametrize(
    "changelist",
    [
        "/backoffice/applications/application/",
        "/backoffice/audit/auditentry/",
        "/backoffice/mailcatcher/caughtmail/",
    ],
)
def test_issue6_huge_year_redirects_to_the_error_flag_not_500(operator_client, changelist):
    model_admin = next(
        a
        for a in backoffice_site._registry.values()
        if changelist.endswith(f"/{a.opts.app_label}/{a.opts.model_name}/")
    )
    response = operator_client.get(f"{changelist}?{model_admin.date_hierarchy}__year={HUGE}")
    assert response.status_code == 302
    assert response["Location"] == f"{changelist}?e=1"


def queries(model_admin, filter_parameters) -> list[str]:
    found = list(COMMON)
    for parameter in filter_parameters:
        found += [f"{parameter}={value}" for value in VALUES]
    if model_admin.date_hierarchy:
        found += [query.format(f=model_admin.date_hierarchy) for query in DATES]
    return found


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_issue6_bad_query_strings_never_answer_500(operator_client, every_page_object):
    checked = 0
    for model, model_admin in backoffice_site._registry.items():
        changelist = admin_url(model, "changelist")
        page = operator_client.get(changelist)
        assert page.status_code == 200, changelist
        parameters = {
            parameter
            for spec in page.context["cl"].filter_specs
            for parameter in spec.expected_parameters()
        }
        for query in queries(model_admin, parameters):
            response = operator_client.get(f"{changelist}?{query}")
            checked += 1
            assert response.status_code in (200, 302, 400), (changelist, query)
            if response.status_code == 302:
                assert response["Location"] == f"{changelist}?e=1", (changelist, query)
    assert checked > 350


@pytest.mark.parametrize("object_id", [HUGE, "-1", "x", "%00", "%FF", "1.5", "1%2F2"])
def test_issue6_bad_object_ids_never_answer_500(operator_client, object_id):
    for model in backoffice_site._registry:
        for view in ("change", "history", "delete"):
            page = admin_url(model, view, "0").replace("/0/", f"/{object_id}/")
            response = operator_client.get(page)
            assert response.status_code in (302, 403, 404), (page, response.status_code)
    for name, method in (
        ("applications_application_process", "post"),
        ("applications_application_fail", "get"),
        ("applications_application_fail", "post"),
        ("contracts_contract_unlock", "post"),
    ):
        page = url(name, "0").replace("/0/", f"/{object_id}/")
        response = getattr(operator_client, method)(page)
        assert response.status_code == 404, (page, response.status_code)


def test_issue6_the_changelists_listed_are_every_registered_one():
    assert len(changelists()) == len(backoffice_site._registry) >= 11
