"""Reads of applications, scoped to the contract that owns them."""

from django.shortcuts import get_object_or_404

from madoguchi.applications.models import Application


def get_application_for_contract(contract, pk: int) -> Application:
    """The contract's own application, or 404 (never another customer's)."""
    return get_object_or_404(Application, pk=pk, contract=contract)


def applications_in_progress(contract) -> list[Application]:
    return list(Application.objects.in_progress().filter(contract=contract))
