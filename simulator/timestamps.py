"""Times as the history stores them: UTC ISO 8601 with milliseconds, shown in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime | None = None) -> str:
    moment = moment or now_utc()
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(text: str) -> date:
    return parse_time(text).astimezone().date()


def local_time(text: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the user's local time ("…" when there is none)."""
    return parse_time(text).astimezone().strftime(fmt) if text else "…"
