from django.urls import path

from madoguchi.notices import feeds, views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    # Feeds (S1): Atom and iCalendar, for all products and per product.
    path("feed.atom", feeds.atom, name="atom"),
    path("feed/<slug:product_code>.atom", feeds.atom, name="atom_product"),
    path("calendar.ics", feeds.ical, name="ical"),
    path("calendar/<slug:product_code>.ics", feeds.ical, name="ical_product"),
]
