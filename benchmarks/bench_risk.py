"""Speed of the pre-trade risk checks (lyra.risk).

Figures are checks per second of one call, best of several repeats, timed with
``time.perf_counter``:

* ``risk.submit.limit_pass`` -- the full :class:`~lyra.risk.RiskEngine` pipeline on a LIMIT
  order that passes every check: trading state, prices, quantity with instrument bounds,
  min/max notional, a configured max order size, cash balance with the taker fee, and the
  submit rate limit (counted: the clock moves 10 ms per reading so the window never fills).
* ``risk.submit.market_pass`` -- the same for a MARKET order valued at the ask of a
  :class:`~lyra.risk.LatestPrices` price source.
* ``risk.submit.denied_qty_below_min`` -- denied early (the quantity check), message built.
* ``risk.submit.denied_insufficient_balance`` -- denied late (the balance check), message
  built.
* ``risk.check_price.standalone`` -- one check used alone (``check_price``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from decimal import Decimal

from lyra.clock import TestClock
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick
from lyra.model.enums import AccountType, OrderSide
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFactory
from lyra.risk import (
    LatestPrices,
    MaxOrderSize,
    RateLimit,
    RiskConfig,
    RiskEngine,
    check_price,
)

__all__ = ("run",)

_T0 = 1_700_000_000_000_000_000


class _SteppingClock:
    """Each reading is 10 ms after the last: a rate limit of 100/s never fills."""

    def __init__(self) -> None:
        self.timestamp_ns = itertools.count(_T0, 10_000_001).__next__


class _Account:
    account_type = AccountType.CASH

    def __init__(self, usdt: str) -> None:
        self._free = {Currency.from_str("USDT"): Money(usdt, "USDT")}

    def free_balance(self, currency: Currency) -> Money | None:
        return self._free.get(currency)

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        return Decimal(1)


class _Positions:
    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        return Decimal(0)


def _time(fn: Callable[[], object], n: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure the figures (``quick``: tiny iteration counts, for a smoke run)."""
    n = 2_000 if quick else 50_000
    repeats = 2 if quick else 5
    iid = "BTCUSDT.BINANCE"
    pair = CurrencyPair.simple(
        iid,
        price_increment="0.01",
        size_increment="0.00001",
        taker_fee="0.001",
        min_quantity="0.0001",
        max_quantity="1000",
        min_notional="10 USDT",
        max_notional="10000000 USDT",
        min_price="0.01",
        max_price="10000000",
    )
    prices = LatestPrices()
    prices.on_quote(
        QuoteTick(
            InstrumentId(iid),
            Price("64999.99"),
            Price("65000.00"),
            Quantity("1"),
            Quantity("1"),
            _T0,
            _T0,
        )
    )
    clock = _SteppingClock()
    config = RiskConfig(
        submit_rate=RateLimit(100, 1_000_000_000),
        max_order_size=MaxOrderSize(Quantity("10"), Money("1000000", "USDT")),
    )
    engine = RiskEngine(
        clock,  # type: ignore[arg-type]
        instruments=[pair],
        config=config,
        account=_Account("1000000"),
        positions=_Positions(),
        prices=prices,
    )
    poor = RiskEngine(
        clock,  # type: ignore[arg-type]
        instruments=[pair],
        config=config,
        account=_Account("100"),
        positions=_Positions(),
    )
    f = OrderFactory("S-1", clock=TestClock(_T0), epoch=1)
    good = f.limit(iid, OrderSide.BUY, Quantity("0.5"), Price("65000.00"))
    market = f.market(iid, OrderSide.BUY, Quantity("0.5"))
    tiny = f.limit(iid, OrderSide.BUY, Quantity("0.00001"), Price("65000.00"))
    assert engine.check_submit(good) is None
    assert engine.check_submit(market) is None
    assert engine.check_submit(tiny) is not None
    assert poor.check_submit(good) is not None

    submit = engine.check_submit
    rows = [
        ("risk.submit.limit_pass", _time(lambda: submit(good), n, repeats), "checks/s"),
        ("risk.submit.market_pass", _time(lambda: submit(market), n, repeats), "checks/s"),
        (
            "risk.submit.denied_qty_below_min",
            _time(lambda: submit(tiny), n, repeats),
            "checks/s",
        ),
        (
            "risk.submit.denied_insufficient_balance",
            _time(lambda: poor.check_submit(good), n, repeats),
            "checks/s",
        ),
        (
            "risk.check_price.standalone",
            _time(lambda: check_price(good, pair), n, repeats),
            "checks/s",
        ),
    ]
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
