"""Trading sessions: when a venue is open, in exact integer nanoseconds.

Two kinds, both frozen ``msgspec.Struct`` s tagged with their class name (so they serialize as
a tagged union, alone or inside an instrument):

* :class:`TradingSession` -- a weekly calendar in one IANA time zone: one local open and close
  time, the trading weekdays, holidays (closed all day) and half days (early close), and
  whether the venue runs opening and closing auctions. :meth:`TradingSession.nyse` is a
  ready-made *example* (regular NYSE hours, no holiday list).
* :class:`ContinuousSession` -- a venue that trades around the clock (crypto). It is always
  open; its "trading day" ends at a daily cut-off, UTC midnight by default, which is when DAY
  orders expire.

Both answer the same questions, so code that handles DAY / AT_THE_OPEN / AT_THE_CLOSE orders
can take either (:data:`AnySession`):

=========================  =============================================================
method                     returns
=========================  =============================================================
``is_open(ts)``            whether ``ts`` lies in a session, ``open <= ts < close``
``session_bounds(ts)``     ``(open_ns, close_ns)`` of the session containing ``ts``, or of
                           the next one when ``ts`` falls between sessions
``next_open(ts)``          the first session open strictly after ``ts``
``next_close(ts)``         the first session close strictly after ``ts`` (a DAY order
                           placed at ``ts`` expires then)
=========================  =============================================================

Rules:

* Times are ``int`` nanoseconds since the Unix epoch (UTC); every result is exact.
* Local wall times are converted with :mod:`zoneinfo`, so daylight-saving changes are
  handled: 09:30 in New York is 14:30 UTC in winter and 13:30 UTC in summer.
* A local time that does not exist (skipped by a spring-forward change) is read with the
  offset in force before the change, i.e. it lands as far after the gap as it was into it
  (02:30 on the New York spring-forward day is 03:30 EDT). A local time that occurs twice
  (fall-back) means its first occurrence. Both follow PEP 495 with ``fold=0``.
* ``close_time`` earlier than ``open_time`` means an overnight session that closes on the next
  calendar day; ``weekdays``, ``holidays`` and ``half_days`` then refer to the date on which
  the session *opens*.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Iterable
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec.structs import force_setattr

from lyra.errors import InvalidInput, ValueOutOfRange
from lyra.model.codec import register_struct

__all__ = (
    "AnySession",
    "ContinuousSession",
    "TradingSession",
    "daily_cutoff",
)

_NS_PER_S: Final = 1_000_000_000
_EPOCH_ORDINAL: Final = _dt.date(1970, 1, 1).toordinal()
_ONE_DAY: Final = _dt.timedelta(days=1)
_MIDNIGHT: Final = _dt.time(0, 0)
# Bounded per-instance memo of date -> session bounds; a decade of trading days fits easily.
_CACHE_MAX: Final = 8192


def _zone(field: str, name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise InvalidInput(field, "must be an IANA time zone name such as 'America/New_York'", name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            field, "is not a known IANA time zone name (e.g. 'America/New_York', 'UTC')", name
        ) from None


def _check_time(field: str, value: object) -> _dt.time:
    if not isinstance(value, _dt.time):
        raise InvalidInput(field, "must be a datetime.time", value)
    if value.tzinfo is not None:
        raise InvalidInput(
            field, "must be a naive local time; the zone is given by 'timezone'", value
        )
    return value


def _check_ts(ts_ns: object) -> int:
    if type(ts_ns) is int:
        return ts_ns
    if isinstance(ts_ns, bool):
        raise InvalidInput("ts_ns", "must be an int of nanoseconds since the epoch", ts_ns)
    try:
        return operator.index(ts_ns)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidInput(
            "ts_ns", "must be an int of nanoseconds since the epoch", ts_ns
        ) from None


def _as_tuple(value: object) -> tuple[object, ...] | None:
    if isinstance(value, (tuple, list, set, frozenset)):
        return tuple(value)
    return None


def _local_ns(day: _dt.date, at: _dt.time, zone: ZoneInfo) -> int:
    """Epoch nanoseconds of local wall time ``at`` on ``day`` in ``zone`` (fold=0)."""
    offset = _dt.datetime.combine(day, at, tzinfo=zone).utcoffset()
    assert offset is not None
    wall_s = (day.toordinal() - _EPOCH_ORDINAL) * 86_400 + at.hour * 3600 + at.minute * 60
    wall_s += at.second
    off_us = (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds
    return wall_s * _NS_PER_S + at.microsecond * 1000 - off_us * 1000


def _local_date(ts_ns: int, zone: ZoneInfo) -> _dt.date:
    return _dt.datetime.fromtimestamp(ts_ns // _NS_PER_S, zone).date()


def _wall_us_after(start: _dt.time, end: _dt.time) -> int:
    """Wall-clock microseconds from ``start`` to the next ``end`` (0 < result <= 24h)."""
    a = ((start.hour * 60 + start.minute) * 60 + start.second) * 1_000_000 + start.microsecond
    b = ((end.hour * 60 + end.minute) * 60 + end.second) * 1_000_000 + end.microsecond
    diff = (b - a) % (86_400 * 1_000_000)
    return diff or 86_400 * 1_000_000


def _parse_cutoff(field: str, cutoff: object) -> _dt.time:
    if isinstance(cutoff, str):
        try:
            parsed = _dt.time.fromisoformat(cutoff)
        except ValueError:
            raise InvalidInput(field, "must be a local time written 'HH:MM[:SS]'", cutoff) from None
        return _check_time(field, parsed)
    return _check_time(field, cutoff)


class _Calendar:
    """Lookups derived from a TradingSession's fields, plus a bounded memo of its days."""

    __slots__ = (
        "half_days",
        "half_overnight",
        "holidays",
        "memo",
        "overnight",
        "span",
        "weekdays",
        "zone",
    )

    def __init__(self, session: TradingSession, zone: ZoneInfo) -> None:
        self.zone = zone
        self.weekdays = frozenset(session.weekdays)
        self.holidays = frozenset(session.holidays)
        self.half_days = frozenset(session.half_days)
        self.overnight = session.close_time <= session.open_time
        self.half_overnight = session.half_day_close <= session.open_time
        self.memo: dict[_dt.date, tuple[int, int] | None] = {}
        # Enough days to step over every holiday plus a full week of closed weekdays.
        self.span = 7 * (len(self.holidays) + 2) + 2

    def bounds(self, session: TradingSession, day: _dt.date) -> tuple[int, int] | None:
        memo = self.memo
        try:
            return memo[day]
        except KeyError:
            pass
        result: tuple[int, int] | None = None
        if day.weekday() in self.weekdays and day not in self.holidays:
            open_ns = _local_ns(day, session.open_time, self.zone)
            if day in self.half_days:
                close_t, overnight = session.half_day_close, self.half_overnight
            else:
                close_t, overnight = session.close_time, self.overnight
            close_ns = _local_ns(day + _ONE_DAY if overnight else day, close_t, self.zone)
            result = (open_ns, close_ns)
        if len(memo) >= _CACHE_MAX:
            memo.clear()
        memo[day] = result
        return result


class TradingSession(msgspec.Struct, frozen=True, kw_only=True, tag=True, dict=True):
    """A weekly trading calendar in one time zone, with holidays, half days and auctions.

    One session per trading date: it opens at ``open_time`` and closes at ``close_time``
    (local), or at ``half_day_close`` on a date listed in ``half_days``. Dates in ``holidays``
    and weekdays not in ``weekdays`` (Monday = 0 ... Sunday = 6) have no session.

    Auctions: with ``has_opening_auction`` the opening auction uncrosses at the session open;
    with ``has_closing_auction`` the closing auction uncrosses at the session close.
    AT_THE_OPEN / AT_THE_CLOSE orders must arrive at least ``opening_auction_cutoff_s`` /
    ``closing_auction_cutoff_s`` seconds before the uncross (NYSE: MOC orders by 15:50, so
    600). A cut-off is only allowed for an auction the session has.
    """

    timezone: str
    open_time: _dt.time
    close_time: _dt.time
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[_dt.date, ...] = ()
    half_days: tuple[_dt.date, ...] = ()
    half_day_close: _dt.time = _dt.time(13, 0)
    has_opening_auction: bool = False
    has_closing_auction: bool = False
    opening_auction_cutoff_s: int = 0
    closing_auction_cutoff_s: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        zone = _zone("TradingSession.timezone", self.timezone)
        open_t = _parse_cutoff("TradingSession.open_time", self.open_time)
        close_t = _parse_cutoff("TradingSession.close_time", self.close_time)
        half_t = _parse_cutoff("TradingSession.half_day_close", self.half_day_close)
        # 'HH:MM' strings are accepted at runtime and stored as datetime.time.
        force_setattr(self, "open_time", open_t)
        force_setattr(self, "close_time", close_t)
        force_setattr(self, "half_day_close", half_t)
        if open_t == close_t:
            raise InvalidInput(
                "TradingSession.close_time",
                "must differ from open_time (a 24-hour venue is a ContinuousSession)",
                close_t,
            )
        weekdays = _as_tuple(self.weekdays)
        if (
            weekdays is None
            or not weekdays
            or any(type(w) is not int or not 0 <= w <= 6 for w in weekdays)
            or len(set(weekdays)) != len(weekdays)
        ):
            raise InvalidInput(
                "TradingSession.weekdays",
                "must be a non-empty collection of distinct ints 0..6 (Monday = 0)",
                self.weekdays,
            )
        # Canonical (sorted tuple) forms, so equal calendars compare and hash equal.
        force_setattr(self, "weekdays", tuple(sorted(weekdays)))
        for field in ("holidays", "half_days"):
            given = getattr(self, field)
            dates = _as_tuple(given)
            if dates is None or any(type(d) is not _dt.date for d in dates):
                raise InvalidInput(
                    f"TradingSession.{field}", "must be a collection of datetime.date", given
                )
            force_setattr(self, field, tuple(sorted(set(dates))))
        both = set(self.holidays) & set(self.half_days)
        if both:
            raise InvalidInput(
                "TradingSession.half_days",
                "must not contain a date that is also a holiday",
                min(both),
            )
        full = _wall_us_after(open_t, close_t)
        shortest = full
        if self.half_days:
            shortest = _wall_us_after(open_t, half_t)
            if shortest >= full:
                raise InvalidInput(
                    "TradingSession.half_day_close",
                    f"must fall after open_time {open_t} and before close_time {close_t}",
                    half_t,
                )
        for field in ("has_opening_auction", "has_closing_auction"):
            if type(getattr(self, field)) is not bool:
                raise InvalidInput(
                    f"TradingSession.{field}", "must be a bool", getattr(self, field)
                )
        for field, flag in (
            ("opening_auction_cutoff_s", self.has_opening_auction),
            ("closing_auction_cutoff_s", self.has_closing_auction),
        ):
            cut = getattr(self, field)
            if type(cut) is not int or cut < 0:
                raise InvalidInput(f"TradingSession.{field}", "must be an int >= 0", cut)
            if cut and not flag:
                raise InvalidInput(
                    f"TradingSession.{field}",
                    "must be 0 when the session has no such auction",
                    cut,
                )
        if self.closing_auction_cutoff_s * 1_000_000 >= shortest:
            raise InvalidInput(
                "TradingSession.closing_auction_cutoff_s",
                "must be shorter than the shortest session (half days included)",
                self.closing_auction_cutoff_s,
            )
        if not isinstance(self.name, str):
            raise InvalidInput("TradingSession.name", "must be a str", self.name)
        self.__dict__["_calendar"] = _Calendar(self, zone)

    def _cal(self) -> _Calendar:
        # Derived lookups live in the instance __dict__, outside the serialized fields;
        # copy.copy() does not carry it, so rebuild on demand.
        cal: _Calendar | None = self.__dict__.get("_calendar")
        if cal is None:
            cal = self.__dict__["_calendar"] = _Calendar(self, ZoneInfo(self.timezone))
        return cal

    # -- examples ---------------------------------------------------------------------------
    @classmethod
    def nyse(
        cls,
        *,
        holidays: Iterable[_dt.date] = (),
        half_days: Iterable[_dt.date] = (),
    ) -> TradingSession:
        """EXAMPLE calendar: NYSE regular hours, 09:30-16:00 America/New_York, Monday-Friday.

        Opening and closing auctions (MOO cut-off 09:28, MOC cut-off 15:50), early close
        13:00 on ``half_days``. It carries **no holiday list**: pass the exchange's published
        holidays and half days for the years you trade, or every weekday counts as open.
        """
        return cls(
            timezone="America/New_York",
            open_time=_dt.time(9, 30),
            close_time=_dt.time(16, 0),
            weekdays=(0, 1, 2, 3, 4),
            holidays=tuple(holidays),
            half_days=tuple(half_days),
            half_day_close=_dt.time(13, 0),
            has_opening_auction=True,
            has_closing_auction=True,
            opening_auction_cutoff_s=120,
            closing_auction_cutoff_s=600,
            name="NYSE regular hours (example calendar)",
        )

    # -- queries ----------------------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        """The :class:`zoneinfo.ZoneInfo` of ``timezone``."""
        return self._cal().zone

    def is_trading_day(self, day: _dt.date) -> bool:
        """Whether a session opens on local date ``day``."""
        return self._day_bounds(day) is not None

    def bounds_on(self, day: _dt.date) -> tuple[int, int] | None:
        """``(open_ns, close_ns)`` of the session opening on local date ``day``, or ``None``."""
        if type(day) is not _dt.date:
            raise InvalidInput("day", "must be a datetime.date", day)
        return self._day_bounds(day)

    def _day_bounds(self, day: _dt.date) -> tuple[int, int] | None:
        return self._cal().bounds(self, day)

    def session_bounds(self, ts_ns: int) -> tuple[int, int]:
        """``(open_ns, close_ns)`` of the session containing ``ts_ns``, else the next one."""
        ts = _check_ts(ts_ns)
        cal = self._cal()
        # Start a day early: an overnight session that opened yesterday may still be running.
        day = _local_date(ts, cal.zone) - _ONE_DAY
        for _ in range(cal.span):
            bounds = cal.bounds(self, day)
            if bounds is not None and bounds[1] > ts:
                return bounds
            day += _ONE_DAY
        raise ValueOutOfRange(  # pragma: no cover - weekdays is never empty
            "ts_ns", "has no trading session after it in the calendar", ts
        )

    def is_open(self, ts_ns: int) -> bool:
        """Whether ``ts_ns`` lies inside a session (``open <= ts < close``)."""
        return self.session_bounds(ts_ns)[0] <= ts_ns

    def next_open(self, ts_ns: int) -> int:
        """The first session open strictly after ``ts_ns``."""
        open_ns, close_ns = self.session_bounds(ts_ns)
        if open_ns > ts_ns:
            return open_ns
        return self.session_bounds(close_ns)[0]

    def next_close(self, ts_ns: int) -> int:
        """The first session close strictly after ``ts_ns``."""
        return self.session_bounds(ts_ns)[1]

    def opening_auction_cutoff_ns(self, ts_ns: int) -> int:
        """Latest arrival time for an AT_THE_OPEN order in the next opening auction.

        That auction uncrosses at :meth:`next_open`. A result earlier than ``ts_ns`` means an
        order arriving at ``ts_ns`` is too late for it. Raises
        :class:`~lyra.errors.InvalidInput` when the session has no opening auction.
        """
        if not self.has_opening_auction:
            raise InvalidInput("has_opening_auction", "the session has no opening auction", False)
        return self.next_open(ts_ns) - self.opening_auction_cutoff_s * _NS_PER_S

    def closing_auction_cutoff_ns(self, ts_ns: int) -> int:
        """Latest arrival time for an AT_THE_CLOSE order in the next closing auction.

        That auction uncrosses at :meth:`next_close`. A result earlier than ``ts_ns`` means an
        order arriving at ``ts_ns`` is too late for it. Raises
        :class:`~lyra.errors.InvalidInput` when the session has no closing auction.
        """
        if not self.has_closing_auction:
            raise InvalidInput("has_closing_auction", "the session has no closing auction", False)
        return self.next_close(ts_ns) - self.closing_auction_cutoff_s * _NS_PER_S


class ContinuousSession(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """A venue open around the clock whose trading day ends at a daily local cut-off.

    ``is_open`` is always true. The "session" is the trading day: from one cut-off to the next
    (``cutoff`` local time in ``timezone``; UTC midnight by default), so ``next_close(ts)`` is
    when a DAY order placed at ``ts`` expires. With a zone that observes daylight saving, a
    day can last 23 or 25 hours.
    """

    cutoff: _dt.time = _MIDNIGHT
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        _zone("ContinuousSession.timezone", self.timezone)
        force_setattr(self, "cutoff", _parse_cutoff("ContinuousSession.cutoff", self.cutoff))

    @property
    def has_opening_auction(self) -> bool:
        """Always ``False``: a continuous venue runs no opening auction."""
        return False

    @property
    def has_closing_auction(self) -> bool:
        """Always ``False``: a continuous venue runs no closing auction."""
        return False

    @property
    def zone(self) -> ZoneInfo:
        """The :class:`zoneinfo.ZoneInfo` of ``timezone``."""
        return ZoneInfo(self.timezone)

    def session_bounds(self, ts_ns: int) -> tuple[int, int]:
        """``(start_ns, end_ns)`` of the trading day containing ``ts_ns``: cut-off to cut-off."""
        ts = _check_ts(ts_ns)
        zone = ZoneInfo(self.timezone)  # ZoneInfo keeps its own cache of instances
        day = _local_date(ts, zone) - _ONE_DAY
        start = _local_ns(day, self.cutoff, zone)
        while True:
            day += _ONE_DAY
            end = _local_ns(day, self.cutoff, zone)
            if end > ts:
                return start, end
            start = end

    def is_open(self, ts_ns: int) -> bool:
        """Always ``True``: the venue trades around the clock."""
        _check_ts(ts_ns)
        return True

    def next_open(self, ts_ns: int) -> int:
        """The start of the next trading day (the next cut-off strictly after ``ts_ns``)."""
        return self.session_bounds(ts_ns)[1]

    def next_close(self, ts_ns: int) -> int:
        """The end of the current trading day (the next cut-off strictly after ``ts_ns``)."""
        return self.session_bounds(ts_ns)[1]


AnySession = TradingSession | ContinuousSession
"""Either kind of session (a msgspec tagged union: decode with ``type=AnySession``)."""

register_struct(TradingSession)
register_struct(ContinuousSession)


def daily_cutoff(ts_ns: int, cutoff: str | _dt.time = "00:00", tz: str = "UTC") -> int:
    """The first daily cut-off strictly after ``ts_ns``: ``cutoff`` local time in ``tz``.

    This is when a DAY order placed at ``ts_ns`` on a 24/7 venue expires; by default UTC
    midnight. ``daily_cutoff(ts, "17:00", "America/New_York")`` is the FX-style 5 pm New York
    roll, DST included.
    """
    at = _parse_cutoff("cutoff", cutoff)
    zone = _zone("tz", tz)
    ts = _check_ts(ts_ns)
    day = _local_date(ts, zone) - _ONE_DAY
    while True:
        end = _local_ns(day, at, zone)
        if end > ts:
            return end
        day += _ONE_DAY
