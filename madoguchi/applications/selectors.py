"""Reads of applications, scoped to the contract that owns them."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone

from madoguchi.applications.models import Application


def get_application_for_contract(contract, pk: int, *, kinds=None) -> Application:
    """The contract's own application (of one of ``kinds``), or 404 (never another's)."""
    applications = Application.objects.filter(contract=contract)
    if kinds is not None:
        applications = applications.filter(kind__in=kinds)
    return get_object_or_404(applications, pk=pk)


def applications_in_progress(contract) -> list[Application]:
    return list(Application.objects.in_progress().filter(contract=contract))


def recently_finished(contract, *, days: int = 30, limit: int = 5) -> list[Application]:
    """The contract's applications finished in the last ``days``, newest first (outcomes)."""
    since = timezone.now() - timedelta(days=days)
    return list(
        Application.objects.filter(
            contract=contract, status__in=Application.FINISHED, finished_at__gte=since
        ).order_by("-finished_at", "-id")[:limit]
    )
