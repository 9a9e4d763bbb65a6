"""工事・故障情報 (S1): the public list with its filters, and each notice's page."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from madoguchi.contracts.access import is_customer
from madoguchi.notices.display import window, with_windows
from madoguchi.notices.filters import NoticeFilterForm
from madoguchi.notices.models import Product
from madoguchi.notices.queries import visible_notices

PER_PAGE = 20


@login_not_required
def notice_list(request):
    """Newest first (the latest published on top), filtered by the query string; 20 a page."""
    products = list(Product.objects.all())
    form = NoticeFilterForm(request.GET or None, products=products)
    page = None
    feed_product = None
    if form.is_bound and not form.is_valid():
        notices = None  # the messages beside the fields say what to correct
    else:
        notices = visible_notices(request.user)
        if form.is_bound:
            notices = form.apply(notices)
            chosen = form.cleaned_data.get("product")
            feed_product = next((p for p in products if p.code == chosen), None)
        notices = notices.order_by("-published_at", "-pk").prefetch_related("products")
        paginator = Paginator(notices, PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = with_windows(page.object_list)
    return render(
        request,
        "notices/list.html",
        {
            "form": form,
            "page": page,
            "customer": is_customer(request.user),
            "product": feed_product,  # the feeds of the product filtered for, if any
        },
    )


@login_not_required
def notice_detail(request, pk: int):
    """One notice with its history; hidden, unpublished or unknown ones are not found."""
    notice = get_object_or_404(
        visible_notices(request.user).prefetch_related("products", "updates"), pk=pk
    )
    notice.window = window(notice)
    return render(
        request,
        "notices/detail.html",
        {"notice": notice, "customer": is_customer(request.user)},
    )
