"""One-click unsubscribe (RFC 8058) of a notification mail, by its signed token.

The token names the delivery row the mail was sent for; unsubscribing stops that
destination for that kind of information (工事 or 故障) and marks the row, so the
publication's progress counts it. Doing it again changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import stop_kind
from madoguchi.delivery import tokens
from madoguchi.delivery.models import Delivery


@dataclass(frozen=True)
class Unsubscribed:
    destination: Destination | None  # None: the destination was deleted meanwhile
    kind: str  # Notice.Kind of the mail


def delivery_for(token: str) -> Delivery:
    """The delivery row a token names; tokens.BadToken for a token never issued."""
    target = tokens.read(tokens.UNSUBSCRIBE, token)
    if target.kind != tokens.DELIVERY:
        raise tokens.BadToken(token)
    delivery = Delivery.objects.select_related("publication").filter(pk=target.pk).first()
    if delivery is None:
        raise tokens.BadToken(token)
    return delivery


@transaction.atomic
def unsubscribe_by_token(token: str) -> Unsubscribed:
    """Stop the kind of the token's mail for its destination; tokens.BadToken if forged."""
    delivery = delivery_for(token)
    kind = delivery.publication.kind
    destination = stop_kind(delivery.destination_id, kind)
    Delivery.objects.filter(
        pk=delivery.pk, event__in=(Delivery.Event.NONE, Delivery.Event.AUTO_REPLY)
    ).update(event=Delivery.Event.UNSUBSCRIBED)
    return Unsubscribed(destination, kind)
