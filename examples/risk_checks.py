"""Pre-trade risk checks: one check alone, then the whole pipeline.

Run it: ``python examples/risk_checks.py``. It builds a spot instrument, a cash account and a
position book (two small classes: anything with the right methods will do), then sends
orders through :class:`lyra.risk.RiskEngine` and prints each decision with its code.
"""

from __future__ import annotations

from decimal import Decimal

from lyra.clock import TestClock
from lyra.model.currency import Currency
from lyra.model.enums import AccountType, OrderSide, TriggerType
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import Order, OrderFactory
from lyra.risk import (
    Denial,
    MaxOrderSize,
    RateLimit,
    RiskConfig,
    RiskEngine,
    TradingState,
    check_quantity,
)

SECOND = 1_000_000_000
BUY, SELL = OrderSide.BUY, OrderSide.SELL


class Wallet:
    """A cash account: free balances by currency (an AccountView)."""

    account_type = AccountType.CASH

    def __init__(self, **free: str) -> None:
        self.free = {Currency.from_str(code): Money(amount, code) for code, amount in free.items()}

    def free_balance(self, currency: Currency) -> Money | None:
        return self.free.get(currency)

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        return Decimal(1)


class Book:
    """Net positions by instrument (a PositionView)."""

    def __init__(self) -> None:
        self.net: dict[str, Decimal] = {}

    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        return self.net.get(str(instrument_id), Decimal(0))


def show(label: str, denial: Denial | None) -> None:
    verdict = "allowed" if denial is None else f"DENIED {denial.code.value}: {denial.message}"
    print(f"{label:<44} {verdict}")


def main() -> None:
    clock = TestClock(1_700_000_000 * SECOND)
    pair = CurrencyPair.simple(
        "BTCUSDT.BINANCE",
        price_increment="0.01",
        size_increment="0.00001",
        min_quantity="0.0001",
        min_notional="10 USDT",
        taker_fee="0.001",
    )
    orders = OrderFactory("demo", clock=clock, epoch=1)

    print("-- one check alone")
    show(
        "BUY 0.00001 @ 65000.00",
        check_quantity(orders.limit(pair.id, BUY, Quantity("0.00001"), Price("65000.00")), pair),
    )

    print("-- the pipeline")
    book = Book()
    engine = RiskEngine(
        clock,
        instruments=[pair],
        config=RiskConfig(
            submit_rate=RateLimit(5, SECOND),
            max_order_size=MaxOrderSize(quantity=Quantity("2")),
        ),
        account=Wallet(USDT="40000", BTC="0.2"),
        positions=book,
    )

    def submit(label: str, order: Order, **kw: Price) -> None:
        show(label, engine.check_submit(order, **kw))

    submit("BUY 0.5 @ 65000.00", orders.limit(pair.id, BUY, Quantity("0.5"), Price("65000.00")))
    submit("BUY 0.5 @ 65000.005", orders.limit(pair.id, BUY, Quantity("0.5"), Price("65000.005")))
    submit(
        "BUY 0.0001 @ 50000.00", orders.limit(pair.id, BUY, Quantity("0.0001"), Price("50000.00"))
    )
    submit("BUY 3 @ 100.00", orders.limit(pair.id, BUY, Quantity("3"), Price("100.00")))
    submit("BUY 0.7 @ 65000.00", orders.limit(pair.id, BUY, Quantity("0.7"), Price("65000.00")))
    submit("SELL 0.5 @ 66000.00", orders.limit(pair.id, SELL, Quantity("0.5"), Price("66000.00")))
    submit("MARKET BUY 0.1 (no price known)", orders.market(pair.id, BUY, Quantity("0.1")))
    submit(
        "MARKET BUY 0.1 (last_price 65000)",
        orders.market(pair.id, BUY, Quantity("0.1")),
        last_price=Price("65000.00"),
    )

    print("-- reduce-only and trading state (long 0.2 BTC)")
    book.net["BTCUSDT.BINANCE"] = Decimal("0.2")
    clock.set_time(clock.timestamp_ns() + SECOND)  # a fresh rate-limit window
    submit(
        "reduce-only SELL 0.3",
        orders.limit(pair.id, SELL, Quantity("0.3"), Price("66000.00"), reduce_only=True),
    )
    engine.set_trading_state(TradingState.REDUCING)
    submit("REDUCING: BUY 0.1", orders.limit(pair.id, BUY, Quantity("0.1"), Price("65000.00")))
    submit("REDUCING: SELL 0.2", orders.limit(pair.id, SELL, Quantity("0.2"), Price("66000.00")))
    engine.set_trading_state(TradingState.HALTED, pair.id)
    submit("HALTED: SELL 0.2", orders.limit(pair.id, SELL, Quantity("0.2"), Price("66000.00")))
    engine.set_trading_state(TradingState.ACTIVE, pair.id)
    engine.set_trading_state(TradingState.ACTIVE)

    print("-- rate limit: 5 submits per second, denied not queued")
    clock.set_time(clock.timestamp_ns() + SECOND)
    for i in range(6):
        submit(f"submit #{i + 1}", orders.limit(pair.id, BUY, Quantity("0.01"), Price("65000.00")))

    print("-- an emulated stop: checked at submit and again at release")
    clock.set_time(clock.timestamp_ns() + SECOND)
    stop = orders.stop_market(
        pair.id, BUY, Quantity("0.5"), Price("66000.00"), emulation_trigger=TriggerType.LAST_PRICE
    )
    submit("submit emulated BUY stop 0.5 @ 66000", stop)
    stop.apply(orders.events.emulated(stop))
    stop.apply(orders.events.released(stop))
    event = engine.process_release(stop, released_price=Price("80000.00"), apply=True)
    assert event is not None
    print(f"{'release after a gap to 80000':<44} {event.code}: {event.reason}")
    print(f"{'order status':<44} {stop.status.name}")


if __name__ == "__main__":
    main()
