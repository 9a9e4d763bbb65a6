"""How a notice's window reads on the public pages (S1): labels fitting its kind and status.

A 工事 shows its planned window (予定開始/予定終了) until the work starts, then 開始/終了; a
故障 shows when it occurred and when it recovered (発生日時/復旧日時). An end not yet known
reads 未定 for work and 調査中 for an outage still occurring.
"""

from dataclasses import dataclass
from datetime import datetime

from madoguchi.notices.models import Notice

PLANNED = {Notice.Status.SCHEDULED, Notice.Status.CANCELLED}


@dataclass(frozen=True)
class Window:
    start_label: str
    starts_at: datetime
    end_label: str
    ends_at: datetime | None
    unknown_end: str  # what stands for an end not known yet


def window(notice: Notice) -> Window:
    if notice.kind == Notice.Kind.OUTAGE:
        unknown = "調査中" if notice.status == Notice.Status.OCCURRING else "—"
        return Window("発生日時", notice.starts_at, "復旧日時", notice.ends_at, unknown)
    if notice.status in PLANNED:
        return Window("予定開始", notice.starts_at, "予定終了", notice.ends_at, "未定")
    return Window("開始", notice.starts_at, "終了", notice.ends_at, "未定")


def with_windows(notices) -> list[Notice]:
    """The notices, each with its ``window`` for the templates."""
    notices = list(notices)
    for notice in notices:
        notice.window = window(notice)
    return notices
