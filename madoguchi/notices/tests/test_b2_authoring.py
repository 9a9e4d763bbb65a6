"""B2: operators write 工事・故障情報 in the back office, publish them and add status updates.

Publishing or updating a published notice records one publication (the event the delivery
of 工事・故障情報メール will mail) and sends nothing; every action is audited (X7).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client

from madoguchi.audit.labels import action_label
from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.roles import ETSURAN, UKETSUKE
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.contracts.tests.pages import attr, classes, dom, find_all, page_text, text
from madoguchi.notices import services
from madoguchi.notices.models import Notice, NoticeUpdate, Product, Publication
from madoguchi.notices.seed import ensure_products
from madoguchi.outbox.models import Mail

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def products(db):
    return ensure_products()


def make_notice(products, *, published=False, operator=None, **values) -> Notice:
    defaults = {
        "kind": Notice.Kind.MAINTENANCE,
        "status": Notice.Status.SCHEDULED,
        "title": "光アクセス設備の定期工事",
        "body": "工事中は**最大10分**程度の切断が発生します。",
        "area": "東京都千代田区の一部",
        "starts_at": jst(2030, 1, 10, 2, 0),
        "ends_at": jst(2030, 1, 10, 5, 0),
    }
    notice = services.create_notice(
        notice=Notice(**{**defaults, **values}),
        products=[products["fiber"], products["mail"]],
        actor=operator,
        ip=None,
    )
    if published:
        services.publish_notice(notice=notice, actor=operator, ip=None, send_mail=False)
    return notice


def form_data(catalogue, **values) -> dict:
    """What the notice's change form posts (dates and times as the admin's split widget)."""
    data = {
        "kind": "maintenance",
        "status": "scheduled",
        "title": "光アクセス設備の定期工事",
        "body": "工事中は切断が発生します。",
        "products": [catalogue["fiber"].pk, catalogue["mail"].pk],
        "area": "東京都千代田区の一部",
        "starts_at_0": "2030-01-10",
        "starts_at_1": "02:00",
        "ends_at_0": "2030-01-10",
        "ends_at_1": "05:00",
        "_save": "保存",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def change_form_data(notice: Notice, **values) -> dict:
    start = notice.starts_at.astimezone(JST)
    end = notice.ends_at.astimezone(JST) if notice.ends_at else None
    data = {
        "kind": notice.kind,
        "status": notice.status,
        "title": notice.title,
        "body": notice.body,
        "products": [p.pk for p in notice.products.all()],
        "area": notice.area,
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M}",
        "ends_at_0": f"{end:%Y-%m-%d}" if end else "",
        "ends_at_1": f"{end:%H:%M}" if end else "",
        "_save": "保存",
    }
    if notice.members_only:
        data["members_only"] = "on"
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def messages_beside(response, field: str) -> str:
    """The text of the admin's row of ``field`` (where its error list is shown)."""
    rows = find_all(dom(response), lambda e: e.name == "div" and f"field-{field}" in classes(e))
    assert rows, f"no row for {field}"
    return " ".join(text(row) for row in rows)


def update_data(**values) -> dict:
    data = {
        "update-at_0": "2030-01-10",
        "update-at_1": "02:05",
        "update-status": "in_progress",
        "update-text": "工事を開始しました。",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


# --- creating and editing ---------------------------------------------------------------------


def test_b2_a_new_notice_is_a_draft_with_jst_times_and_is_audited(
    operator_client, operator, products
):
    response = operator_client.post(url("notices_notice_add"), form_data(products))
    assert response.status_code == 302, response.context and response.context["errors"]
    notice = Notice.objects.get()
    assert notice.published_at is None and notice.sequence == 0
    assert notice.starts_at == jst(2030, 1, 10, 2, 0)
    assert notice.ends_at == jst(2030, 1, 10, 5, 0)
    assert {p.code for p in notice.products.all()} == {"fiber", "mail"}
    assert not Publication.objects.exists()
    entry = AuditEntry.objects.get(action=services.CREATE_ACTION)
    assert entry.actor == operator and entry.target == notice.title
    assert entry.after["開始日時"] == "2030/01/10(木) 02:00"
    assert entry.after["対象商品"] == ["光アクセス", "メール"]
    assert action_label(entry.action) == "工事・故障情報の作成"

    listing = page_text(operator_client.get(url("notices_notice_changelist")))
    assert "光アクセス設備の定期工事" in listing and "2030/01/10(木) 02:00" in listing
    assert "下書き" in listing and "光アクセス、メール" in listing


def test_b2_status_that_does_not_fit_the_kind_is_refused_beside_the_field(
    operator_client, products
):
    response = operator_client.post(
        url("notices_notice_add"), form_data(products, status="occurring")
    )
    assert response.status_code == 200
    assert "工事の状況は 予定・作業中・完了・中止 から選んでください。" in messages_beside(
        response, "status"
    )
    response = operator_client.post(
        url("notices_notice_add"), form_data(products, kind="outage", status="completed")
    )
    assert "故障の状況は 発生中・復旧 から選んでください。" in messages_beside(response, "status")
    assert not Notice.objects.exists()
    assert not AuditEntry.objects.exists()


def test_b2_an_end_before_the_start_is_refused_beside_the_field(operator_client, products):
    response = operator_client.post(
        url("notices_notice_add"), form_data(products, ends_at_0="2030-01-09")
    )
    assert response.status_code == 200
    assert "終了日時は開始日時より後にしてください。" in messages_beside(response, "ends_at")
    assert not Notice.objects.exists()


def test_b2_required_fields_say_so_in_japanese(operator_client, products):
    response = operator_client.post(
        url("notices_notice_add"),
        form_data(products, title="", products=[], starts_at_0="", starts_at_1=""),
    )
    assert response.status_code == 200
    assert "件名を入力してください。" in messages_beside(response, "title")
    assert "対象商品を1つ以上選んでください。" in messages_beside(response, "products")
    assert "開始日時を入力してください。" in messages_beside(response, "starts_at")
    assert not Notice.objects.exists()


def test_b2_sequence_rises_when_a_published_window_moves_not_on_a_title_edit(
    operator_client, operator, products
):
    notice = make_notice(products, published=True, operator=operator)
    change = url("notices_notice_change", notice.pk)

    response = operator_client.post(change, change_form_data(notice, title="件名だけ直しました"))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "件名だけ直しました" and notice.sequence == 0

    response = operator_client.post(change, change_form_data(notice, starts_at_1="03:00"))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.starts_at == jst(2030, 1, 10, 3, 0) and notice.sequence == 1
    entry = AuditEntry.objects.filter(action=services.CHANGE_ACTION).latest("pk")
    assert entry.before["開始日時"] == "2030/01/10(木) 02:00"
    assert entry.after["開始日時"] == "2030/01/10(木) 03:00"

    operator_client.post(change, change_form_data(notice, ends_at_0="", ends_at_1=""))
    notice.refresh_from_db()
    assert notice.ends_at is None and notice.sequence == 2

    operator_client.post(change, change_form_data(notice, status="cancelled"))
    notice.refresh_from_db()
    assert notice.status == "cancelled" and notice.sequence == 3
    # No publication for an edit unless asked for.
    assert list(Publication.objects.values_list("event", flat=True)) == ["published"]


def test_b2_a_draft_s_edits_leave_the_sequence_alone(operator_client, operator, products):
    notice = make_notice(products, operator=operator)
    operator_client.post(
        url("notices_notice_change", notice.pk), change_form_data(notice, starts_at_1="04:00")
    )
    notice.refresh_from_db()
    assert notice.starts_at == jst(2030, 1, 10, 4, 0) and notice.sequence == 0


def test_b2_an_edit_published_on_request_records_an_edited_publication(
    operator_client, operator, products
):
    notice = make_notice(products, published=True, operator=operator)
    response = operator_client.post(
        url("notices_notice_change", notice.pk),
        change_form_data(
            notice,
            ends_at_1="06:00",
            products=[products["fiber"].pk],
            publish_change="on",
            send_mail="on",
        ),
    )
    assert response.status_code == 302
    edited = Publication.objects.get(event=Publication.Event.EDITED)
    assert edited.send_mail is True and edited.created_by == operator
    assert "終了日時：2030/01/10(木) 06:00" in edited.text
    assert [p.code for p in edited.products.all()] == ["fiber"]
    assert mail.outbox == [] and not Mail.objects.exists()


def test_b2_the_product_choice_is_checkboxes_and_dates_are_shown_in_jst(
    operator_client, operator, products
):
    notice = make_notice(products, operator=operator)
    response = operator_client.get(url("notices_notice_change", notice.pk))
    root = dom(response)
    boxes = find_all(root, lambda e: attr(e, "name") == "products")
    assert {attr(b, "type") for b in boxes} == {"checkbox"} and len(
        boxes
    ) == Product.objects.count()
    date = find_all(root, lambda e: attr(e, "name") == "starts_at_1")[0]
    assert attr(date, "value") == "02:00:00"  # JST, not 17:00 UTC


# --- publishing ---------------------------------------------------------------------------


def test_b2_publish_records_one_publication_with_its_snapshot_and_sends_nothing(
    operator_client, operator, products
):
    notice = make_notice(products, operator=operator)
    confirm = operator_client.get(url("notices_notice_publish", notice.pk))
    assert confirm.status_code == 200
    assert "【工事】光アクセス設備の定期工事" in page_text(confirm)

    response = operator_client.post(url("notices_notice_publish", notice.pk), {"send_mail": "on"})
    assert response.status_code == 302
    assert response["Location"] == url("notices_notice_change", notice.pk)
    notice.refresh_from_db()
    assert notice.published_at is not None

    publication = Publication.objects.get()
    assert publication.event == Publication.Event.PUBLISHED
    assert publication.notice == notice and publication.update is None
    assert (publication.kind, publication.status) == ("maintenance", "scheduled")
    assert publication.subject == "【工事】光アクセス設備の定期工事"
    assert publication.send_mail is True and publication.created_by == operator
    assert [p.name for p in publication.products.all()] == ["光アクセス", "メール"]
    for line in (
        "状況：予定",
        "対象商品：光アクセス、メール",
        "対象地域：東京都千代田区の一部",
        "開始日時：2030/01/10(木) 02:00",
        "終了日時：2030/01/10(木) 05:00",
        "工事中は最大10分程度の切断が発生します。",
    ):
        assert line in publication.text
    assert "**" not in publication.text  # plain text, not Markdown
    # Recording sends nothing: no mail, nothing queued.
    assert mail.outbox == [] and not Mail.objects.exists()

    entry = AuditEntry.objects.get(action=services.PUBLISH_ACTION)
    assert entry.actor == operator and entry.after["メール配信する"] is True
    assert action_label(entry.action) == "工事・故障情報の公開"

    page = page_text(operator_client.get(url("notices_notice_change", notice.pk)))
    assert "公開中" in page and "掲載" in page and "operator1" in page


def test_b2_publishing_twice_records_one_publication(operator_client, operator, products):
    notice = make_notice(products, operator=operator)
    first = operator_client.post(url("notices_notice_publish", notice.pk), {})
    second = operator_client.post(url("notices_notice_publish", notice.pk), {}, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "この工事・故障情報は公開済みです。" in page_text(second)
    assert Publication.objects.count() == 1
    assert Publication.objects.get().send_mail is False
    assert AuditEntry.objects.filter(action=services.PUBLISH_ACTION).count() == 1


def test_b2_unpublish_takes_it_back_to_a_draft_and_keeps_the_publications(
    operator_client, operator, products
):
    notice = make_notice(products, published=True, operator=operator)
    response = operator_client.post(url("notices_notice_unpublish", notice.pk))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.published_at is None
    assert Publication.objects.count() == 1
    assert AuditEntry.objects.filter(action=services.UNPUBLISH_ACTION).count() == 1
    assert operator_client.get(url("notices_notice_unpublish", notice.pk)).status_code == 405


# --- status updates ------------------------------------------------------------------------


def test_b2_an_update_of_a_published_notice_records_one_publication(
    operator_client, operator, products
):
    notice = make_notice(products, published=True, operator=operator)
    response = operator_client.post(
        url("notices_notice_status", notice.pk), update_data(**{"update-send_mail": "on"})
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "in_progress" and notice.sequence == 1
    update = NoticeUpdate.objects.get()
    assert update.at == jst(2030, 1, 10, 2, 5) and update.send_mail is True
    assert update.created_by == operator
    publication = Publication.objects.get(event=Publication.Event.UPDATED)
    assert publication.update == update and publication.status == "in_progress"
    assert publication.send_mail is True
    assert "■ 状況の更新（2030/01/10(木) 02:05）" in publication.text
    assert "作業中：工事を開始しました。" in publication.text
    assert mail.outbox == [] and not Mail.objects.exists()
    entry = AuditEntry.objects.get(action=services.UPDATE_ACTION)
    assert entry.before["状況"] == "予定" and entry.after["状況"] == "作業中"

    # 完了 sets the end time when none is set; the history shows both, in JST.
    Notice.objects.filter(pk=notice.pk).update(ends_at=None)
    operator_client.post(
        url("notices_notice_status", notice.pk),
        update_data(
            **{
                "update-status": "completed",
                "update-at_1": "04:30",
                "update-text": "完了しました。",
            }
        ),
    )
    notice.refresh_from_db()
    assert notice.status == "completed" and notice.ends_at == jst(2030, 1, 10, 4, 30)
    assert notice.sequence == 2
    assert Publication.objects.filter(event=Publication.Event.UPDATED).count() == 2
    page = page_text(operator_client.get(url("notices_notice_change", notice.pk)))
    assert "2030/01/10(木) 02:05" in page and "工事を開始しました。" in page
    assert "完了しました。" in page


def test_b2_an_update_of_a_draft_records_no_publication(operator_client, operator, products):
    notice = make_notice(products, operator=operator)
    response = operator_client.post(url("notices_notice_status", notice.pk), update_data())
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "in_progress" and notice.sequence == 0
    assert NoticeUpdate.objects.count() == 1
    assert not Publication.objects.exists()


def test_b2_the_same_update_posted_twice_is_stored_once(operator_client, operator, products):
    notice = make_notice(products, published=True, operator=operator)
    operator_client.post(url("notices_notice_status", notice.pk), update_data())
    again = operator_client.post(url("notices_notice_status", notice.pk), update_data())
    assert again.status_code == 200
    assert "同じ内容の状況の更新が登録済みです。" in page_text(again)
    assert NoticeUpdate.objects.count() == 1
    assert Publication.objects.filter(event=Publication.Event.UPDATED).count() == 1


def test_b2_an_update_s_status_must_fit_the_kind(operator_client, operator, products):
    notice = make_notice(products, operator=operator)
    response = operator_client.post(
        url("notices_notice_status", notice.pk), update_data(**{"update-status": "recovered"})
    )
    assert response.status_code == 200
    assert "工事の状況は 予定・作業中・完了・中止 から選んでください。" in messages_beside(
        response, "status"
    )
    response = operator_client.post(
        url("notices_notice_status", notice.pk),
        update_data(**{"update-status": "no-such", "update-text": "", "update-at_0": "x"}),
    )
    text_ = page_text(response)
    assert "状況を一覧から選んでください。" in text_ and "内容を入力してください。" in text_
    assert "日付を 2024-01-11 の形で入力してください。" in text_
    assert not NoticeUpdate.objects.exists()
    notice.refresh_from_db()
    assert notice.status == "scheduled"


def test_b2_a_completion_before_the_start_is_refused_beside_the_time(
    operator_client, operator, products
):
    notice = make_notice(products, operator=operator, ends_at=None)
    response = operator_client.post(
        url("notices_notice_status", notice.pk),
        update_data(**{"update-status": "completed", "update-at_0": "2030-01-09"}),
    )
    assert response.status_code == 200
    assert "完了の日時は開始日時（2030/01/10(木) 02:00）より後にしてください。" in messages_beside(
        response, "at"
    )
    assert not NoticeUpdate.objects.exists()


def test_b2_the_status_form_page_shows_the_current_status(operator_client, operator, products):
    notice = make_notice(products, operator=operator, kind="outage", status="occurring")
    response = operator_client.get(url("notices_notice_status", notice.pk))
    assert response.status_code == 200
    assert "現在の状況：発生中（故障）" in page_text(response)


# --- roles (B5) ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [ETSURAN, UKETSUKE], ids=["etsuran", "uketsuke"])
def test_b2_reading_roles_cannot_author(role, operator, products):
    notice = make_notice(products, operator=operator)
    client = Client()
    client.force_login(OperatorFactory(username=f"reader-{role.key}", role=role))

    page = client.get(url("notices_notice_change", notice.pk))
    assert page.status_code == 200  # every role reads notices
    buttons = {attr(e, "value") for e in find_all(dom(page), lambda e: attr(e, "type") == "submit")}
    assert not buttons & {"公開する", "状況を更新", "プレビュー", "保存"}, buttons
    refused = [
        client.get(url("notices_notice_add")),
        client.post(url("notices_notice_add"), form_data(products)),
        client.post(url("notices_notice_change", notice.pk), change_form_data(notice, title="x")),
        client.post(url("notices_notice_preview"), {"body": "# x"}),
        client.get(url("notices_notice_publish", notice.pk)),
        client.post(url("notices_notice_publish", notice.pk), {"send_mail": "on"}),
        client.post(url("notices_notice_unpublish", notice.pk)),
        client.post(url("notices_notice_status", notice.pk), update_data()),
        client.post(url("notices_product_add"), {"name": "x", "code": "x", "order": 1}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    notice.refresh_from_db()
    assert notice.title == "光アクセス設備の定期工事" and notice.published_at is None
    assert not Publication.objects.exists() and not NoticeUpdate.objects.exists()
    assert Notice.objects.count() == 1


def test_b2_nobody_deletes_notices_publications_or_products(operator_client, operator, products):
    notice = make_notice(products, published=True, operator=operator)
    publication = Publication.objects.get()
    for name, pk in (
        ("notices_notice_delete", notice.pk),
        ("notices_publication_delete", publication.pk),
        ("notices_product_delete", products["fiber"].pk),
    ):
        assert operator_client.post(url(name, pk), {"post": "yes"}).status_code == 403
    # Publications are records: not even 管理者 edits them.
    response = operator_client.post(url("notices_publication_change", publication.pk), {})
    assert response.status_code == 403
    assert Notice.objects.count() == 1 and Publication.objects.count() == 1


def test_b2_products_and_plans_are_edited_by_administrators_and_audited(
    operator_client, operator, products
):
    response = operator_client.post(
        url("notices_product_add"), {"name": "IPv6 接続", "code": "ipv6", "order": 9}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=services.PRODUCT_ACTION)
    assert entry.after == {"操作": "登録", "コード": "ipv6", "商品名": "IPv6 接続", "表示順": 9}

    response = operator_client.post(
        url("notices_serviceplan_add"),
        {"name": "光ビジネス", "products": [products["fiber"].pk, products["dns"].pk]},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=services.PLAN_ACTION)
    assert entry.after["商品"] == ["光アクセス", "DNS"]
    assert action_label(entry.action) == "サービスと商品の対応の登録・変更"


# --- query counts ------------------------------------------------------------------------


def test_b2_pages_query_counts_are_bounded(
    operator_client, operator, products, django_assert_max_num_queries
):
    for number in range(5):
        notice = make_notice(products, operator=operator, title=f"工事 {number}")
        services.publish_notice(notice=notice, actor=operator, ip=None, send_mail=True)
        services.add_update(
            notice=notice,
            at=notice.starts_at + timedelta(minutes=5),
            status="in_progress",
            text="開始",
            send_mail=False,
            actor=operator,
            ip=None,
        )
    pages = [
        url("notices_notice_changelist"),
        url("notices_notice_changelist") + "?q=工事",
        url("notices_notice_change", notice.pk),
        url("notices_notice_add"),
        url("notices_notice_publish", notice.pk),
        url("notices_notice_status", notice.pk),
        url("notices_publication_changelist"),
        url("notices_publication_change", Publication.objects.first().pk),
        url("notices_product_changelist"),
        url("notices_serviceplan_changelist"),
    ]
    for page in pages:
        with django_assert_max_num_queries(16):
            assert operator_client.get(page).status_code == 200, page


def test_b2_status_updates_need_their_own_permission(operator, products):
    """「状況を更新」 is checked against ``notices.add_noticeupdate``, not only the notice's."""
    from django.contrib.auth.models import Permission

    notice = make_notice(products, operator=operator)
    editor = OperatorFactory(username="editor", role=ETSURAN)
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="notices", codename="change_notice")
    )
    client = Client()
    client.force_login(editor)
    page = client.get(url("notices_notice_change", notice.pk))
    assert page.status_code == 200
    assert not find_all(dom(page), lambda e: "notice-status-update" in classes(e))
    assert client.post(url("notices_notice_status", notice.pk), update_data()).status_code == 403
    assert not NoticeUpdate.objects.exists()
