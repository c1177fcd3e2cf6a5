"""Emulated stops: protect a position with orders the venue cannot take.

The venue here ("BASIC") takes only MARKET and LIMIT orders, as many spot venues do. An
:class:`lyra.emulator.OrderEmulator` in front of it holds a stop-loss (emulated
automatically: the venue lacks STOP_MARKET), a trailing stop (1 % = 100 basis points) and a
buy-the-dip market-if-touched order (which asks to be emulated). Quotes move the market on the
bus; when a trigger is reached the emulator releases a MARKET order to the venue under the same
client order id, after a second risk check. The strategy just watches its order events.

Run: ``python examples/emulated_stop.py``
"""

from __future__ import annotations

from decimal import Decimal

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import TestClock
from lyra.emulator import EmulatorState, OrderEmulator
from lyra.model import codec
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import LiquiditySide, OrderSide, OrderType, TrailingOffsetType, TriggerType
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderEvent, OrderFactory, OrderReleased, OrderUpdated
from lyra.risk import RiskEngine
from lyra.venue import ConnectionStatus, OrderFlow, VenueCapabilities

BTC = CurrencyPair.simple("BTCUSDT.BASIC", price_increment="0.01", size_increment="0.00001")
USDT = Currency.from_str("USDT")
SECOND = 1_000_000_000


class BasicVenue:
    """A venue of MARKET and LIMIT orders only, answering at once (enough for the example:
    market orders fill at the touch, nothing rests)."""

    def __init__(self, bus: EventBus, clock: TestClock) -> None:
        self.flow = OrderFlow(
            "BASIC",
            "BASIC-1",
            bus,
            clock,
            capabilities=VenueCapabilities(),
            status=ConnectionStatus.CONNECTED,
        )
        self.venue = self.flow.venue
        self.capabilities = self.flow.capabilities
        self.touch = (Price("0"), Price("0"))
        self.trades = 0

    def on_quote(self, tick: QuoteTick) -> None:
        self.touch = (tick.bid_price, tick.ask_price)

    def submit_order(self, order: Order) -> None:
        if not self.flow.begin_submit(order):
            return
        ev = self.flow.events
        self.trades += 1
        self.flow.emit(ev.accepted(order, f"B-{self.trades}", account_id="BASIC-1"))
        bid, ask = self.touch
        self.flow.emit(
            ev.filled(
                order,
                trade_id=f"BT-{self.trades}",
                last_qty=order.quantity,
                last_px=ask if order.is_buy else bid,
                commission=Money.zero(USDT),
                liquidity_side=LiquiditySide.TAKER,
            )
        )

    # the data calls the emulator makes; the quotes come from the replay below
    def subscribe_quotes(self, instrument_id: object) -> None: ...
    def unsubscribe_quotes(self, instrument_id: object) -> None: ...
    def subscribe_trades(self, instrument_id: object) -> None: ...
    def unsubscribe_trades(self, instrument_id: object) -> None: ...


def main() -> None:
    clock = TestClock(1_767_225_600 * SECOND)
    bus = EventBus()
    venue = BasicVenue(bus, clock)
    bus.subscribe(topics.quotes(BTC.id), venue.on_quote, priority=10)  # the venue's own book
    risk = RiskEngine(clock, instruments=[BTC])
    emulator = OrderEmulator(venue, bus, clock, instruments=[BTC], risk=risk)  # type: ignore[arg-type]
    orders = OrderFactory("dip-1", clock=clock, epoch=1)
    names: dict[str, str] = {}

    def on_event(event: OrderEvent) -> None:
        label = names.get(event.client_order_id, event.client_order_id)
        extra = ""
        if isinstance(event, OrderUpdated):
            extra = f" trigger -> {event.trigger_price}"
        elif isinstance(event, OrderReleased):
            extra = f" at {event.released_price}"
        elif type(event).__name__ == "OrderFilled":
            extra = f" {event.last_qty} @ {event.last_px}"  # type: ignore[attr-defined]
        t = (event.ts_event - 1_767_225_600 * SECOND) // SECOND
        print(f"  t={t:>2}s  {label:<14} {type(event).__name__}{extra}")

    bus.subscribe(topics.order_events("dip-1"), on_event)

    def quote(bid: str, ask: str) -> None:
        clock.advance_to(clock.timestamp_ns() + SECOND)
        now = clock.timestamp_ns()
        size = Quantity("1.00000")
        bus.publish(
            topics.quotes(BTC.id), QuoteTick(BTC.id, Price(bid), Price(ask), size, size, now, now)
        )

    quote("65000.00", "65000.50")
    qty = Quantity("0.01000")
    stop = orders.stop_market(BTC.id, OrderSide.SELL, qty, Price("64500.00"))
    trail = orders.trailing_stop_market(
        BTC.id,
        OrderSide.SELL,
        qty,
        trailing_offset=Decimal(100),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
    )
    dip = orders.market_if_touched(
        BTC.id, OrderSide.BUY, qty, Price("63000.00"), emulation_trigger=TriggerType.BID_ASK
    )
    for label, order in (("stop-loss", stop), ("trailing 1%", trail), ("buy the dip", dip)):
        names[order.client_order_id] = label
        print(
            f"{label}: venue takes it natively? {venue.capabilities.supports(order) is None}; "
            f"emulated: {emulator.needs_emulation(order)}"
        )
    print("events:")
    for order in (stop, trail, dip):
        emulator.submit_order(order)

    # a snapshot survives a restart (here: encoded and decoded, held orders counted)
    state = codec.decode_msgpack(codec.encode_msgpack(emulator.snapshot()), type=EmulatorState)

    for bid, ask in (
        ("65400.00", "65400.50"),
        ("66000.00", "66000.50"),  # the trailing stop ratchets up
        ("65500.00", "65500.50"),  # ... and not down
        ("65300.00", "65300.50"),  # through 65340.00: the trailing stop fires
        ("64400.00", "64400.50"),  # through 64500.00: the stop-loss fires
        ("62990.00", "62999.50"),  # the ask touches 63000.00: the dip buy fires
    ):
        quote(bid, ask)

    print("result:")
    for order in (stop, trail, dip):
        kind = OrderType(order.order_type).name
        print(
            f"  {names[order.client_order_id]:<12} {kind:<21} {order.status.name:<7} "
            f"avg {order.avg_px}  (sent to the venue as "
            f"{emulator.venue_order(order).order_type.name})"  # type: ignore[union-attr]
        )
    print(f"snapshot before the moves held {len(state.held)} orders; venue trades: {venue.trades}")
    assert all(o.status.name == "FILLED" for o in (stop, trail, dip))


if __name__ == "__main__":
    main()
