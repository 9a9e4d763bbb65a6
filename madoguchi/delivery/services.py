"""Selecting a publication's recipients into delivery rows (S4).

``select_deliveries`` turns the one-query selection of ``alerts.services.select_recipients``
(products, kind, the weekday and hour of the publication time in JST, confirmed and not
suspended destinations) into the publication's delivery rows with one ``INSERT … SELECT``
run by the database: no subscriber passes through Python. ``ON CONFLICT DO NOTHING`` on the
(publication, destination) unique constraint makes a rerun, or two at once, add nothing.
"""

from django.db import connection, transaction
from django.db.models import F

from madoguchi.alerts.services import select_recipients
from madoguchi.delivery.models import Delivery
from madoguchi.notices.models import Publication


def select_deliveries(publication: Publication) -> int:
    """Make the delivery rows of a publication marked 「メール配信する」; how many were new.

    A publication not marked for mail selects nobody.
    """
    if not publication.send_mail:
        return 0
    product_ids = list(publication.products.values_list("pk", flat=True))
    if not product_ids:
        return 0
    recipients = select_recipients(
        product_ids=product_ids, kind=publication.kind, at=publication.created_at
    )
    select_sql, params = recipients.order_by().values(recipient_id=F("pk")).query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Delivery._meta.get_field(name).column)
        for name in ("publication", "destination_id", "status", "attempts", "reply", "event")
    )
    conflict = ", ".join(
        connection.ops.quote_name(Delivery._meta.get_field(name).column)
        for name in ("publication", "destination_id")
    )
    # "WHERE true": SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT.
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT %s, recipient.recipient_id, %s, 0, '', 0 FROM ({select_sql}) recipient WHERE true "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [publication.pk, Delivery.Status.PENDING, *params])
        return cursor.rowcount
