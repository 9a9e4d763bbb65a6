"""Issue 6, defect 11: an expected refusal (403) logs one warning line, no traceback."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_issue6_defect11_a_refused_desk_page_logs_one_line_without_traceback(
    client, operator, caplog
):
    client.force_login(operator)
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("desk:status"))
    assert response.status_code == 403
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /desk/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_issue6_defect11_a_fault_still_logs_its_traceback(settings, caplog):
    """Guards the filter: only refusals lose their traceback, never a 500."""
    from django.test import Client

    settings.ROOT_URLCONF = "madoguchi.lib.tests.test_error_pages"
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        assert client.get("/boom/").status_code == 500
    [record] = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and "a fault" in caplog.text


def handlers_that_print(logger_name: str, level: int) -> list[logging.Handler]:
    """The configured stream handlers a record of ``logger_name`` reaches (not pytest's)."""
    record = logging.LogRecord(logger_name, level, __file__, 0, "message", (), None)
    found = []
    logger = logging.getLogger(logger_name)
    while logger is not None:
        for handler in logger.handlers:
            if not isinstance(handler, logging.StreamHandler):
                continue
            if type(handler).__module__.startswith("_pytest"):
                continue
            if level >= handler.level and handler.filter(record):
                found.append(handler)
        logger = logger.parent if logger.propagate else None
    return found


@pytest.mark.parametrize("debug", [False, True])
def test_issue6_defect11_a_request_record_is_printed_once(settings, debug):
    """Django's own console handler (DEBUG only) printed every record a second time."""
    settings.DEBUG = debug
    assert len(handlers_that_print("django.request", logging.WARNING)) == 1
    assert len(handlers_that_print("django.request", logging.ERROR)) == 1
