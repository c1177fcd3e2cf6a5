"""Speed of the portfolio: fills applied per second and PnL queries per second.

Fills are generated in advance (a seeded random walk of prices, random sides and sizes, so
the stream mixes opens, increases, reductions and flips) and applied in one loop timed with
``time.perf_counter``; the best of several repeats is reported. The ``after_history`` row
applies the same fills to a portfolio that already holds a long history, to show the cost of
a fill does not grow with it.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from decimal import Decimal

from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from lyra.model.instruments import CurrencyPair, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import OrderFilled
from lyra.portfolio import CashAccount, MarginAccount, Portfolio, Position

__all__ = ("run",)

_USDT = Currency.from_str("USDT")
_PERP = PerpetualSwap.simple("BTCUSDT-PERP.BINANCE", price_increment="0.1", size_increment="0.001")
_SPOT = CurrencyPair.simple("BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.00001")


def _fills(instrument_id: InstrumentId, n: int, seed: int, prefix: str, *, spot: bool = False) -> list[OrderFilled]:
    rng = random.Random(seed)
    strategy = StrategyId("BENCH")
    account = AccountId("ACC")
    px = 50_000.0
    net = 0
    out: list[OrderFilled] = []
    for i in range(n):
        px = max(1_000.0, px * (1 + rng.gauss(0, 0.001)))
        lots = rng.randint(1, 20)
        # Spot stays long so a cash account can always pay; perp fills go either way.
        buy = (spot and net < lots) or rng.random() < 0.5
        net += lots if buy else -lots
        last_px = Price(f"{px:.1f}")
        qty = Quantity(Decimal(lots).scaleb(-3))
        out.append(
            OrderFilled(
                strategy_id=strategy,
                instrument_id=instrument_id,
                client_order_id=ClientOrderId(f"O{i}"),
                event_id=f"E{i}",
                ts_event=i,
                ts_init=i,
                venue_order_id=VenueOrderId(f"V{i}"),
                account_id=account,
                trade_id=TradeId(f"{prefix}{i}"),
                order_side=OrderSide.BUY if buy else OrderSide.SELL,
                order_type=OrderType.MARKET,
                last_qty=qty,
                last_px=last_px,
                currency=_USDT,
                commission=Money(Decimal(lots).scaleb(-2), _USDT),
                liquidity_side=LiquiditySide.TAKER,
            )
        )
    return out


def _best(repeat: int, setup: Callable[[], Callable[[], int]]) -> float:
    """Best operations per second over ``repeat`` runs; ``setup`` returns the timed call."""
    best = 0.0
    for _ in range(repeat):
        body = setup()
        gc.collect()  # start each run from the same heap state
        t0 = time.perf_counter()
        ops = body()
        dt = time.perf_counter() - t0
        best = max(best, ops / dt)
    return best


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    """Measure every figure; ``quick`` uses tiny sizes (a smoke test, well under 2 s)."""
    n, repeat, queries = (2_000, 2, 2_000) if quick else (20_000, 3, 50_000)
    history = 2_000 if quick else 30_000
    perp_fills = _fills(_PERP.id, n, 1, "T")
    spot_fills = _fills(_SPOT.id, n, 2, "S", spot=True)
    old_fills = _fills(_PERP.id, history, 3, "H")
    rows: list[tuple[str, float, str]] = []

    def positions_only() -> Callable[[], int]:
        pf = Portfolio(instruments=[_PERP])
        apply = pf.apply_fill

        def body() -> int:
            for f in perp_fills:
                apply(f)
            return len(perp_fills)

        return body

    rows.append(("portfolio.apply_fill.netting_mixed", _best(repeat, positions_only), "fills/s"))

    def with_margin() -> Callable[[], int]:
        pf = Portfolio(instruments=[_PERP])
        pf.add_account(MarginAccount("ACC", [Money(10**9, _USDT)], default_leverage=10))
        apply = pf.apply_fill

        def body() -> int:
            for f in perp_fills:
                apply(f)
            return len(perp_fills)

        return body

    rows.append(
        ("portfolio.apply_fill.netting_mixed.margin_acct", _best(repeat, with_margin), "fills/s")
    )

    def spot_cash() -> Callable[[], int]:
        pf = Portfolio(instruments=[_SPOT])
        pf.add_account(CashAccount("ACC", [Money(10**9, _USDT)]))
        apply = pf.apply_fill

        def body() -> int:
            for f in spot_fills:
                apply(f)
            return len(spot_fills)

        return body

    rows.append(("portfolio.apply_fill.spot.cash_acct", _best(repeat, spot_cash), "fills/s"))

    def after_history() -> Callable[[], int]:
        pf = Portfolio(instruments=[_PERP])
        for f in old_fills:
            pf.apply_fill(f)
        apply = pf.apply_fill

        def body() -> int:
            for f in perp_fills:
                apply(f)
            return len(perp_fills)

        return body

    rows.append(
        (
            f"portfolio.apply_fill.netting_mixed.after_{history // 1000}k",
            _best(2, after_history),
            "fills/s",
        )
    )

    def position_only() -> Callable[[], int]:
        pos = Position(_PERP, "P", "BENCH", track_trade_ids=False)
        apply = pos.apply

        def body() -> int:
            for f in perp_fills:
                apply(f)
            return len(perp_fills)

        return body

    rows.append(("position.apply.netting_mixed", _best(repeat, position_only), "fills/s"))

    # Queries on a portfolio that holds a position and a long history.
    pf = Portfolio(instruments=[_PERP])
    for f in old_fills:
        pf.apply_fill(f)
    if pf.is_flat(_PERP.id):
        pf.apply_fill(_fills(_PERP.id, 1, 9, "X")[0])
    mark = Price("50123.4")
    pf.update_mark(_PERP.id, mark)
    iid = _PERP.id
    (pos,) = pf.positions(open_only=True)

    def query(call: Callable[[], object]) -> Callable[[], Callable[[], int]]:
        def setup() -> Callable[[], int]:
            def body() -> int:
                for _ in range(queries):
                    call()
                return queries

            return body

        return setup

    rows.append(
        (
            "portfolio.unrealized_pnl.instrument",
            _best(repeat, query(lambda: pf.unrealized_pnl(iid))),
            "queries/s",
        )
    )
    rows.append(
        (
            "portfolio.unrealized_pnl.all",
            _best(repeat, query(lambda: pf.unrealized_pnl())),
            "queries/s",
        )
    )
    rows.append(
        (
            "position.unrealized_pnl",
            _best(repeat, query(lambda: pos.unrealized_pnl(mark))),
            "queries/s",
        )
    )
    rows.append(
        (
            "portfolio.realized_pnl.instrument",
            _best(repeat, query(lambda: pf.realized_pnl(iid))),
            "queries/s",
        )
    )
    rows.append(
        (
            "portfolio.update_mark",
            _best(repeat, query(lambda: pf.update_mark(iid, mark))),
            "updates/s",
        )
    )
    return rows


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:<48} {value:>14,.0f} {unit}")
