"""The back office's forms for 工事・故障情報 (B2): the notice, 「公開する」, 「状況を更新」.

Every message is Japanese and stands beside its field; a bad value stores nothing. A status
that does not fit the kind is refused here, before the database's check constraint would.
"""

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.utils import timezone

from madoguchi.lib.forms import NULL_CHARACTERS, reject_control_characters
from madoguchi.notices.models import Notice, Product
from madoguchi.notices.services import status_fits_kind, status_mismatch_message

TITLE_MAX_LENGTH = 200
AREA_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000
UPDATE_TEXT_MAX_LENGTH = 2_000

SEND_MAIL_HELP = (
    "工事・故障情報メールの配信対象として記録します（記録するだけで、ここではメールを送りません）。"
)


def one_line(value: str, label: str, max_length: int) -> str:
    value = value.strip()
    reject_control_characters(value, label)
    if len(value) > max_length:
        raise forms.ValidationError(
            f"{label}は{max_length}文字以内で入力してください（現在 {len(value)} 文字）。"
        )
    return value


def multi_line(value: str, label: str, max_length: int) -> str:
    """Line breaks and tabs are welcome in a text; other control characters are not."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    reject_control_characters(value.replace("\n", "").replace("\t", ""), label)
    if len(value) > max_length:
        raise forms.ValidationError(
            f"{label}は{max_length}文字以内で入力してください（現在 {len(value)} 文字）。"
        )
    return value


def text_errors(label: str) -> dict:
    return {
        "required": f"{label}を入力してください。",
        "max_length": label
        + "は%(limit_value)d文字以内で入力してください（現在 %(show_value)d 文字）。",
        NULL_CHARACTERS: f"{label}に使用できない制御文字が含まれています。",
    }


class NoticeForm(forms.ModelForm):
    """A notice's own fields; on a published notice also 「変更を配信する」."""

    publish_change = forms.BooleanField(
        label="この変更を配信契機として記録する",
        required=False,
        help_text="公開中の工事・故障情報の変更を、お客さまにお知らせする契機として記録します。",
    )
    send_mail = forms.BooleanField(label="メール配信する", required=False, help_text=SEND_MAIL_HELP)

    class Meta:
        model = Notice
        fields = [
            "kind",
            "status",
            "title",
            "body",
            "products",
            "area",
            "starts_at",
            "ends_at",
            "members_only",
        ]
        widgets = {
            "products": forms.CheckboxSelectMultiple,
            "body": forms.Textarea(attrs={"rows": 14, "cols": 80, "class": "notice-body"}),
        }
        error_messages = {
            "kind": {
                "required": "種別を選んでください。",
                "invalid_choice": "種別を一覧から選んでください。",
            },
            "status": {
                "required": "状況を選んでください。",
                "invalid_choice": "状況を一覧から選んでください。",
            },
            "title": text_errors("件名"),
            "body": text_errors("本文"),
            "area": text_errors("対象地域"),
            "products": {
                "required": "対象商品を1つ以上選んでください。",
                "invalid_choice": "対象商品を一覧から選んでください。",
                "invalid_pk_value": "対象商品を一覧から選んでください。",
            },
        }
        help_texts = {
            "status": "工事：予定・作業中・完了・中止、故障：発生中・復旧。"
            "公開後の状況の変化は「状況を更新」で履歴とともに登録してください。",
            "starts_at": "日本時間。工事は作業の開始予定、故障は発生日時です。",
            "ends_at": "日本時間。未定なら空欄にします（復旧・完了の登録で入ります）。",
            "area": "例：東京都千代田区の一部",
        }

    # True for 「プレビュー」 (the admin gives that request a subclass): nothing is stored.
    previewing = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "products" in self.fields:
            self.fields["products"].queryset = Product.objects.order_by("order", "pk")
        for name in ("starts_at", "ends_at"):
            field = self.fields.get(name)
            if field is not None:
                field.error_messages.update(
                    {
                        "invalid": "日付と時刻を正しく入力してください。",
                        "incomplete": "日付と時刻を入力してください。",
                    }
                )
                if isinstance(field, forms.MultiValueField):
                    date, time = field.fields
                    date.error_messages["invalid"] = "日付を 2024-01-11 の形で入力してください。"
                    time.error_messages["invalid"] = "時刻を 02:00 の形で入力してください。"
        if "starts_at" in self.fields:
            self.fields["starts_at"].error_messages["required"] = "開始日時を入力してください。"

    def is_valid(self) -> bool:
        """「プレビュー」 without JavaScript shows the page again and stores nothing."""
        valid = super().is_valid()
        return valid and not self.previewing

    def clean_title(self):
        return one_line(self.cleaned_data["title"], "件名", TITLE_MAX_LENGTH)

    def clean_area(self):
        return one_line(self.cleaned_data["area"], "対象地域", AREA_MAX_LENGTH)

    def clean_body(self):
        return multi_line(self.cleaned_data["body"], "本文", BODY_MAX_LENGTH)

    def clean(self):
        cleaned = super().clean()
        kind, status = cleaned.get("kind"), cleaned.get("status")
        if kind and status and not status_fits_kind(kind, status):
            self.add_error("status", status_mismatch_message(kind))
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", "終了日時は開始日時より後にしてください。")
        return cleaned


class PublishForm(forms.Form):
    """「公開する」 with the 「メール配信する」 choice."""

    send_mail = forms.BooleanField(label="メール配信する", required=False, help_text=SEND_MAIL_HELP)


class UpdateForm(forms.Form):
    """「状況を更新」: when, the new status (of the notice's kind), what happened."""

    at = forms.SplitDateTimeField(
        label="日時",
        widget=admin_widgets.AdminSplitDateTime,
        help_text="日本時間",
        error_messages={
            "required": "日時を入力してください。",
            "invalid_date": "日付を 2024-01-11 の形で入力してください。",
            "invalid_time": "時刻を 02:00 の形で入力してください。",
            "incomplete": "日付と時刻を入力してください。",
        },
    )
    status = forms.ChoiceField(
        label="状況",
        error_messages={
            "required": "状況を選んでください。",
            "invalid_choice": "状況を一覧から選んでください。",
        },
    )
    text = forms.CharField(
        label="内容",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages=text_errors("内容"),
        help_text=f"{UPDATE_TEXT_MAX_LENGTH}文字以内。例：故障箇所を特定し、復旧作業中です。",
    )
    send_mail = forms.BooleanField(label="メール配信する", required=False, help_text=SEND_MAIL_HELP)

    def __init__(self, *args, notice: Notice, **kwargs):
        kwargs.setdefault("prefix", "update")
        super().__init__(*args, **kwargs)
        self.notice = notice
        # Every status is offered (a mistaken one gets its message beside the field).
        self.fields["status"].choices = [("", "---------"), *Notice.Status.choices]
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("status", notice.status)

    def clean_status(self):
        status = self.cleaned_data["status"]
        if not status_fits_kind(self.notice.kind, status):
            raise forms.ValidationError(status_mismatch_message(self.notice.kind))
        return status

    def clean_text(self):
        return multi_line(self.cleaned_data["text"], "内容", UPDATE_TEXT_MAX_LENGTH).strip()
