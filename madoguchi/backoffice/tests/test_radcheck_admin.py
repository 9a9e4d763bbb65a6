"""P1: the radcheck rows in the back office — usernames only; hashes never shown."""

import pytest

from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.pages import page_text
from madoguchi.provisioning.models import RadCheck
from madoguchi.provisioning.services import network_password_hash, set_radius_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(customer):
    set_radius_password(username=customer.username, crypt_hash=network_password_hash("Abc-1234"))
    return RadCheck.objects.get(username=customer.username)


def test_p1_list_shows_username_attribute_op_but_not_the_hash(
    operator_client, row, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = operator_client.get(url("provisioning_radcheck_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert row.username in html and "Crypt-Password" in html and ":=" in html
    assert row.value not in html and "$6$" not in html


def test_p1_detail_masks_the_hash(operator_client, row):
    response = operator_client.get(url("provisioning_radcheck_change", row.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "SHA-512-crypt のハッシュ（非表示）" in page_text(response)
    assert row.value not in html and row.value.split("$")[-1] not in html


def test_p1_radcheck_is_read_only(operator_client, row):
    assert operator_client.get(url("provisioning_radcheck_add")).status_code == 403
    response = operator_client.post(
        url("provisioning_radcheck_change", row.pk),
        {"username": row.username, "attribute": "Cleartext-Password", "op": ":=", "value": "x"},
    )
    assert response.status_code == 403
    delete = url("provisioning_radcheck_delete", row.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert RadCheck.objects.get(pk=row.pk).attribute == "Crypt-Password"
