"""The 工事・故障情報 list's filters (S1): product, kind, status, period and keyword.

The filters come in the query string (a GET form anyone may bookmark or share), so every
value is checked like a posted form's (X5): a wrong one gets a Japanese message beside its
field and the list is not searched.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from madoguchi.lib.forms import (
    NULL_CHARACTERS,
    control_characters_message,
    reject_control_characters,
)
from madoguchi.lib.search import MAX_QUERY_LENGTH, search, terms
from madoguchi.notices.models import Notice, Product

ALL = [("", "すべて")]
# A period outside these dates is a typing mistake (and out of the database's range).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
NO_SEARCHABLE_TERM = "キーワードには文字または数字を入力してください。"
PERIOD_REVERSED = "期間の終了日には開始日以降の日付を入力してください。"


def choice_field(label: str, choices) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[*ALL, *choices],
        error_messages={"invalid_choice": f"{label}は一覧から選んでください。"},
    )


def date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={
            "invalid": f"{label}は 2024/01/11 の形式で、正しい日付を入力してください。"
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class NoticeFilterForm(forms.Form):
    product = choice_field("対象商品", [])
    kind = choice_field("種別", Notice.Kind.choices)
    status = choice_field("状況", Notice.Status.choices)
    since = date_field("期間（開始日）")
    until = date_field("期間（終了日）")
    q = forms.CharField(
        label="キーワード",
        required=False,
        strip=False,  # a query of spaces alone is told so, not silently dropped
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"キーワードは{MAX_QUERY_LENGTH}文字以内で入力してください。",
            NULL_CHARACTERS: control_characters_message("キーワード"),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args, products: list[Product], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [*ALL, *((p.code, p.name) for p in products)]

    def _day(self, name: str) -> date | None:
        value = self.cleaned_data[name]
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            label = self.fields[name].label
            raise forms.ValidationError(
                f"{label}は2000/01/01から2099/12/31までの日付を入力してください。"
            )
        return value

    def clean_since(self) -> date | None:
        return self._day("since")

    def clean_until(self) -> date | None:
        return self._day("until")

    def clean_q(self) -> str:
        value = reject_control_characters(self.cleaned_data["q"], "キーワード")
        if value and not terms(value):
            raise forms.ValidationError(NO_SEARCHABLE_TERM)
        return value.strip()

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", PERIOD_REVERSED)
        return cleaned

    @property
    def filtering(self) -> bool:
        """Whether any filter was given (valid or not)."""
        return any(self.data.get(name) for name in self.fields)

    def apply(self, notices: QuerySet[Notice]) -> QuerySet[Notice]:
        """``notices`` narrowed by the form's valid values (call after ``is_valid()``)."""
        data = self.cleaned_data
        if data.get("product"):
            notices = notices.filter(products__code=data["product"])
        if data.get("kind"):
            notices = notices.filter(kind=data["kind"])
        if data.get("status"):
            notices = notices.filter(status=data["status"])
        if data.get("since"):
            # Overlapping the period: not ended before it starts (an open end still runs).
            notices = notices.filter(
                Q(ends_at__isnull=True) | Q(ends_at__gte=start_of(data["since"]))
            )
        if data.get("until"):
            notices = notices.filter(starts_at__lt=start_of(data["until"] + timedelta(days=1)))
        if data.get("q"):
            notices = search(notices, data["q"])
        return notices


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in Japan time."""
    return timezone.make_aware(datetime.combine(day, time.min))
