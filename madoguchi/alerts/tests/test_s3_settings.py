"""S3 settings: products (in the notices' order), 工事情報/故障情報, weekdays and hours stored
as bitmasks; the warning when no product is chosen; messages beside the fields (X5)."""

import pytest

from madoguchi.alerts.models import ALL_HOURS, ALL_WEEKDAYS, AlertProduct, AlertSettings
from madoguchi.alerts.tests.pages import DESTINATIONS, SETTINGS, settings_data
from madoguchi.audit.models import AuditEntry
from madoguchi.contracts.tests.pages import by_id, dom, field_errors, page_text, text

pytestmark = pytest.mark.django_db

NO_PRODUCTS = "商品が1つも選択されていないため、工事・故障情報メールは配信されません。"
WINDOW_NOTE = "配信希望曜日・時間帯以外に掲載された情報は、メール配信されません。"


def checked(response, name: str) -> list[str]:
    html = response.content.decode()
    boxes = [tag for tag in html.split("<input")[1:] if f'name="{name}"' in tag.split(">")[0]]
    return [
        tag.split('value="')[1].split('"')[0] for tag in boxes if "checked" in tag.split(">")[0]
    ]


def test_s3_first_visit_creates_the_settings_with_defaults_and_warns(support_client, account):
    assert not AlertSettings.objects.filter(account=account).exists()
    response = support_client.get(SETTINGS)
    assert response.status_code == 200
    row = AlertSettings.objects.get(account=account)
    assert (row.maintenance, row.outage, row.weekdays, row.hours) == (
        True,
        True,
        ALL_WEEKDAYS,
        ALL_HOURS,
    )
    assert text(by_id(dom(response), "no-products")) == NO_PRODUCTS
    assert WINDOW_NOTE in page_text(response)
    assert checked(response, "weekdays") == [str(d) for d in range(7)]
    assert checked(response, "hours") == [str(h) for h in range(24)]
    assert checked(response, "kinds") == ["maintenance", "outage"]


def test_s3_products_are_listed_in_the_notices_order(support_client, products):
    page = page_text(support_client.get(SETTINGS))
    positions = [page.index(p) for p in ("テスト光アクセス", "テストメール", "テストホスティング")]
    assert positions == sorted(positions)


def test_s3_monday_9_oclock_is_stored_as_bits(support_client, account, products):
    response = support_client.post(
        SETTINGS,
        settings_data(
            products=[products["mail"].pk], kinds=["outage"], weekdays=["0"], hours=["9"]
        ),
    )
    assert response.status_code == 302 and response["Location"] == SETTINGS
    row = AlertSettings.objects.get(account=account)
    assert row.weekdays == 0b1  # bit 0 = Monday
    assert row.hours == 1 << 9  # 9:00–9:59
    assert (row.maintenance, row.outage) == (False, True)
    assert list(row.products.all()) == [products["mail"]]

    page = support_client.get(SETTINGS)
    assert "設定を保存しました。" in page_text(page)
    assert checked(page, "weekdays") == ["0"]
    assert checked(page, "hours") == ["9"]
    assert checked(page, "kinds") == ["outage"]
    assert checked(page, "products") == [str(products["mail"].pk)]
    assert "no-products" not in page.content.decode()


def test_s3_weekend_evenings_bits_and_the_audit_in_japanese(support_client, account, products):
    support_client.get(SETTINGS)
    support_client.post(
        SETTINGS,
        settings_data(
            products=[products["hosting"].pk, products["fiber"].pk],
            weekdays=["5", "6"],
            hours=["18", "19", "20", "23"],
        ),
        REMOTE_ADDR="198.51.100.7",
    )
    row = AlertSettings.objects.get(account=account)
    assert row.weekdays == (1 << 5) | (1 << 6)
    assert row.hours == (1 << 18) | (1 << 19) | (1 << 20) | (1 << 23)
    entry = AuditEntry.objects.get(action="alerts.settings")
    assert entry.actor == account.user and entry.ip_address == "198.51.100.7"
    assert entry.before == {
        "商品": "なし",
        "配信曜日": "月〜日",
        "配信時間帯": "0時〜24時",
    }
    assert entry.after == {
        "商品": "テスト光アクセス、テストホスティング",
        "配信曜日": "土・日",
        "配信時間帯": "18時〜21時、23時〜24時",
    }


def test_s3_products_are_replaced_not_added(support_client, account, products):
    support_client.post(SETTINGS, settings_data(products=[products["mail"].pk]))
    support_client.post(
        SETTINGS, settings_data(products=[products["fiber"].pk, products["hosting"].pk])
    )
    row = AlertSettings.objects.get(account=account)
    assert set(row.products.all()) == {products["fiber"], products["hosting"]}
    assert AlertProduct.objects.count() == 2


def test_s3_no_product_is_allowed_and_both_pages_warn(support_client, account, products):
    support_client.post(SETTINGS, settings_data(products=[products["mail"].pk]))
    response = support_client.post(SETTINGS, settings_data(products=[]), follow=True)
    assert "設定を保存しました。" in page_text(response)
    assert text(by_id(dom(response), "no-products")) == NO_PRODUCTS
    assert AlertProduct.objects.count() == 0
    assert NO_PRODUCTS in page_text(support_client.get(DESTINATIONS))


def test_s3_saving_the_same_settings_changes_nothing(support_client, account):
    support_client.post(SETTINGS, settings_data())
    response = support_client.post(SETTINGS, settings_data(), follow=True)
    assert "設定に変更はありませんでした。" in page_text(response)
    assert AuditEntry.objects.filter(action="alerts.settings").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kinds": []}, "kinds", "工事情報・故障情報のどちらか（または両方）を選択してください。"),
        ({"weekdays": []}, "weekdays", "配信曜日を1つ以上選択してください。"),
        ({"hours": []}, "hours", "配信時間帯を1つ以上選択してください。"),
        ({"hours": ["24"]}, "hours", "配信時間帯の選択肢から選択してください。"),
        ({"hours": ["-1"]}, "hours", "配信時間帯の選択肢から選択してください。"),
        ({"weekdays": ["月"]}, "weekdays", "配信曜日の選択肢から選択してください。"),
        ({"weekdays": ["7"]}, "weekdays", "配信曜日の選択肢から選択してください。"),
        ({"kinds": ["<script>"]}, "kinds", "配信する情報の選択肢から選択してください。"),
        ({"products": ["99999"]}, "products", "商品の選択肢から選択してください。"),
        ({"products": ["x' OR 1=1 --"]}, "products", "商品の選択肢から選択してください。"),
        ({"products": ["\x00"]}, "products", "商品の選択肢から選択してください。"),
    ],
)
def test_s3_x5_bad_choices_are_refused_beside_the_field(
    support_client, account, products, changes, field, message
):
    support_client.get(SETTINGS)
    before = AlertSettings.objects.get(account=account)
    response = support_client.post(
        SETTINGS, settings_data(**{"products": [products["fiber"].pk], **changes})
    )
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    after = AlertSettings.objects.get(account=account)
    assert (after.weekdays, after.hours, after.maintenance) == (
        before.weekdays,
        before.hours,
        before.maintenance,
    )
    assert AlertProduct.objects.count() == 0
    assert "<script>" not in response.content.decode()
    # The rest of the input is kept (X5).
    if field != "products":
        assert checked(response, "products") == [str(products["fiber"].pk)]


def test_s3_all_hours_helper_ticks_every_hour_and_saves_nothing(support_client, account, products):
    support_client.post(SETTINGS, settings_data(hours=["3"]))
    response = support_client.post(
        SETTINGS,
        settings_data(products=[products["mail"].pk], weekdays=["2"], hours=[], all_hours="1"),
    )
    assert response.status_code == 200
    assert checked(response, "hours") == [str(h) for h in range(24)]
    assert checked(response, "weekdays") == ["2"]
    assert checked(response, "products") == [str(products["mail"].pk)]
    assert "「設定を保存する」ボタンを押すと保存されます" in page_text(response)
    assert AlertSettings.objects.get(account=account).hours == 1 << 3  # not saved


def test_s3_x5_the_helper_with_garbage_shows_the_form_again(support_client, account):
    response = support_client.post(
        SETTINGS,
        {"products": ["\x00", "abc"], "weekdays": ["9"], "hours": ["<b>"], "all_hours": "x"},
    )
    assert response.status_code == 200
    assert checked(response, "hours") == [str(h) for h in range(24)]
    assert checked(response, "weekdays") == [] and checked(response, "products") == []
    assert "<b>" not in response.content.decode()
