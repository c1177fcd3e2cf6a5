"""Property: SimulatedExchange (L3 book, no latency, one instrument) and the pure-Python
reference model of ``reference_model.py`` agree on every random flow of limit, market,
IOC, FOK, post-only orders and cancels from several accounts -- the same fills (price,
quantity, maker/taker) for every order, in order, and the same status after every step --
and every order's published event stream follows the venue contract's rules."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings, strategies as st

from lyra.bus import EventBus
from lyra.model.enums import AccountType, BookType, LiquiditySide, OrderSide, TimeInForce
from lyra.model.values import Money
from lyra.orders import Order, OrderEvent, OrderFactory, OrderFilled
from lyra.sim import SimulatedExchange, SimulatedVenue
from lyra.venue.testing import assert_order_events

from .helpers import BTCUSDT, USDT
from .reference_model import BUY, SELL, ReferenceBook, RefOrder

ACCOUNTS = 3


@dataclass(frozen=True)
class New:
    account: int
    side: int
    kind: str  # LIMIT, MARKET
    tif: str  # GTC, IOC, FOK
    qty: int  # lots
    price: int  # ticks (ignored for MARKET)
    post_only: bool


@dataclass(frozen=True)
class Cancel:
    pick: int  # index into the orders sent so far (modulo)


def _new() -> st.SearchStrategy[New]:
    def build(
        account: int, side: int, kind: str, tif: str, qty: int, price: int, post: bool
    ) -> New:
        if kind == "MARKET":
            post = False
        if post:
            tif = "GTC"
        return New(account, side, kind, tif, qty, price, post)

    return st.builds(
        build,
        st.integers(0, ACCOUNTS - 1),
        st.sampled_from([BUY, SELL]),
        st.sampled_from(["LIMIT", "LIMIT", "LIMIT", "MARKET"]),
        st.sampled_from(["GTC", "GTC", "IOC", "FOK"]),
        st.integers(1, 12),
        st.integers(95, 105),
        st.booleans(),
    )


OPS = st.lists(
    st.one_of(_new(), _new(), st.builds(Cancel, st.integers(0, 1000))), min_size=1, max_size=60
)
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_STATUS = {
    "ACCEPTED": "ACCEPTED",
    "PARTIALLY_FILLED": "PARTIALLY_FILLED",
    "FILLED": "FILLED",
    "CANCELED": "CANCELED",
    "REJECTED": "REJECTED",
}


class _Harness:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.ex = SimulatedExchange(
            "SIM",
            bus=self.bus,
            instruments=[BTCUSDT],
            book_type=BookType.L3_MBO,
            account_type=AccountType.MARGIN,
            starting_balances=[Money("1000000000", USDT)],
        )
        self.venues: list[SimulatedVenue] = [self.ex] + [
            self.ex.add_account(f"SIM-{i + 1:03d}", [Money("1000000000", USDT)])
            for i in range(1, ACCOUNTS)
        ]
        self.factories = [
            OrderFactory(f"S{i}", clock=lambda: 0, epoch=1, id_prefix="abc"[i])
            for i in range(ACCOUNTS)
        ]
        self.fills: dict[str, list[tuple[int, int, str]]] = {}
        self.published: dict[str, list[OrderEvent]] = {}
        self.bus.subscribe("events.order.*", self._on_event)

    def _on_event(self, event: OrderEvent) -> None:
        self.published.setdefault(event.client_order_id, []).append(event)
        if isinstance(event, OrderFilled):
            self.fills.setdefault(event.client_order_id, []).append(
                (
                    BTCUSDT.ticks(event.last_px),
                    BTCUSDT.lots(event.last_qty),
                    "MAKER" if event.liquidity_side is LiquiditySide.MAKER else "TAKER",
                )
            )

    def order(self, op: New) -> Order:
        f = self.factories[op.account]
        side = OrderSide.BUY if op.side == BUY else OrderSide.SELL
        q = BTCUSDT.qty_from_lots(op.qty)
        if op.kind == "MARKET":
            return f.market(BTCUSDT.id, side, q, time_in_force=_TIF[op.tif])
        return f.limit(
            BTCUSDT.id,
            side,
            q,
            BTCUSDT.price_from_ticks(op.price),
            time_in_force=_TIF[op.tif],
            post_only=op.post_only,
        )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_the_exchange_matches_like_the_reference_model(ops: list[object]) -> None:
    h = _Harness()
    model = ReferenceBook()
    sent: list[tuple[Order, RefOrder]] = []
    for n, op in enumerate(ops):
        if isinstance(op, New):
            order = h.order(op)
            ref = RefOrder(
                n + 1,
                op.account,
                op.side,
                op.kind,
                op.tif,
                op.qty,
                None if op.kind == "MARKET" else op.price,
                op.post_only,
            )
            h.venues[op.account].submit_order(order)
            h.ex.settle()
            model.submit(ref)
            sent.append((order, ref))
        elif isinstance(op, Cancel) and sent:
            order, ref = sent[op.pick % len(sent)]
            if order.is_closed:
                continue  # refused locally (ORDER_CLOSED): nothing reaches the engine
            h.venues[ref.account].cancel_order(order)
            h.ex.settle()
            model.cancel(ref.id)
        for order, ref in sent:
            assert order.status.name == _STATUS[ref.status], (order, ref)
    for order, ref in sent:
        assert h.fills.get(order.client_order_id, []) == ref.fills, (order, ref)
        assert BTCUSDT.lots(order.filled_qty) == ref.filled
        # and every order's published stream follows the venue contract's rules
        assert_order_events(order, h.published[order.client_order_id])
    resting = {o.client_order_id for o in h.ex.open_orders()}
    assert resting == {o.client_order_id for o, r in sent if r in model.resting}
