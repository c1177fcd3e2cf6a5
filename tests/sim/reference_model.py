"""A pure-Python reference matching model, written the obvious way, to check the engine with.

One instrument, an L3 book of orders from several accounts, price-time priority, no
latency, no market data. Orders: LIMIT (GTC, IOC, FOK, optionally post-only) and MARKET;
cancels. Self-trade prevention: cancel the incoming order's remainder (the engine's
default). The rules are those of ``docs/explanation/matching.md``:

* an incoming order trades with the best opposite price first and, at one price, with the
  order that arrived first, always at the resting order's price;
* a LIMIT GTC rests what is left; IOC cancels it; FOK is decided before any fill, by
  running the order on a copy of the book and keeping nothing unless it filled completely;
* a MARKET order takes what there is and cancels the rest (no liquidity is invented);
* a post-only order whose price would take is rejected; one that does not rests;
* an incoming order that reaches a resting order of its own account is canceled there
  (fills made before stand); the resting order keeps its place.

Nothing here is clever: the book is one list in arrival order and every step is a linear
scan, so the model is easy to read and to trust.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

BUY = 1
SELL = 2


@dataclass
class RefOrder:
    """One order in the model."""

    id: int
    account: int
    side: int  # BUY or SELL
    kind: str  # "LIMIT" or "MARKET"
    tif: str  # "GTC", "IOC", "FOK"
    qty: int
    price: int | None = None
    post_only: bool = False
    filled: int = 0
    status: str = "NEW"  # NEW, ACCEPTED, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED
    fills: list[tuple[int, int, str]] = field(default_factory=list)  # (price, qty, MAKER|TAKER)

    @property
    def open_qty(self) -> int:
        return self.qty - self.filled


class ReferenceBook:
    """The model: call :meth:`submit` and :meth:`cancel`; read :attr:`orders`."""

    def __init__(self) -> None:
        self.orders: dict[int, RefOrder] = {}
        self.resting: list[RefOrder] = []  # arrival order (time priority), both sides
        self.events: list[tuple[object, ...]] = []

    # -- queries ---------------------------------------------------------------------------
    def _crosses(self, taker: RefOrder, maker: RefOrder) -> bool:
        if maker.side == taker.side:
            return False
        if taker.price is None:
            return True
        assert maker.price is not None
        return maker.price <= taker.price if taker.side == BUY else maker.price >= taker.price

    def _best_maker(self, taker: RefOrder, resting: list[RefOrder]) -> RefOrder | None:
        best: RefOrder | None = None
        for maker in resting:  # arrival order: the first at a price wins ties
            if not self._crosses(taker, maker):
                continue
            assert maker.price is not None
            if best is None:
                best = maker
            else:
                assert best.price is not None
                better = maker.price < best.price if taker.side == BUY else maker.price > best.price
                if better:
                    best = maker
        return best

    def best(self, side: int) -> int | None:
        prices = [o.price for o in self.resting if o.side == side and o.price is not None]
        if not prices:
            return None
        return max(prices) if side == BUY else min(prices)

    # -- commands ----------------------------------------------------------------------------
    def submit(self, order: RefOrder) -> None:
        self.orders[order.id] = order
        opposite = SELL if order.side == BUY else BUY
        if order.post_only:
            best = self.best(opposite)
            assert order.price is not None
            if best is not None and (
                best <= order.price if order.side == BUY else best >= order.price
            ):
                order.status = "REJECTED"
                self.events.append(("rejected", order.id))
                return
        order.status = "ACCEPTED"
        self.events.append(("accepted", order.id))
        if order.tif == "FOK":
            trial = copy.deepcopy(self)
            trial.events = []
            trial._walk(trial.orders[order.id])
            if trial.orders[order.id].filled < order.qty:
                order.status = "CANCELED"
                self.events.append(("canceled", order.id))
                return
        self._walk(order)
        if order.open_qty == 0:
            return
        if order.status in ("CANCELED",):
            return
        if order.kind == "MARKET" or order.tif in ("IOC", "FOK"):
            order.status = "CANCELED"
            self.events.append(("canceled", order.id))
            return
        self.resting.append(order)

    def _walk(self, taker: RefOrder) -> None:
        while taker.open_qty > 0:
            maker = self._best_maker(taker, self.resting)
            if maker is None:
                return
            if maker.account == taker.account:  # self-trade: cancel the taker's remainder
                taker.status = "CANCELED"
                self.events.append(("canceled", taker.id))
                return
            assert maker.price is not None
            qty = min(taker.open_qty, maker.open_qty)
            for o, liq in ((taker, "TAKER"), (maker, "MAKER")):
                o.filled += qty
                o.fills.append((maker.price, qty, liq))
                o.status = "FILLED" if o.open_qty == 0 else "PARTIALLY_FILLED"
            self.events.append(("fill", taker.id, maker.id, maker.price, qty))
            if maker.open_qty == 0:
                self.resting.remove(maker)

    def cancel(self, order_id: int) -> bool:
        """Cancel a resting order; ``False`` when it is not resting (the venue refuses)."""
        for o in self.resting:
            if o.id == order_id:
                self.resting.remove(o)
                o.status = "CANCELED"
                self.events.append(("canceled", o.id))
                return True
        self.events.append(("cancel_rejected", order_id))
        return False
