import pytest

from madoguchi.contracts.models import Contract
from madoguchi.testing.workers import database_tasks, processes  # noqa: F401

CURRENT = {
    "contact_person_name": "窓口 太郎",
    "contact_person_kana": "マドグチ\u3000タロウ",
    "contact_person_department": "情報システム部",
    "contact_person_phone": "03-1234-5678",
    "contact_email": "taro@example.com",
}


@pytest.fixture
def contract(customer) -> Contract:
    """The customer's contract with a contact person (as the demo's demo0001 has)."""
    Contract.objects.filter(pk=customer.contract_id).update(**CURRENT)
    customer.contract.refresh_from_db()
    return customer.contract
