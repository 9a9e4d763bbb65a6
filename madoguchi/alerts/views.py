"""工事・故障情報メール (S3): settings and destinations in マイメニュー, and the two pages
that mailed links open.

The settings and destination pages need a logged-in support ID (``support_id_required``).
The pages of mailed links (仮登録確認, 配信再開) need no login: the mail may be read on
another device. Their GET only shows what the button will do (mail scanners open links);
only the button's POST uses the token.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.alerts import links, services
from madoguchi.alerts.display import KIND_LABELS, kind_stops, kinds_sent
from madoguchi.alerts.forms import HOURS, AlertSettingsForm, DestinationForm, KindForm
from madoguchi.alerts.models import MAX_DESTINATIONS, Destination
from madoguchi.audit.services import client_ip
from madoguchi.supportid.access import support_id_required
from madoguchi.supportid.models import MailToken

SAVED = "設定を保存しました。"
UNCHANGED = "設定に変更はありませんでした。"
ALL_HOURS_SELECTED = (
    "配信時間帯をすべて選択しました。「設定を保存する」ボタンを押すと保存されます。"
)
ADDED = (
    "{address} を仮登録しました。{address} 宛てに仮登録確認メールをお送りしました。"
    "メールに記載されたURLを{minutes}分以内に開き、「配信先として登録する」ボタンを押してください。"
)
DELETED = "配信先（{address}）を削除しました。"
RESUMED = "配信先（{address}）への配信を再開しました。"
NOT_SUSPENDED = "配信先（{address}）は配信停止されていません。"
KIND_RESTARTED = "配信先（{address}）への{label}の配信を再開しました。"
KIND_NOT_STOPPED = "配信先（{address}）への{label}の配信は停止されていません。"


def _common(account) -> dict:
    """What both pages show: the products warning and the destinations' count."""
    alert_settings = services.settings_for(account)
    return {
        "alert_settings": alert_settings,
        "no_products": not alert_settings.links.exists(),
        "max_destinations": MAX_DESTINATIONS,
    }


def _selected_values(post) -> dict:
    """The POSTed choices as initial values (the 「すべての時間帯」 helper keeps them)."""
    return {name: post.getlist(name) for name in ("products", "kinds", "weekdays", "hours")}


@support_id_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    account = request.support_account
    common = _common(account)
    if request.method == "POST" and "all_hours" in request.POST:
        # No JavaScript: the helper button re-shows the form with every hour ticked.
        initial = {**_selected_values(request.POST), "hours": [code for code, _ in HOURS]}
        form = AlertSettingsForm(initial=initial)
        return render(
            request,
            "alerts/settings.html",
            {**common, "form": form, "helper_note": ALL_HOURS_SELECTED},
        )
    if request.method == "POST":
        form = AlertSettingsForm(request.POST)
        if form.is_valid():
            changed = services.save_settings(account, **form.values(), ip=client_ip(request))
            messages.success(request, SAVED if changed else UNCHANGED)
            return redirect("alerts:settings")
    else:
        form = AlertSettingsForm(initial=AlertSettingsForm.initial_from(common["alert_settings"]))
    return render(request, "alerts/settings.html", {**common, "form": form})


def _destinations_page(request, form, status=200, **extra):
    account = request.support_account
    rows = list(services.live_destinations(account))
    for row in rows:
        if row.status == Destination.Status.PENDING:
            row.deadline = services.confirm_deadline(row)
        row.kind_stops = kind_stops(row)
        row.kinds_sent = kinds_sent(row)
    return render(
        request,
        "alerts/destinations.html",
        {
            **_common(account),
            "destinations": rows,
            "full": len(rows) >= MAX_DESTINATIONS,
            "form": form,
            "minutes": settings.DESTINATION_CONFIRM_MINUTES,
            **extra,
        },
        status=status,
    )


@support_id_required
@require_http_methods(["GET", "POST"])
def destinations(request):
    if request.method == "GET":
        return _destinations_page(request, DestinationForm())
    form = DestinationForm(request.POST)
    if not form.is_valid():
        return _destinations_page(request, form)
    try:
        destination = services.add_destination(
            request.support_account,
            form.cleaned_data["address"],
            client_ip(request),
            link_base=request.build_absolute_uri("/"),
        )
    except services.DestinationRefused as refused:
        limited = isinstance(refused, services.TooManyAdds)
        if refused.field:
            form.add_error(refused.field, refused.message)
            extra = {}
        else:
            extra = {"refused": refused.message}
        return _destinations_page(request, form, status=429 if limited else 200, **extra)
    messages.success(
        request,
        ADDED.format(address=destination.address, minutes=settings.DESTINATION_CONFIRM_MINUTES),
    )
    return redirect("alerts:destinations")


def _own_destination(request, pk: int) -> Destination:
    """The logged-in ID's destination ``pk``; 404 for another ID's (or none)."""
    destination = services.destination_for(request.support_account, pk)
    if destination is None:
        raise Http404
    return destination


@support_id_required
@require_http_methods(["GET", "POST"])
def destination_delete(request, pk: int):
    destination = _own_destination(request, pk)
    if request.method == "GET":
        return render(request, "alerts/delete.html", {"destination": destination})
    services.delete_destination(destination, ip=client_ip(request))
    messages.success(request, DELETED.format(address=destination.address))
    return redirect("alerts:destinations")


@support_id_required
@require_POST
def destination_resume(request, pk: int):
    destination = _own_destination(request, pk)
    resumed = services.resume_destination(destination, actor=request.user, ip=client_ip(request))
    if resumed:
        messages.success(request, RESUMED.format(address=destination.address))
    else:
        messages.error(request, NOT_SUSPENDED.format(address=destination.address))
    return redirect("alerts:destinations")


@support_id_required
@require_POST
def destination_restart_kind(request, pk: int):
    """「工事情報の配信を再開」 after a one-click unsubscribe from a mail (S4)."""
    destination = _own_destination(request, pk)
    form = KindForm(request.POST)
    if not form.is_valid():
        for error in form.errors["kind"]:
            messages.error(request, error)
        return redirect("alerts:destinations")
    kind = form.cleaned_data["kind"]
    restarted = services.restart_kind(destination, kind, actor=request.user, ip=client_ip(request))
    done = KIND_RESTARTED if restarted else KIND_NOT_STOPPED
    text = done.format(address=destination.address, label=KIND_LABELS[kind])
    messages.add_message(request, messages.SUCCESS if restarted else messages.ERROR, text)
    return redirect("alerts:destinations")


def _refused(request, title: str, refused: links.LinkRefused):
    return render(
        request,
        "alerts/link_refused.html",
        {"title": title, "message": refused.message},
        status=400,
    )


CONFIRM_TITLE = "配信先メールアドレスの確認"
RESUME_TITLE = "工事・故障情報メールの配信再開"


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def destination_confirm(request, token: str):
    """The page of the 仮登録確認メール's link: 「配信先として登録する」 (S3)."""
    try:
        if request.method == "POST":
            destination = links.confirm_destination(token, ip=client_ip(request))
            return render(request, "alerts/confirmed.html", {"destination": destination})
        target = links.peek_link(token, MailToken.Purpose.DESTINATION)
    except links.LinkRefused as refused:
        return _refused(request, CONFIRM_TITLE, refused)
    return render(
        request,
        "alerts/confirm.html",
        {
            "destination": target.destination,
            "deadline": services.confirm_deadline(target.destination),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def resume(request, token: str):
    """The page of a suspension notice's 「配信再開」 link (S3, S4)."""
    try:
        if request.method == "POST":
            destination, resumed = links.resume_by_link(token, ip=client_ip(request))
            return render(
                request, "alerts/resumed.html", {"destination": destination, "resumed": resumed}
            )
        target = links.peek_link(token, MailToken.Purpose.RESUME)
    except links.LinkRefused as refused:
        return _refused(request, RESUME_TITLE, refused)
    return render(request, "alerts/resume.html", {"destination": target.destination})
