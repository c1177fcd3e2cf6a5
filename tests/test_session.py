"""Tests for lyra.model.session: calendars, DST, holidays, auctions and the 24/7 cut-off."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from lyra.errors import InvalidInput
from lyra.model.session import AnySession, ContinuousSession, TradingSession, daily_cutoff

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def ns(text: str) -> int:
    """Exact epoch ns of an ISO-8601 time with an explicit offset (``Z`` allowed)."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert when.tzinfo is not None
    return (when - _EPOCH) // dt.timedelta(microseconds=1) * 1000


def london(**overrides: Any) -> TradingSession:
    fields: dict[str, Any] = {
        "timezone": "Europe/London",
        "open_time": dt.time(8, 0),
        "close_time": dt.time(16, 30),
        # Good Friday and Easter Monday 2024
        "holidays": (dt.date(2024, 3, 29), dt.date(2024, 4, 1)),
        "half_days": (dt.date(2024, 12, 24),),
        "half_day_close": dt.time(12, 30),
        "has_opening_auction": True,
        "has_closing_auction": True,
    }
    fields.update(overrides)
    return TradingSession(**fields)


# -- NYSE example and DST -----------------------------------------------------------------------
def test_nyse_example_hours_in_winter_and_summer() -> None:
    nyse = TradingSession.nyse()
    assert "example" in nyse.name
    assert nyse.has_opening_auction and nyse.has_closing_auction
    assert nyse.session_bounds(ns("2024-01-05T15:00:00Z")) == (
        ns("2024-01-05T14:30:00Z"),  # 09:30 EST
        ns("2024-01-05T21:00:00Z"),  # 16:00 EST
    )
    assert nyse.session_bounds(ns("2024-07-01T15:00:00Z")) == (
        ns("2024-07-01T13:30:00Z"),  # 09:30 EDT
        ns("2024-07-01T20:00:00Z"),
    )


def test_new_york_spring_forward_weekend() -> None:
    nyse = TradingSession.nyse()
    friday_after_close = ns("2024-03-08T21:00:00Z")  # exactly 16:00 EST: closed
    assert not nyse.is_open(friday_after_close)
    assert nyse.is_open(friday_after_close - 1)
    # DST starts Sunday 2024-03-10; Monday opens at 09:30 EDT = 13:30 UTC, not 14:30.
    assert nyse.next_open(friday_after_close) == ns("2024-03-11T13:30:00Z")
    assert nyse.next_close(friday_after_close) == ns("2024-03-11T20:00:00Z")
    assert nyse.session_bounds(ns("2024-03-10T12:00:00Z")) == (
        ns("2024-03-11T13:30:00Z"),
        ns("2024-03-11T20:00:00Z"),
    )
    assert not nyse.is_open(ns("2024-03-11T13:29:59Z"))
    assert nyse.is_open(ns("2024-03-11T13:30:00Z"))


def test_new_york_fall_back_weekend() -> None:
    nyse = TradingSession.nyse()
    assert nyse.next_close(ns("2024-11-01T15:00:00Z")) == ns("2024-11-01T20:00:00Z")  # EDT
    assert nyse.next_open(ns("2024-11-01T20:00:00Z")) == ns("2024-11-04T14:30:00Z")  # EST
    start, end = nyse.session_bounds(ns("2024-11-04T15:00:00Z"))
    assert end - start == 6 * 3600 * 10**9 + 30 * 60 * 10**9


def test_london_dst_and_easter_holidays() -> None:
    lse = london()
    # Thursday before Easter, GMT: 08:00-16:30 UTC.
    assert lse.session_bounds(ns("2024-03-28T12:00:00Z")) == (
        ns("2024-03-28T08:00:00Z"),
        ns("2024-03-28T16:30:00Z"),
    )
    # Good Friday and Easter Monday are holidays; BST starts on Sunday 31 March, so the next
    # session is Tuesday 2 April at 08:00 BST = 07:00 UTC.
    assert lse.next_open(ns("2024-03-28T16:30:00Z")) == ns("2024-04-02T07:00:00Z")
    assert not lse.is_open(ns("2024-03-29T10:00:00Z"))
    assert not lse.is_open(ns("2024-04-01T10:00:00Z"))
    assert not lse.is_trading_day(dt.date(2024, 3, 29))
    assert lse.is_trading_day(dt.date(2024, 4, 2))
    # BST ends Sunday 27 October: Friday 07:00 UTC, Monday 08:00 UTC.
    assert lse.session_bounds(ns("2024-10-25T12:00:00Z"))[0] == ns("2024-10-25T07:00:00Z")
    assert lse.next_open(ns("2024-10-25T16:00:00Z")) == ns("2024-10-28T08:00:00Z")


def test_half_day_closes_early() -> None:
    lse = london()
    assert lse.bounds_on(dt.date(2024, 12, 24)) == (
        ns("2024-12-24T08:00:00Z"),
        ns("2024-12-24T12:30:00Z"),
    )
    assert not lse.is_open(ns("2024-12-24T13:00:00Z"))
    nyse = TradingSession.nyse(holidays=(dt.date(2024, 7, 4),), half_days=(dt.date(2024, 7, 3),))
    assert nyse.next_close(ns("2024-07-03T14:00:00Z")) == ns("2024-07-03T17:00:00Z")  # 13:00 EDT
    assert not nyse.is_open(ns("2024-07-04T15:00:00Z"))
    assert nyse.next_open(ns("2024-07-03T17:00:00Z")) == ns("2024-07-05T13:30:00Z")


def test_weekend_and_bounds_on() -> None:
    nyse = TradingSession.nyse()
    assert nyse.bounds_on(dt.date(2024, 3, 9)) is None  # Saturday
    assert not nyse.is_open(ns("2024-03-09T15:00:00Z"))
    with pytest.raises(InvalidInput):
        nyse.bounds_on(dt.datetime(2024, 3, 8, 12))


def test_boundaries_open_inclusive_close_exclusive_and_next_is_strict() -> None:
    nyse = TradingSession.nyse()
    open_ns, close_ns = ns("2024-03-12T13:30:00Z"), ns("2024-03-12T20:00:00Z")
    assert nyse.is_open(open_ns)
    assert not nyse.is_open(open_ns - 1)
    assert nyse.is_open(close_ns - 1)
    assert not nyse.is_open(close_ns)
    assert nyse.next_open(open_ns - 1) == open_ns
    assert nyse.next_open(open_ns) == ns("2024-03-13T13:30:00Z")
    assert nyse.next_close(close_ns - 1) == close_ns
    assert nyse.next_close(close_ns) == ns("2024-03-13T20:00:00Z")
    assert nyse.session_bounds(close_ns) == (ns("2024-03-13T13:30:00Z"), ns("2024-03-13T20:00:00Z"))


def test_overnight_session_crossing_midnight_and_dst() -> None:
    # CME-style: Sunday-Thursday opens 17:00 Chicago, closes 16:00 the next day.
    cme = TradingSession(
        timezone="America/Chicago",
        open_time=dt.time(17, 0),
        close_time=dt.time(16, 0),
        weekdays=(6, 0, 1, 2, 3),
    )
    # Friday 8 March 2024, 14:00 CST: inside the session that opened Thursday.
    assert cme.session_bounds(ns("2024-03-08T20:00:00Z")) == (
        ns("2024-03-07T23:00:00Z"),
        ns("2024-03-08T22:00:00Z"),
    )
    # Friday's close 16:00 CST; the next open is Sunday 17:00 CDT (DST began that morning).
    assert cme.next_open(ns("2024-03-08T22:00:00Z")) == ns("2024-03-10T22:00:00Z")
    assert cme.is_open(ns("2024-03-11T03:00:00Z"))  # Sunday night
    assert not cme.is_open(ns("2024-03-11T21:30:00Z"))  # the daily 16:00-17:00 break


def test_nonexistent_and_ambiguous_local_times() -> None:
    every_day = (0, 1, 2, 3, 4, 5, 6)
    gap = TradingSession(
        timezone="America/New_York",
        open_time=dt.time(2, 30),
        close_time=dt.time(5, 0),
        weekdays=every_day,
    )
    # 02:30 does not exist on 2024-03-10: read with the pre-change offset -> 03:30 EDT.
    assert gap.bounds_on(dt.date(2024, 3, 10)) == (
        ns("2024-03-10T07:30:00Z"),
        ns("2024-03-10T09:00:00Z"),
    )
    fold = TradingSession(
        timezone="America/New_York",
        open_time=dt.time(1, 30),
        close_time=dt.time(5, 0),
        weekdays=every_day,
    )
    # 01:30 happens twice on 2024-11-03: the first (EDT, -4h) is used.
    assert fold.bounds_on(dt.date(2024, 11, 3)) == (
        ns("2024-11-03T05:30:00Z"),
        ns("2024-11-03T10:00:00Z"),
    )


def test_auction_cutoffs() -> None:
    nyse = TradingSession.nyse()
    friday = ns("2024-03-08T15:00:00Z")
    assert nyse.closing_auction_cutoff_ns(friday) == ns("2024-03-08T20:50:00Z")  # 15:50 EST
    assert nyse.opening_auction_cutoff_ns(friday) == ns("2024-03-11T13:28:00Z")  # 09:28 EDT
    too_late = ns("2024-03-08T20:55:00Z")  # 15:55: the 15:50 MOC cut-off has passed
    assert nyse.closing_auction_cutoff_ns(too_late) < too_late
    plain = london(has_opening_auction=False, has_closing_auction=False)
    with pytest.raises(InvalidInput):
        plain.closing_auction_cutoff_ns(friday)
    with pytest.raises(InvalidInput):
        plain.opening_auction_cutoff_ns(friday)


# -- validation ---------------------------------------------------------------------------------
BAD_SESSIONS: list[tuple[dict[str, Any], str]] = [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"close_time": dt.time(8, 0)}, "close_time"),
    ({"open_time": "8 o'clock"}, "open_time"),
    ({"open_time": dt.time(8, 0, tzinfo=UTC)}, "open_time"),
    ({"weekdays": ()}, "weekdays"),
    ({"weekdays": (0, 7)}, "weekdays"),
    ({"weekdays": (1, 1)}, "weekdays"),
    ({"weekdays": "MTWTF"}, "weekdays"),
    ({"holidays": ("2024-12-25",)}, "holidays"),
    ({"half_days": (dt.date(2024, 3, 29),)}, "half_days"),
    ({"half_day_close": dt.time(17, 0)}, "half_day_close"),
    ({"half_day_close": dt.time(7, 0)}, "half_day_close"),
    ({"has_opening_auction": False, "opening_auction_cutoff_s": 60}, "opening_auction_cutoff_s"),
    ({"closing_auction_cutoff_s": -1}, "closing_auction_cutoff_s"),
    ({"closing_auction_cutoff_s": 5 * 3600}, "closing_auction_cutoff_s"),
    ({"has_closing_auction": 1}, "has_closing_auction"),
    ({"name": 3}, "name"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_SESSIONS)
def test_session_validation_names_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        london(**overrides)
    assert info.value.field == f"TradingSession.{field}"


def test_text_times_and_collections_are_normalised() -> None:
    a = london(
        open_time="08:00",
        close_time="16:30",
        weekdays=[4, 3, 2, 1, 0],
        holidays=[dt.date(2024, 4, 1), dt.date(2024, 3, 29), dt.date(2024, 4, 1)],
    )
    b = london()
    assert a == b
    assert hash(a) == hash(b)
    assert a.open_time == dt.time(8, 0)
    assert a.weekdays == (0, 1, 2, 3, 4)
    assert a.holidays == (dt.date(2024, 3, 29), dt.date(2024, 4, 1))


def test_bad_timestamp() -> None:
    with pytest.raises(InvalidInput) as info:
        TradingSession.nyse().is_open(1.5)  # type: ignore[arg-type]
    assert info.value.field == "ts_ns"
    with pytest.raises(InvalidInput):
        ContinuousSession().next_close(True)


# -- property: agrees with a brute-force scan ---------------------------------------------------
_HYP_SESSIONS = [
    TradingSession.nyse(holidays=(dt.date(2024, 7, 4),), half_days=(dt.date(2024, 7, 3),)),
    london(),
    TradingSession(
        timezone="America/Chicago",
        open_time=dt.time(17, 0),
        close_time=dt.time(16, 0),
        weekdays=(6, 0, 1, 2, 3),
    ),
]


@settings(max_examples=300, deadline=None)
@given(
    session=st.sampled_from(_HYP_SESSIONS),
    ts=st.integers(ns("2024-01-01T00:00:00Z"), ns("2025-01-01T00:00:00Z")),
)
def test_bounds_agree_with_brute_force(session: TradingSession, ts: int) -> None:
    day = dt.datetime.fromtimestamp(ts // 10**9, session.zone).date()
    candidates = [
        b
        for offset in range(-2, 12)
        if (b := session.bounds_on(day + dt.timedelta(days=offset))) is not None
    ]
    containing = [b for b in candidates if b[0] <= ts < b[1]]
    assert session.is_open(ts) == bool(containing)
    bounds = session.session_bounds(ts)
    assert bounds == min(b for b in candidates if b[1] > ts)
    assert session.next_open(ts) == min(b[0] for b in candidates if b[0] > ts)
    assert session.next_close(ts) == min(b[1] for b in candidates if b[1] > ts)
    assert session.next_close(ts) > ts and session.next_open(ts) > ts


# -- continuous (24/7) sessions -----------------------------------------------------------------
def test_continuous_session_defaults_to_utc_midnight() -> None:
    crypto = ContinuousSession()
    ts = ns("2024-03-08T23:59:59.999999Z")
    assert crypto.is_open(ts)
    assert not crypto.has_opening_auction and not crypto.has_closing_auction
    assert crypto.session_bounds(ts) == (ns("2024-03-08T00:00:00Z"), ns("2024-03-09T00:00:00Z"))
    assert crypto.next_close(ts) == ns("2024-03-09T00:00:00Z")
    assert crypto.next_open(ts) == ns("2024-03-09T00:00:00Z")
    midnight = ns("2024-03-09T00:00:00Z")
    assert crypto.session_bounds(midnight) == (midnight, ns("2024-03-10T00:00:00Z"))
    assert crypto.next_close(midnight) == ns("2024-03-10T00:00:00Z")


def test_continuous_session_with_new_york_five_pm_roll_across_dst() -> None:
    fx = ContinuousSession(cutoff="17:00", timezone="America/New_York")  # type: ignore[arg-type]
    assert fx.cutoff == dt.time(17, 0)
    hour = 3600 * 10**9
    normal = fx.session_bounds(ns("2024-03-08T23:00:00Z"))
    assert normal == (ns("2024-03-08T22:00:00Z"), ns("2024-03-09T22:00:00Z"))
    short = fx.session_bounds(ns("2024-03-10T12:00:00Z"))
    assert short == (ns("2024-03-09T22:00:00Z"), ns("2024-03-10T21:00:00Z"))
    assert short[1] - short[0] == 23 * hour
    long = fx.session_bounds(ns("2024-11-03T12:00:00Z"))
    assert long[1] - long[0] == 25 * hour


def test_daily_cutoff_helper() -> None:
    assert daily_cutoff(ns("2024-03-08T13:45:00Z")) == ns("2024-03-09T00:00:00Z")
    assert daily_cutoff(ns("2024-03-09T00:00:00Z")) == ns("2024-03-10T00:00:00Z")  # strict
    assert daily_cutoff(ns("2024-03-09T00:00:00Z") - 1) == ns("2024-03-09T00:00:00Z")
    assert daily_cutoff(ns("2024-03-08T13:45:00Z"), "08:00") == ns("2024-03-09T08:00:00Z")
    assert daily_cutoff(ns("2024-03-08T07:00:00Z"), dt.time(8)) == ns("2024-03-08T08:00:00Z")
    assert daily_cutoff(ns("2024-07-01T12:00:00Z"), "17:00", "America/New_York") == ns(
        "2024-07-01T21:00:00Z"
    )
    assert daily_cutoff(ns("2024-01-02T12:00:00Z"), "17:00", "America/New_York") == ns(
        "2024-01-02T22:00:00Z"
    )
    with pytest.raises(InvalidInput) as info:
        daily_cutoff(0, "25:00")
    assert info.value.field == "cutoff"
    with pytest.raises(InvalidInput) as info:
        daily_cutoff(0, "00:00", "Nowhere/Land")
    assert info.value.field == "tz"


def test_continuous_session_validation() -> None:
    with pytest.raises(InvalidInput) as info:
        ContinuousSession(timezone="Nowhere/Land")
    assert info.value.field == "ContinuousSession.timezone"
    with pytest.raises(InvalidInput) as info:
        ContinuousSession(cutoff="noon")  # type: ignore[arg-type]
    assert info.value.field == "ContinuousSession.cutoff"


# -- serialization and copies -------------------------------------------------------------------
@pytest.mark.parametrize("codec", [msgspec.json, msgspec.msgpack], ids=["json", "msgpack"])
@pytest.mark.parametrize(
    "session",
    [london(), TradingSession.nyse(), ContinuousSession(), ContinuousSession(cutoff=dt.time(17))],
    ids=["london", "nyse", "utc", "five-pm"],
)
def test_session_round_trip(codec: Any, session: AnySession) -> None:
    data = codec.encode(session)
    back = codec.decode(data, type=AnySession)
    assert back == session
    assert type(back) is type(session)
    ts = ns("2024-03-28T17:00:00Z")
    assert back.session_bounds(ts) == session.session_bounds(ts)


def test_session_json_is_tagged_and_readable() -> None:
    data = msgspec.json.decode(msgspec.json.encode(london()))
    assert data["type"] == "TradingSession"
    assert data["open_time"] == "08:00:00"
    assert data["holidays"] == ["2024-03-29", "2024-04-01"]


def test_decoding_an_invalid_session_fails() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(london()))
    raw["weekdays"] = [9]
    with pytest.raises(msgspec.ValidationError, match="weekdays"):
        msgspec.json.decode(msgspec.json.encode(raw), type=AnySession)


def test_copies_keep_working() -> None:
    lse = london()
    ts = ns("2024-03-28T17:00:00Z")
    expected = lse.next_open(ts)
    for clone in (copy.copy(lse), copy.deepcopy(lse), pickle.loads(pickle.dumps(lse))):
        assert clone == lse
        assert clone.next_open(ts) == expected


@pytest.mark.parametrize(
    "session", [london(), ContinuousSession(cutoff=dt.time(17))], ids=["london", "five-pm"]
)
def test_lyra_codec_round_trip_untyped(session: AnySession) -> None:
    from lyra.model import codec

    assert codec.decode_json(codec.encode_json(session)) == session
    assert codec.decode_msgpack(codec.encode_msgpack(session)) == session
