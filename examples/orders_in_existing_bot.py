"""Track order lifecycles inside a bot you already have, with only ``lyra.orders``.

Your bot already talks to its exchange; it only wants exact, well-behaved order state. It
builds orders with :class:`~lyra.orders.OrderFactory` (venue-safe client ids), turns each
venue message into an order event, and applies it. Lyra's one state machine takes care of
what real venues do: an acknowledgement after the first fill, the same trade delivered twice
after a reconnect, a fill that races a cancel request. At the end the bot saves its orders
and restores them, as it would across a restart.

The messages below are shaped like Binance user-data ``executionReport`` messages.

Run: ``python examples/orders_in_existing_bot.py``
"""

from __future__ import annotations

from typing import Any

from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, TimeInForce
from lyra.model.values import Money, Price, Quantity
from lyra.orders import (
    ApplyOutcome,
    InvalidTransition,
    Order,
    OrderEvent,
    OrderFactory,
    decode_order,
    encode_order,
)

SYMBOL = "BTCUSDT.BINANCE"
MS = 1_000_000  # Binance timestamps are milliseconds; Lyra's are nanoseconds


class FakeClock:
    """Deterministic time for the example (a real bot passes nothing: wall time)."""

    def __init__(self) -> None:
        self.now = 1_767_225_600_000 * MS

    def __call__(self) -> int:
        self.now += MS
        return self.now


class OrderTracker:
    """The part of an existing bot that keeps order state: venue message in, event applied."""

    def __init__(self, factory: OrderFactory) -> None:
        self.events = factory.events
        self.orders: dict[str, Order] = {}

    def track(self, order: Order) -> Order:
        self.orders[order.client_order_id] = order
        return order

    def submit(self, order: Order) -> dict[str, Any]:
        """What the bot sends (here it only records the submit)."""
        self.apply(order, self.events.submitted(order, account_id="BINANCE-spot"))
        return {"newClientOrderId": order.client_order_id, "quantity": str(order.quantity)}

    def request_cancel(self, order: Order) -> None:
        self.apply(order, self.events.pending_cancel(order))

    def on_message(self, msg: dict[str, Any]) -> None:
        order = self.orders.get(msg["c"])
        if order is None:
            print(f"  ignoring a message for an order this bot does not track: {msg['c']}")
            return
        ts = msg["T"] * MS
        ev = self.events
        kind = msg["x"]
        event: OrderEvent
        if kind == "NEW":
            event = ev.accepted(order, str(msg["i"]), ts_event=ts)
        elif kind == "TRADE":
            event = ev.filled(
                order,
                trade_id=str(msg["t"]),
                last_qty=Quantity(msg["l"]),
                last_px=Price(msg["L"]),
                commission=Money(msg["n"], Currency.from_str(msg["N"])),
                currency=Currency.from_str("USDT"),
                liquidity_side=LiquiditySide.MAKER if msg["m"] else LiquiditySide.TAKER,
                venue_order_id=str(msg["i"]),
                ts_event=ts,
            )
        elif kind == "CANCELED":
            event = ev.canceled(order, venue_order_id=str(msg["i"]), ts_event=ts)
        elif kind == "EXPIRED":
            event = ev.expired(order, venue_order_id=str(msg["i"]), ts_event=ts)
        elif kind == "REJECTED":
            event = ev.rejected(order, msg.get("r", "rejected"), msg.get("r", "REJECTED"))
        else:
            print(f"  unhandled execution type {kind}")
            return
        self.apply(order, event)

    def apply(self, order: Order, event: OrderEvent) -> None:
        try:
            outcome = order.apply(event)
        except InvalidTransition as exc:  # a real bug or a corrupt feed: say so, keep going
            print(f"  REFUSED {exc}")
            return
        note = {
            ApplyOutcome.APPLIED: "",
            ApplyOutcome.DUPLICATE: "  (duplicate or late: nothing changed or double-counted)",
            ApplyOutcome.OVERFILL: f"  (OVERFILL by {order.overfill_qty}!)",
        }[outcome]
        print(
            f"  {type(event).__name__:<18} -> {order.status.name:<16} "
            f"filled {order.filled_qty} / {order.quantity}{note}"
        )


def main() -> None:
    factory = OrderFactory("grid-bot", clock=FakeClock(), id_prefix="grid", epoch=20260101)
    bot = OrderTracker(factory)

    print("1) a post-only bid: acked, partly filled, a trade replayed after a reconnect,")
    print("   then canceled while one more fill was already on its way")
    bid = bot.track(
        factory.limit(
            SYMBOL,
            OrderSide.BUY,
            Quantity("0.50000"),
            Price("65000.00"),
            post_only=True,
            time_in_force=TimeInForce.GTC,
        )
    )
    print(f"  client order id {bid.client_order_id!r} ({len(bid.client_order_id)} chars)")
    bot.submit(bid)
    cid = bid.client_order_id
    trade = {
        "c": cid,
        "x": "TRADE",
        "i": 901,
        "T": 1_767_225_601_000,
        "t": 5001,
        "l": "0.20000",
        "L": "65000.00",
        "n": "0.00002",
        "N": "BTC",
        "m": True,
    }
    for msg in (
        {"c": cid, "x": "NEW", "i": 901, "T": 1_767_225_600_500},
        trade,
        trade,  # the same trade again, as after a websocket reconnect
    ):
        bot.on_message(msg)
    bot.request_cancel(bid)
    bot.on_message({**trade, "t": 5002, "l": "0.10000", "L": "64999.50", "T": 1_767_225_602_000})
    bot.on_message({"c": cid, "x": "CANCELED", "i": 901, "T": 1_767_225_602_100})
    print(
        f"  => {bid.status.name}: filled {bid.filled_qty} at avg {bid.avg_px}, "
        f"leaves {bid.leaves_qty}, fees {', '.join(map(str, bid.commissions.values()))}"
    )

    print("2) a market sell whose fill arrives before its acknowledgement")
    sell = bot.track(factory.market(SYMBOL, OrderSide.SELL, Quantity("0.30000")))
    bot.submit(sell)
    sid = sell.client_order_id
    bot.on_message(
        {
            "c": sid,
            "x": "TRADE",
            "i": 902,
            "T": 1_767_225_603_000,
            "t": 5003,
            "l": "0.30000",
            "L": "64990.10",
            "n": "19.49703",
            "N": "USDT",
            "m": False,
        }
    )
    bot.on_message({"c": sid, "x": "NEW", "i": 902, "T": 1_767_225_602_900})  # the late ack
    print(f"  => {sell.status.name} at {sell.avg_px}, venue order id {sell.venue_order_id}")

    print("3) save and restore every order (e.g. across a restart)")
    saved = {cid: encode_order(order) for cid, order in bot.orders.items()}
    restored = {cid: decode_order(data) for cid, data in saved.items()}
    assert restored == bot.orders
    size = sum(len(b) for b in saved.values())
    print(
        f"  {len(saved)} orders, {size} bytes of msgpack, restored equal: {restored == bot.orders}"
    )


if __name__ == "__main__":
    main()
