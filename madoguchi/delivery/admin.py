"""Back office: 工事・故障情報メールの送信 (B2) — every mailing, and each one's live progress.

The list reads the mailings' own fields and one sum over their ``Progress`` rows (a row per
finished batch), so it costs the same for a mailing of ten or a million. A mailing's page is
its progress: the figures, a progress bar, the chart of mails per second and the latest
failures with their SMTP replies. ``static/delivery/progress.js`` polls the page's JSON
(``…/progress.json``) every second while the mailing still moves and redraws them in place;
without JavaScript the page shows the figures as they were when it was loaded.

Every role reads mailings (``delivery.view_mailing``); 「一時停止」 and 「再開」 are for those
who publish notices (管理者, ``delivery.change_mailing``): each a POST that calls
``services.pause_mailing`` / ``resume_mailing`` (audited, X7) and goes back to the page.
Nobody adds, edits or deletes a mailing here: publishing a notice makes one.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST

from madoguchi.audit.services import client_ip
from madoguchi.backoffice.site import BackofficeAdmin, ReadOnlyAdminMixin, backoffice_site
from madoguchi.delivery import services
from madoguchi.delivery.models import Bounce, Mailing, Progress
from madoguchi.delivery.progress import progress
from madoguchi.lib.dates import format_datetime

PAUSE_PERMISSION = "delivery.change_mailing"  # 「一時停止」「再開」: 管理者, who publishes
MAX_KEY = 2**63 - 1


def _jst(value) -> str:
    return format_datetime(value) if value else "-"


@admin.register(Mailing, site=backoffice_site)
class MailingAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    list_display = ["subject", "state", "selected", "sent", "started", "finished"]
    list_display_links = ["subject"]
    list_filter = ["state"]
    search_fields = ["publication__subject"]
    search_help_text = "件名で検索できます。"

    def get_queryset(self, request):
        # What the batches reported, summed per mailing in one subquery: the list reads no
        # delivery row (a mailing may have a million).
        sent = (
            Progress.objects.filter(mailing=OuterRef("pk"))
            .order_by()
            .values("mailing")
            .annotate(total=Sum("sent"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("publication")
            .annotate(sent_total=Coalesce(Subquery(sent, output_field=IntegerField()), 0))
        )

    # --- columns ---------------------------------------------------------------------------

    @admin.display(description="件名", ordering="publication__subject")
    def subject(self, obj):
        return obj.publication.subject

    @admin.display(description="送信済み", ordering="sent_total")
    def sent(self, obj):
        return obj.sent_total

    @admin.display(description="開始", ordering="started_at")
    def started(self, obj):
        return _jst(obj.started_at)

    @admin.display(description="完了", ordering="finished_at")
    def finished(self, obj):
        return _jst(obj.finished_at)

    # --- the page: the mailing's progress -------------------------------------------------

    def has_pause_permission(self, request) -> bool:
        return request.user.has_perm(PAUSE_PERMISSION)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/progress.json",
                self.admin_site.admin_view(self.progress_view),
                name="{}_{}_progress".format(*info),
            ),
            *(
                path(
                    f"<path:object_id>/{action}/",
                    self.admin_site.admin_view(view),
                    name="{}_{}_{}".format(*info, action),
                )
                for action, view in (("pause", self.pause_view), ("resume", self.resume_view))
            ),
            *super().get_urls(),
        ]

    def get_object(self, request, object_id, from_field=None):
        # The key is a publication's (a one-to-one): Django does not check its range as it
        # does an id's, and SQLite refuses a number past 64 bits instead of finding nothing.
        key = str(object_id)
        if not (key.isascii() and key.isdigit()) or int(key) > MAX_KEY:
            return None
        return super().get_object(request, object_id, from_field)

    def _mailing(self, request, object_id) -> Mailing:
        mailing = self.get_object(request, unquote(object_id))
        if mailing is None:
            raise Http404("送信が見つかりません。")
        if not self.has_view_permission(request, mailing):
            raise PermissionDenied
        return mailing

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The mailing's progress page (there is nothing to edit: a GET page only)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        mailing = self._mailing(request, object_id)
        may_pause = self.has_pause_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "title": f"送信状況：{mailing.publication.subject}",
            "subtitle": None,
            "opts": self.opts,
            "original": mailing,
            "publication": mailing.publication,
            "progress": progress(mailing),
            "may_pause": may_pause,
            "json_url": reverse(
                "backoffice:delivery_mailing_progress",
                args=[mailing.pk],
                current_app=self.admin_site.name,
            ),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "delivery/admin/progress.html", context)

    @method_decorator(require_GET)
    def progress_view(self, request, object_id):
        """The page's figures as JSON, polled by ``progress.js`` (never cached)."""
        mailing = self._mailing(request, object_id)
        response = JsonResponse(progress(mailing), json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "no-store, private"
        return response

    def _pausable(self, request, object_id) -> Mailing:
        mailing = self._mailing(request, object_id)
        if not self.has_pause_permission(request):
            raise PermissionDenied
        return mailing

    def _page(self, mailing) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse(
                "backoffice:delivery_mailing_change",
                args=[mailing.pk],
                current_app=self.admin_site.name,
            )
        )

    @method_decorator(require_POST)
    def pause_view(self, request, object_id):
        """「一時停止」: the senders stop after the batch they are sending."""
        mailing = self._pausable(request, object_id)
        if services.pause_mailing(mailing, actor=request.user, ip=client_ip(request)):
            self.message_user(
                request,
                "送信を一時停止しました。送信中のまとまりを送り終えたところで止まります。",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"送信中ではないため、一時停止していません（状態：{mailing.get_state_display()}）。",
                messages.WARNING,
            )
        return self._page(mailing)

    @method_decorator(require_POST)
    def resume_view(self, request, object_id):
        """「再開」: the senders go on where they stopped."""
        mailing = self._pausable(request, object_id)
        if services.resume_mailing(mailing, actor=request.user, ip=client_ip(request)):
            self.message_user(request, "送信を再開しました。", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"一時停止中ではないため、再開していません（状態：{mailing.get_state_display()}）。",
                messages.WARNING,
            )
        return self._page(mailing)


# --- bounces


@admin.register(Bounce, site=backoffice_site)
class BounceAdmin(ReadOnlyAdminMixin, BackofficeAdmin):
    """不達・苦情: every bounce, complaint and auto-reply received, read only (受付 and up)."""

    list_display = ["received_at", "kind", "recipient", "status_code", "diagnostic", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "received_at"
    search_fields = ["recipient", "status_code"]
    search_help_text = "宛先のメールアドレスまたは状態コード（例：5.1.1）で検索できます。"
    fields = [
        "received_at",
        "kind",
        "recipient",
        "status_code",
        "diagnostic",
        "source",
        "delivery",
        "mail",
        "destination_id",
    ]
    readonly_fields = fields
