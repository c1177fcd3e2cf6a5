"""Tests for lyra.bus.EventBus: matching, order, cache, errors, endpoints, requests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from lyra.bus import EventBus, HandlerError, Request, Response, Subscription
from lyra.clock import TestClock
from lyra.errors import (
    BusError,
    EndpointInUse,
    InvalidInput,
    NoEndpoint,
    TimerNameInUse,
    ValueOutOfRange,
)
from lyra.topics import BUS_ERRORS


def ref_match(pattern: str, topic: str) -> bool:
    """Obviously-correct glob: ``*`` any run (dots included), ``?`` one char."""
    if not pattern:
        return not topic
    head = pattern[0]
    if head == "*":
        return ref_match(pattern[1:], topic) or (bool(topic) and ref_match(pattern, topic[1:]))
    if not topic:
        return False
    return (head == "?" or head == topic[0]) and ref_match(pattern[1:], topic[1:])


class Recorder:
    """A handler that appends (name, msg) to a shared log."""

    def __init__(self, name: str, log: list[tuple[str, Any]]) -> None:
        self.name = name
        self.log = log

    def __call__(self, msg: Any) -> None:
        self.log.append((self.name, msg))

    def __repr__(self) -> str:
        return f"Recorder({self.name})"


def _noop(msg: Any) -> None:
    pass


# --------------------------------------------------------------------------- matching

MATCH_TABLE = [
    ("data.*.BINANCE.*", "data.trades.BINANCE.ETHUSDT", True),
    ("data.quotes.BINANCE.*", "data.quotes.BINANCE.BTCUSDT", True),
    ("data.quotes.BINANCE.*", "data.quotes.BINANCE.", True),
    ("data.quotes.BINANCE.*", "data.quotes.BINANCE", False),
    ("data.quotes.XNYS.*", "data.quotes.XNYS.BRK.B", True),  # * crosses dots
    ("events.order.*", "events.order.EMA-1", True),
    ("events.order.*", "events.position.EMA-1", False),
    ("ETH???", "ETHUSD", True),
    ("ETH???", "ETHUSDT", False),
    ("ETH???", "ETHUS", False),
    ("*", "", True),
    ("*", "anything.at.all", True),
    ("?", "", False),
    ("?", ".", True),
    ("a.c", "abc", False),  # '.' is literal, not regex any-char
    ("a[bc]d", "abd", False),  # no character classes
    ("a[bc]d", "a[bc]d", True),
    ("a+", "aa", False),
    ("a+", "a+", True),
    ("a\\d", "a\\d", True),
    ("a\\d", "a1", False),
    ("(a|b)", "a", False),
    ("^a$", "^a$", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "aXbYbZc", True),
    ("a*b*c", "acb", False),
    ("*.?", "x.y", True),
    ("*.?", "x.yz", False),
    ("a\nb", "a\nb", True),
    ("a?b", "a\nb", True),
    ("a*b", "a\n\nb", True),
]


@pytest.mark.parametrize(("pattern", "topic", "expected"), MATCH_TABLE)
def test_match_table(pattern: str, topic: str, expected: bool) -> None:
    assert ref_match(pattern, topic) is expected  # the table itself is right
    bus = EventBus()
    bus.subscribe(pattern, _noop)
    assert bus.has_subscribers(topic) is expected


_ALPHABET = "ab.*?["


@settings(max_examples=600, deadline=None)
@given(
    pattern=st.text(alphabet=_ALPHABET, min_size=1, max_size=8),
    topic=st.text(alphabet=_ALPHABET, max_size=9),
)
def test_matcher_agrees_with_reference(pattern: str, topic: str) -> None:
    bus = EventBus()
    bus.subscribe(pattern, _noop)
    assert bus.has_subscribers(topic) is ref_match(pattern, topic)


@settings(max_examples=200, deadline=None)
@given(
    patterns=st.lists(st.text(alphabet="ab.*?", min_size=1, max_size=6), max_size=6),
    topics=st.lists(st.text(alphabet="ab.", max_size=6), max_size=6),
)
def test_many_patterns_deliver_to_exactly_the_matching_ones(
    patterns: list[str], topics: list[str]
) -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    for i, pattern in enumerate(patterns):
        bus.subscribe(pattern, Recorder(f"{i}:{pattern}", log))
    for topic in topics:
        log.clear()
        bus.publish(topic, None)
        expected = [f"{i}:{p}" for i, p in enumerate(patterns) if ref_match(p, topic)]
        assert [name for name, _ in log] == expected


def test_many_stars_do_not_backtrack_exponentially() -> None:
    bus = EventBus()
    bus.subscribe("*a*a*a*a*a*a*a*a*a*a*a*a*b", _noop)
    bus.subscribe("*a?a*a?a*a?a*a?a*a?a*c", _noop)
    # A naive backtracking regex takes astronomically long on these.
    assert not bus.has_subscribers("a" * 3000)
    assert bus.has_subscribers("a" * 3000 + "b")
    assert bus.has_subscribers("a" * 3000 + "c")


def test_empty_pattern_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        EventBus().subscribe("", _noop)


# ----------------------------------------------------------------------- delivery order


def test_priority_then_subscription_order() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    bus.subscribe("t.*", Recorder("low", log), priority=-1)
    bus.subscribe("t.x", Recorder("a0", log))
    bus.subscribe("*", Recorder("high", log), priority=5)
    bus.subscribe("t.?", Recorder("b0", log))
    bus.subscribe("t.x", Recorder("mid", log), priority=2)
    bus.subscribe("t.x", Recorder("c0", log))
    bus.publish("t.x", "m")
    assert [n for n, _ in log] == ["high", "mid", "a0", "b0", "c0", "low"]
    assert all(m == "m" for _, m in log)
    assert [s.priority for s in bus.subscriptions("t.x")] == [5, 2, 0, 0, 0, -1]


def test_subscribe_after_topic_is_cached_lands_in_the_right_place() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    bus.subscribe("t.x", Recorder("a", log), priority=1)
    bus.subscribe("t.x", Recorder("b", log), priority=0)
    bus.publish("t.x", 1)  # cached now
    bus.subscribe("t.*", Recorder("c", log), priority=1)  # after a, before b
    bus.subscribe("t.x", Recorder("d", log), priority=9)
    bus.subscribe("*", Recorder("e", log), priority=0)  # after b
    log.clear()
    bus.publish("t.x", 2)
    assert [n for n, _ in log] == ["d", "a", "c", "b", "e"]


def test_same_handler_under_two_matching_patterns_is_called_twice() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    rec = Recorder("r", log)
    bus.subscribe("a.*", rec)
    bus.subscribe("a.b", rec)
    bus.publish("a.b", 0)
    assert len(log) == 2


def test_duplicate_subscription_is_a_no_op_and_priority_change_raises() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    rec = Recorder("r", log)
    assert bus.subscribe("a.*", rec, priority=3) is True
    assert bus.subscribe("a.*", rec, priority=3) is False
    with pytest.raises(BusError, match="priority 3"):
        bus.subscribe("a.*", rec, priority=4)
    bus.publish("a.b", 0)
    assert len(log) == 1
    assert bus.subscriptions() == [Subscription("a.*", rec, 3)]


def test_bound_methods_compare_equal_for_subscribe_and_unsubscribe() -> None:
    class Strategy:
        def __init__(self) -> None:
            self.seen: list[Any] = []

        def on_quote(self, msg: Any) -> None:
            self.seen.append(msg)

    bus = EventBus()
    strat = Strategy()
    assert bus.subscribe("q", strat.on_quote)
    assert not bus.subscribe("q", strat.on_quote)  # a fresh bound method, same handler
    bus.publish("q", 1)
    assert bus.unsubscribe("q", strat.on_quote)
    bus.publish("q", 2)
    assert strat.seen == [1]


def test_unsubscribe_unknown_is_a_no_op() -> None:
    bus = EventBus()
    assert bus.unsubscribe("nothing", _noop) is False
    bus.subscribe("a", _noop)
    assert bus.unsubscribe("a", _noop) is True
    assert bus.unsubscribe("a", _noop) is False
    assert bus.topics() == []
    assert not bus.has_subscribers("a")


# ------------------------------------------------------------------------- the cache


def test_unsubscribe_updates_cached_topics() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    a, b = Recorder("a", log), Recorder("b", log)
    bus.subscribe("x.*", a)
    bus.subscribe("x.*", b)
    bus.publish("x.1", 0)
    bus.publish("x.2", 0)
    bus.unsubscribe("x.*", a)
    log.clear()
    bus.publish("x.1", 0)
    bus.publish("x.2", 0)
    assert [n for n, _ in log] == ["b", "b"]
    bus.unsubscribe("x.*", b)
    log.clear()
    bus.publish("x.1", 0)
    assert log == []
    assert not bus.has_subscribers("x.2")


def test_topic_without_subscribers_gets_them_later() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    assert not bus.has_subscribers("late.topic")  # cached as empty
    bus.subscribe("late.*", Recorder("w", log))
    bus.subscribe("late.topic", Recorder("e", log))
    bus.publish("late.topic", 1)
    assert [n for n, _ in log] == ["w", "e"]


def test_cache_is_bounded_and_evicted_topics_still_deliver() -> None:
    bus = EventBus(cache_size=8)
    log: list[tuple[str, Any]] = []
    bus.subscribe("u.*", Recorder("w", log), priority=1)
    bus.subscribe("u.7", Recorder("seven", log))
    for i in range(1000):
        bus.publish(f"u.{i}", i)
        assert bus.cached_topic_count <= 8
    assert len(log) == 1001
    log.clear()
    bus.publish("u.7", "again")  # long evicted: resolved afresh
    assert [n for n, _ in log] == ["w", "seven"]
    bus.unsubscribe("u.*", Recorder("w", log))  # different object: not subscribed
    bus.publish("u.7", "x")
    assert [n for n, _ in log][-2:] == ["w", "seven"]
    assert bus.cache_size == 8


def test_cache_size_must_be_positive() -> None:
    with pytest.raises(ValueOutOfRange):
        EventBus(cache_size=0)


# ------------------------------------------------------------- changes during dispatch


def test_subscribe_and_unsubscribe_during_dispatch_apply_from_next_publish() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    late = Recorder("late", log)
    victim = Recorder("victim", log)

    def mutator(msg: Any) -> None:
        log.append(("mutator", msg))
        bus.unsubscribe("t", victim)
        bus.subscribe("t", late, priority=100)

    bus.subscribe("t", mutator, priority=10)
    bus.subscribe("t", victim)
    bus.publish("t", 1)
    # victim still gets the message in flight; late does not.
    assert log == [("mutator", 1), ("victim", 1)]
    log.clear()
    bus.publish("t", 2)
    assert log == [("late", 2), ("mutator", 2)]


def test_handler_unsubscribing_itself() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []

    def once(msg: Any) -> None:
        log.append(("once", msg))
        bus.unsubscribe("t.*", once)

    bus.subscribe("t.*", once)
    bus.subscribe("t.*", Recorder("other", log))
    bus.publish("t.a", 1)
    bus.publish("t.a", 2)
    bus.publish("t.b", 3)
    assert log == [("once", 1), ("other", 1), ("other", 2), ("other", 3)]


def test_nested_publish_runs_depth_first() -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []

    def relay(msg: Any) -> None:
        log.append(("relay", msg))
        if msg < 2:
            bus.publish("t", msg + 1)

    bus.subscribe("t", relay, priority=1)
    bus.subscribe("t", Recorder("tail", log))
    bus.publish("t", 0)
    assert log == [
        ("relay", 0),
        ("relay", 1),
        ("relay", 2),
        ("tail", 2),
        ("tail", 1),
        ("tail", 0),
    ]


# Random operations against a reference bus that matches every pattern on every publish.

_PATTERNS = ("*", "a.*", "a.?", "?.b", "a.b", "*.b", "a*c", "a.b.c", "b*", "a", "*.?", "??")
_TOPICS = ("a.b", "a.c", "b.b", "a", "ab", "a.b.c", "b", "c.b")
_PRIOS = (-1, 0, 0, 1, 2)
_N_HANDLERS = 4


@dataclass
class _RefSub:
    pattern: str
    handler: int
    priority: int
    seq: int


@dataclass
class _RefBus:
    subs: list[_RefSub] = field(default_factory=list)
    seq: int = 0

    def subscribe(self, pattern: str, handler: int, priority: int) -> object:
        for s in self.subs:
            if s.pattern == pattern and s.handler == handler:
                return False if s.priority == priority else "BusError"
        self.seq += 1
        self.subs.append(_RefSub(pattern, handler, priority, self.seq))
        return True

    def unsubscribe(self, pattern: str, handler: int) -> object:
        for i, s in enumerate(self.subs):
            if s.pattern == pattern and s.handler == handler:
                del self.subs[i]
                return True
        return False

    def resolve(self, topic: str) -> list[int]:
        hits = [s for s in self.subs if ref_match(s.pattern, topic)]
        hits.sort(key=lambda s: (-s.priority, s.seq))
        return [s.handler for s in hits]


_action = st.one_of(
    st.tuples(
        st.just("sub"),
        st.sampled_from(_PATTERNS),
        st.integers(0, _N_HANDLERS - 1),
        st.sampled_from(_PRIOS),
    ),
    st.tuples(st.just("unsub"), st.sampled_from(_PATTERNS), st.integers(0, _N_HANDLERS - 1)),
)
_op = st.one_of(
    _action,
    st.tuples(
        st.just("pub"),
        st.sampled_from(_TOPICS),
        st.dictionaries(st.integers(0, _N_HANDLERS - 1), _action, max_size=3),
    ),
)


@dataclass
class _Msg:
    actions: dict[int, tuple[Any, ...]]
    done: set[int] = field(default_factory=set)


def _apply(target: Any, action: tuple[Any, ...]) -> object:
    try:
        if action[0] == "sub":
            return target.subscribe(*action[1:])
        return target.unsubscribe(*action[1:])
    except BusError:
        return "BusError"


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_op, max_size=40), cache_size=st.sampled_from([1, 2, 5, 1000]))
def test_random_operations_match_a_cacheless_reference(
    ops: list[tuple[Any, ...]], cache_size: int
) -> None:
    bus = EventBus(cache_size=cache_size)
    ref = _RefBus()
    delivered: list[int] = []
    results: list[object] = []

    class _H:
        def __init__(self, idx: int) -> None:
            self.idx = idx

        def __call__(self, msg: _Msg) -> None:
            delivered.append(self.idx)
            if self.idx in msg.actions and self.idx not in msg.done:
                msg.done.add(self.idx)
                results.append(_apply(_BusView(), msg.actions[self.idx]))

    handlers = [_H(i) for i in range(_N_HANDLERS)]

    class _BusView:
        """Maps handler indices to the real handler objects."""

        def subscribe(self, pattern: str, h: int, prio: int) -> object:
            return bus.subscribe(pattern, handlers[h], prio)

        def unsubscribe(self, pattern: str, h: int) -> object:
            return bus.unsubscribe(pattern, handlers[h])

    for op in ops:
        if op[0] == "pub":
            _, topic, actions = op
            delivered.clear()
            results.clear()
            bus.publish(topic, _Msg(actions))
            expected = ref.resolve(topic)  # the snapshot at publish time
            expected_results: list[object] = []
            seen: set[int] = set()
            for h in expected:
                if h in actions and h not in seen:
                    seen.add(h)
                    expected_results.append(_apply(ref, actions[h]))
            assert delivered == expected, (topic, ops)
            assert results == expected_results
        else:
            assert _apply(_BusView(), op) == _apply(ref, op)
        assert bus.cached_topic_count <= cache_size
    for topic in _TOPICS:
        got = [getattr(s.handler, "idx", None) for s in bus.subscriptions(topic)]
        assert got == ref.resolve(topic)
        assert bus.has_subscribers(topic) == bool(ref.resolve(topic))
    assert bus.topics() == sorted({s.pattern for s in ref.subs})


# ------------------------------------------------------------------------------ errors


def test_raising_handler_does_not_stop_others_and_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    log: list[tuple[str, Any]] = []
    errors: list[HandlerError] = []

    def boom(msg: Any) -> None:
        raise ValueError(f"bad {msg}")

    bus.subscribe(BUS_ERRORS, errors.append)
    bus.subscribe("t", Recorder("first", log), priority=1)
    bus.subscribe("t", boom)
    bus.subscribe("t", Recorder("last", log), priority=-1)
    with caplog.at_level(logging.ERROR, logger="lyra.bus"):
        bus.publish("t", 7)
    assert [n for n, _ in log] == ["first", "last"]
    assert len(errors) == 1
    err = errors[0]
    assert err.topic == "t"
    assert err.handler.endswith("boom")
    assert err.error_type == "ValueError"
    assert err.message == "bad 7"
    assert isinstance(err.exception, ValueError)
    records = [r for r in caplog.records if r.name == "lyra.bus"]
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert records[0].exc_info[1] is err.exception
    assert "boom" in caplog.text and "Traceback" in caplog.text


def test_handler_error_encodes_without_the_exception() -> None:
    bus = EventBus()
    errors: list[HandlerError] = []
    bus.subscribe(BUS_ERRORS, errors.append)

    def boom(msg: Any) -> None:
        raise KeyError("k")

    bus.subscribe("t", boom)
    logging.getLogger("lyra.bus").disabled = True
    try:
        bus.publish("t", None)
    finally:
        logging.getLogger("lyra.bus").disabled = False
    data = msgspec.json.encode(errors[0])
    back = msgspec.json.decode(data, type=HandlerError)
    assert back == errors[0]
    assert back.exception is None
    assert set(msgspec.json.decode(data)) == {"topic", "handler", "error_type", "message"}


def test_error_topic_handler_that_raises_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    calls: list[str] = []

    def bad_error_handler(msg: Any) -> None:
        calls.append("err")
        raise RuntimeError("error handler broke")

    def everything(msg: Any) -> None:
        calls.append(f"all:{type(msg).__name__}")
        raise RuntimeError("wildcard handler broke")

    def boom(msg: Any) -> None:
        raise ValueError("boom")

    bus.subscribe(BUS_ERRORS, bad_error_handler)
    bus.subscribe("*", everything, priority=-1)
    bus.subscribe("t", boom)
    with caplog.at_level(logging.ERROR, logger="lyra.bus"):
        bus.publish("t", 0)
    # boom -> a HandlerError, which reaches both error-topic handlers; they raise and are
    # only logged. Then "everything" raises on t -> a second HandlerError, same again.
    assert calls == ["err", "all:HandlerError", "all:int", "err", "all:HandlerError"]
    assert len([r for r in caplog.records if r.name == "lyra.bus"]) == 6


def test_base_exceptions_propagate() -> None:
    bus = EventBus()

    def stop(msg: Any) -> None:
        raise KeyboardInterrupt

    bus.subscribe("t", stop)
    with pytest.raises(KeyboardInterrupt):
        bus.publish("t", 0)


# ---------------------------------------------------------------------- point-to-point


def test_register_send_deregister() -> None:
    bus = EventBus()
    got: list[Any] = []
    bus.register("RiskEngine.execute", got.append)
    with pytest.raises(EndpointInUse):
        bus.register("RiskEngine.execute", got.append)
    bus.send("RiskEngine.execute", "cmd")
    assert got == ["cmd"]
    assert bus.endpoints() == ["RiskEngine.execute"]
    assert not bus.has_subscribers("RiskEngine.execute")  # endpoints are not topics
    bus.deregister("RiskEngine.execute")
    with pytest.raises(NoEndpoint):
        bus.send("RiskEngine.execute", "cmd")
    with pytest.raises(NoEndpoint):
        bus.deregister("RiskEngine.execute")
    with pytest.raises(InvalidInput):
        bus.register("", got.append)


def test_send_handler_error_is_reported() -> None:
    bus = EventBus()
    errors: list[HandlerError] = []
    bus.subscribe(BUS_ERRORS, errors.append)

    def broken(msg: Any) -> None:
        raise ValueError("nope")

    bus.register("ep", broken)
    logging.getLogger("lyra.bus").disabled = True
    try:
        bus.send("ep", 1)
    finally:
        logging.getLogger("lyra.bus").disabled = False
    assert [(e.topic, e.error_type) for e in errors] == [("ep", "ValueError")]


# -------------------------------------------------------------------- request/response


def test_request_answered_at_once() -> None:
    bus = EventBus()
    seen: list[Request] = []

    def endpoint(req: Request) -> None:
        seen.append(req)
        bus.respond(req.correlation_id, req.payload * 2)

    bus.register("double", endpoint)
    responses: list[Response] = []
    cid = bus.request("double", 21, responses.append)
    assert responses == [Response(cid, 42)]
    assert seen == [Request(cid, "double", 21, None)]
    assert bus.pending_requests() == []
    assert bus.respond(cid, 0) is False  # finished: a no-op
    assert responses == [Response(cid, 42)]


def test_request_answered_later_and_ids_are_sequential() -> None:
    bus = EventBus()
    inbox: list[Request] = []
    bus.register("svc", inbox.append)
    responses: list[Response] = []
    c1 = bus.request("svc", "a", responses.append)
    c2 = bus.request("svc", "b", responses.append)
    assert (c1, c2) == (1, 2)
    assert bus.pending_requests() == [1, 2]
    assert bus.respond(c2, "B") is True
    assert bus.respond(c1, "A") is True
    assert responses == [Response(2, "B"), Response(1, "A")]
    assert bus.respond(c1, "again") is False
    with pytest.raises(BusError):
        bus.respond(99, "never issued")
    with pytest.raises(NoEndpoint):
        bus.request("nobody", 0, responses.append)


def test_request_to_raising_endpoint_stays_pending_and_can_be_cancelled() -> None:
    bus = EventBus()

    def broken(req: Request) -> None:
        raise RuntimeError("down")

    bus.register("svc", broken)
    responses: list[Response] = []
    logging.getLogger("lyra.bus").disabled = True
    try:
        cid = bus.request("svc", 0, responses.append)
    finally:
        logging.getLogger("lyra.bus").disabled = False
    assert bus.pending_requests() == [cid]
    assert bus.cancel_request(cid) is True
    assert bus.cancel_request(cid) is False
    assert bus.respond(cid, 1) is False
    assert responses == []


def test_request_timeout_with_test_clock() -> None:
    clock = TestClock(start_ns=1_000)
    bus = EventBus(clock=clock)
    inbox: list[Request] = []
    bus.register("slow", inbox.append)
    responses: list[Response] = []
    timeouts: list[int] = []
    cid = bus.request("slow", "x", responses.append, timeout_ns=500, on_timeout=timeouts.append)
    assert inbox[0].deadline_ns == 1_500
    clock.advance_to(1_499)
    assert timeouts == []
    clock.advance_to(1_500)
    assert timeouts == [cid]
    assert bus.pending_requests() == []
    assert bus.respond(cid, "late") is False
    assert responses == []
    clock.advance_to(10_000)
    assert timeouts == [cid]  # once only


def test_answered_request_disarms_its_timer() -> None:
    clock = TestClock()
    bus = EventBus(clock=clock)
    bus.register("svc", lambda req: None)
    responses: list[Response] = []
    timeouts: list[int] = []
    cid = bus.request("svc", 1, responses.append, timeout_ns=10, on_timeout=timeouts.append)
    assert clock.timer_count == 1
    bus.respond(cid, "ok")
    assert clock.timer_count == 0
    clock.advance_to(100)
    assert timeouts == []
    assert responses == [Response(cid, "ok")]
    cid2 = bus.request("svc", 2, responses.append, timeout_ns=10, on_timeout=timeouts.append)
    assert bus.cancel_request(cid2)
    assert clock.timer_count == 0


def test_timeout_argument_errors() -> None:
    bus = EventBus()
    bus.register("svc", lambda req: None)
    with pytest.raises(BusError, match="clock"):
        bus.request("svc", 0, _noop, timeout_ns=5, on_timeout=_noop)
    clocked = EventBus(clock=TestClock())
    clocked.register("svc", lambda req: None)
    with pytest.raises(InvalidInput, match="on_timeout"):
        clocked.request("svc", 0, _noop, timeout_ns=5)
    with pytest.raises(ValueOutOfRange):
        clocked.request("svc", 0, _noop, timeout_ns=0, on_timeout=_noop)
    assert clocked.pending_requests() == []


def test_buses_sharing_a_clock_need_distinct_names() -> None:
    clock = TestClock()
    one = EventBus(clock=clock, name="one")
    two = EventBus(clock=clock, name="two")
    same = EventBus(clock=clock, name="one")
    for bus in (one, two, same):
        bus.register("svc", lambda req: None)
    fired: list[tuple[str, int]] = []
    one.request("svc", 0, _noop, timeout_ns=5, on_timeout=lambda c: fired.append(("one", c)))
    two.request("svc", 0, _noop, timeout_ns=5, on_timeout=lambda c: fired.append(("two", c)))
    with pytest.raises(TimerNameInUse):
        same.request("svc", 0, _noop, timeout_ns=5, on_timeout=_noop)
    assert same.pending_requests() == []
    clock.advance_to(5)
    assert sorted(fired) == [("one", 1), ("two", 1)]


def test_callback_errors_are_reported() -> None:
    clock = TestClock()
    bus = EventBus(clock=clock)
    errors: list[HandlerError] = []
    bus.subscribe(BUS_ERRORS, errors.append)
    bus.register("svc", lambda req: None)

    def bad(arg: Any) -> None:
        raise ValueError("callback")

    logging.getLogger("lyra.bus").disabled = True
    try:
        cid = bus.request("svc", 0, bad)
        bus.respond(cid, 1)
        bus.request("svc", 0, _noop, timeout_ns=1, on_timeout=bad)
        clock.advance_to(1)
    finally:
        logging.getLogger("lyra.bus").disabled = False
    assert [(e.topic, e.error_type) for e in errors] == [("svc", "ValueError")] * 2


# -------------------------------------------------------------------------- independence


def test_two_buses_are_independent() -> None:
    a, b = EventBus(), EventBus()
    log: list[tuple[str, Any]] = []
    a.subscribe("t.*", Recorder("a", log))
    b.subscribe("t.x", Recorder("b", log))
    a.register("ep", Recorder("a-ep", log))
    b.register("ep", Recorder("b-ep", log))  # no EndpointInUse across buses
    a.publish("t.x", 1)
    b.publish("t.x", 2)
    a.send("ep", 3)
    assert log == [("a", 1), ("b", 2), ("a-ep", 3)]
    assert a.topics() == ["t.*"] and b.topics() == ["t.x"]
    b.register("svc", lambda req: None)
    assert b.request("svc", 0, _noop) == 1
    with pytest.raises(NoEndpoint):
        a.request("svc", 0, _noop)


def test_introspection() -> None:
    bus = EventBus()
    h1, h2 = Recorder("1", []), Recorder("2", [])
    bus.subscribe("b.*", h1, priority=1)
    bus.subscribe("a", h2)
    bus.subscribe("b.c", h2, priority=3)
    assert bus.topics() == ["a", "b.*", "b.c"]
    assert bus.subscriptions() == [
        Subscription("b.*", h1, 1),
        Subscription("a", h2, 0),
        Subscription("b.c", h2, 3),
    ]
    assert bus.subscriptions("b.c") == [Subscription("b.c", h2, 3), Subscription("b.*", h1, 1)]
    assert bus.subscriptions("zzz") == []
    assert bus.has_subscribers("b.") and not bus.has_subscribers("b")
