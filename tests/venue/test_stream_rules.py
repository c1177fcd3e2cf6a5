"""check_order_events: the event-stream rules on hand-made streams, and the conformance
checks catching venues that break them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lyra.model.values import Price, Quantity
from lyra.orders import Order, OrderEvent
from lyra.venue import ReconciliationReport
from lyra.venue.testing import (
    CONFORMANCE_CHECKS,
    ConformanceScenario,
    assert_order_events,
    check_order_events,
)

from .helpers import buy, flow, zero
from .toy import ToyVenue, scenario

CHECKS = {c.name: c for c in CONFORMANCE_CHECKS}


def stream(*steps: str) -> tuple[Order, list[OrderEvent]]:
    """Build an order and a stream of events for it from short step names."""
    f, _, orders = flow()
    order = buy(orders)
    ev = f.events
    make: dict[str, Callable[[], OrderEvent]] = {
        "submitted": lambda: ev.submitted(order),
        "denied": lambda: ev.denied(order, "no", "NOT_CONNECTED"),
        "accepted": lambda: ev.accepted(order, "V1"),
        "rejected": lambda: ev.rejected(order, "no", "VENUE_REJECTED"),
        "fill": lambda: ev.filled(
            order,
            trade_id="T1",
            last_qty=Quantity("1.0"),
            last_px=Price("95"),
            commission=zero(),
            venue_order_id="V1",
        ),
        "pending_cancel": lambda: ev.pending_cancel(order),
        "canceled": lambda: ev.canceled(order),
        "cancel_rejected": lambda: ev.cancel_rejected(order, "no", "UNKNOWN_ORDER"),
        "refused_cancel": lambda: ev.cancel_rejected(order, "offline", "NOT_CONNECTED"),
        "same_update": lambda: ev.updated(order),
        "pending_update": lambda: ev.pending_update(order),
        "updated": lambda: ev.updated(order, price=Price("96")),
        "modify_rejected": lambda: ev.modify_rejected(order, "no", "X"),
    }
    return order, [make[s]() for s in steps]


@pytest.mark.parametrize(
    "steps",
    [
        ("submitted", "accepted"),
        ("submitted", "rejected"),
        ("denied",),
        ("submitted", "accepted", "fill"),
        ("submitted", "accepted", "pending_cancel", "canceled"),
        ("submitted", "accepted", "pending_cancel", "cancel_rejected"),
        ("submitted", "accepted", "pending_update", "updated"),
        ("submitted", "accepted", "pending_update", "modify_rejected"),
        ("submitted", "accepted", "refused_cancel"),  # a local refusal, no request
        ("submitted", "accepted", "pending_cancel", "refused_cancel", "canceled"),
        ("submitted", "pending_cancel", "accepted", "canceled"),  # cancel before the ack
        ("submitted", "accepted", "pending_cancel", "fill", "cancel_rejected"),  # too late
    ],
)
def test_good_streams(steps: tuple[str, ...]) -> None:
    order, events = stream(*steps)
    assert check_order_events(order, events) == []


@pytest.mark.parametrize(
    ("steps", "settled", "problem"),
    [
        (("accepted",), True, "first venue event must be OrderSubmitted or OrderDenied"),
        (("submitted", "fill"), True, "before the order was acknowledged"),
        (("submitted", "accepted", "accepted"), True, "a second OrderAccepted"),
        (("denied", "submitted"), True, "published after OrderDenied"),
        (("submitted",), True, "the submit was never answered"),
        (("submitted", "accepted", "pending_cancel"), True, "1 cancel request(s) never answered"),
        (("submitted", "accepted", "pending_update"), True, "1 modify request(s) never answered"),
        (("submitted", "accepted", "fill", "fill"), True, "a duplicate that changes nothing"),
        (("submitted", "rejected", "accepted"), True, "state machine refuses it"),
        (
            ("submitted", "accepted", "pending_cancel", "cancel_rejected", "cancel_rejected"),
            True,
            "answers no outstanding request",
        ),
        (("submitted", "accepted", "same_update"), True, "changes nothing"),
    ],
)
def test_bad_streams(steps: tuple[str, ...], settled: bool, problem: str) -> None:
    order, events = stream(*steps)
    problems = check_order_events(order, events, settled=settled)
    assert any(problem in p for p in problems), problems


def test_unsettled_streams_may_wait_for_answers() -> None:
    order, events = stream("submitted", "accepted", "pending_cancel")
    assert check_order_events(order, events, settled=False) == []


def test_ts_init_must_not_go_back() -> None:
    order, events = stream("submitted", "accepted")
    import msgspec

    events[1] = msgspec.structs.replace(events[1], ts_init=events[0].ts_init - 1)
    assert any("ts_init" in p for p in check_order_events(order, events))


def test_assert_order_events_compares_with_what_the_order_applied() -> None:
    order, events = stream("submitted", "accepted")
    with pytest.raises(AssertionError, match="differs from what the order applied"):
        assert_order_events(order, events)  # the order applied none of them
    for e in events:
        order.apply(e)
    assert_order_events(order, events)


# -- broken venues are caught --------------------------------------------------------------------
class AnswersInsideTheCommand(ToyVenue):
    def _send(self, answer: Callable[[], None]) -> None:
        answer()


class NeverAnswersCancels(ToyVenue):
    def _on_cancel(self, order: Order) -> None:
        pass


class PublishesRawDuplicates(ToyVenue):
    """Applies and publishes by hand, forwarding the venue's duplicates."""

    def _say(self, event: OrderEvent) -> None:
        order = self._flow.get(event.client_order_id)
        for _ in range(2):
            order.apply(event)
            self._bus.publish(f"events.order.{order.strategy_id}", event)


class FillsBeforeAcks(ToyVenue):
    """Publishes a marketable order's fill before its acknowledgement, bypassing OrderFlow."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._noisy = True  # the toy's noisy order: fill first, then the ack

    def _say(self, event: OrderEvent) -> None:
        order = self._flow.get(event.client_order_id)
        order.apply(event)
        self._bus.publish(f"events.order.{order.strategy_id}", event)


class ForgetsOpenOrders(ToyVenue):
    async def reconcile(self, since_ns: int, instrument_ids: Any = None) -> ReconciliationReport:
        report = await super().reconcile(since_ns, instrument_ids)
        import msgspec

        return msgspec.structs.replace(report, orders=())


class StaysConnected(ToyVenue):
    async def __aexit__(self, *exc: Any) -> bool | None:
        return None


def broken(cls: type[ToyVenue]) -> ConformanceScenario:
    base = scenario()
    return ConformanceScenario(
        **{
            **base.__dict__,
            "make_venue": lambda bus: cls(bus, base.clock, prices={"BTCUSD.TOY": Price("100")}),
            "timeout_s": 0.2,
        }
    )


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("cls", "check", "message"),
    [
        (AnswersInsideTheCommand, "submit", "before the command returned"),
        (NeverAnswersCancels, "cancel", "waited 0.2s for OrderCanceled"),
        (PublishesRawDuplicates, "submit", "a second OrderAccepted"),
        (FillsBeforeAcks, "market_order", "acknowledged before it fills"),
        (ForgetsOpenOrders, "reconcile", "missing from the report"),
        (StaysConnected, "lifecycle", "must be DISCONNECTED"),
    ],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
async def test_conformance_catches_broken_venues(
    cls: type[ToyVenue], check: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        await CHECKS[check].run(broken(cls))


def test_a_scenario_must_make_a_venue() -> None:
    import anyio

    bad = ConformanceScenario(**{**scenario().__dict__, "make_venue": lambda bus: object()})
    with pytest.raises(AssertionError, match="lacks members of the Venue protocol"):
        anyio.run(CHECKS["submit"].run, bad)
