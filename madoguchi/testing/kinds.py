"""Kinds of application registered by tests (the registry is the feature apps' table)."""

from types import SimpleNamespace

import pytest

from madoguchi.applications import registry

MANUAL = registry.Kind(
    code="test_manual",
    label="テスト用の手作業のお申込み",
    fields=(registry.Field("note", "内容"),),
    cancellable=True,
)


@pytest.fixture
def manual_kind():
    """A kind that operators carry out by hand (no processor), registered for the test."""
    registry.register(MANUAL)
    yield MANUAL
    registry.unregister(MANUAL.code)


@pytest.fixture
def recorded_kind():
    """An automatic kind whose processor records its calls and returns (or raises) what the
    test puts in ``outcome["value"]``."""
    calls: list = []
    outcome = {"value": registry.Done(after={"note": "処理済み"})}

    def processor(application):
        calls.append(application.pk)
        result = outcome["value"]
        if isinstance(result, Exception):
            raise result
        return result

    kind = registry.register(
        registry.Kind(
            code="test_recorded",
            label="テスト用の自動処理のお申込み",
            fields=(registry.Field("note", "内容"),),
            processor=processor,
        )
    )
    yield SimpleNamespace(code=kind.code, kind=kind, calls=calls, outcome=outcome)
    registry.unregister(kind.code)
