"""Which notices a visitor may see (S1): the one visibility rule of 工事・故障情報.

Every public page, feed and search of notices starts from ``visible_notices(user)``: a
notice is shown once published (``published_at`` set and not in the future), and a notice
marked for logged-in customers only is shown to customers alone. Anyone else gets neither
the page nor its title (404, not 403).
"""

from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.contracts.access import is_customer
from madoguchi.notices.models import Notice

# How many current notices the support top page lists.
TOP_PAGE_NOTICES = 10


def visible_notices(user) -> QuerySet[Notice]:
    """The notices ``user`` (maybe anonymous) may see, in the model's order."""
    notices = Notice.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
    if not is_customer(user):
        notices = notices.filter(members_only=False)
    return notices


def current_notices(user) -> QuerySet[Notice]:
    """Planned work and outages still open (予定, 作業中, 発生中) that ``user`` may see."""
    return visible_notices(user).filter(status__in=Notice.OPEN_STATUSES)


def current_notices_for_contract(user, service_name: str) -> QuerySet[Notice]:
    """The open notices of the products of a contract's service plan, soonest first (D2).

    One query: the plan is joined by its name, so a contract whose service has no plan
    gets nothing.
    """
    return (
        current_notices(user)
        .filter(products__plans__name=service_name)
        .distinct()
        .order_by("starts_at", "pk")
    )
