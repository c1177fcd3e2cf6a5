"""Track balances, positions and PnL from fills, exactly.

A spot cash account buys BTC (fee in USDT, then in BTC), and a margin account trades a
USDT-margined perpetual: opens long, adds, flips short, and is marked to market. Fills would
normally come from a venue or the simulated exchange; here they are written out by hand.

Run: python examples/portfolio_pnl.py
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from lyra.bus import EventBus
from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from lyra.model.instruments import CurrencyPair, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders import OrderFilled
from lyra.portfolio import CashAccount, MarginAccount, Portfolio, PositionEvent

USDT = Currency.from_str("USDT")
BTC = Currency.from_str("BTC")
SPOT = CurrencyPair.simple(
    "BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.00001", taker_fee="0.001"
)
PERP = PerpetualSwap.simple(
    "BTCUSDT-PERP.BINANCEFUT", price_increment="0.1", size_increment="0.001", taker_fee="0.0004"
)
_seq = itertools.count(1)


def filled(
    instrument_id: InstrumentId, side: OrderSide, qty: str, px: str, fee: Money
) -> OrderFilled:
    """An OrderFilled as a venue adapter would report it."""
    n = next(_seq)
    return OrderFilled(
        strategy_id=StrategyId("DEMO"),
        instrument_id=instrument_id,
        client_order_id=ClientOrderId(f"O-{n}"),
        event_id=f"E-{n}",
        ts_event=n * 1_000_000_000,
        ts_init=n * 1_000_000_000,
        venue_order_id=VenueOrderId(f"V-{n}"),
        trade_id=TradeId(f"T-{n}"),
        order_side=side,
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=USDT,
        commission=fee,
        liquidity_side=LiquiditySide.TAKER,
    )


def show(events: tuple[PositionEvent, ...]) -> None:
    for e in events:
        print(
            f"  {type(e).__name__:<16} {e.position_id:<28} qty={e.signed_qty!s:>8} "
            f"avg_open={e.avg_px_open!s:<10} realized={e.realized_pnl}"
        )


def main() -> None:
    bus = EventBus()
    published: list[object] = []
    bus.subscribe("events.position.*", published.append)

    spot_account = CashAccount("BINANCE-SPOT", [Money("100000", USDT)])
    futures = MarginAccount("BINANCE-FUT", [Money("20000", USDT)], default_leverage=Decimal(5))
    portfolio = Portfolio(instruments=[SPOT, PERP], bus=bus)
    portfolio.add_account(spot_account, venue="BINANCE")
    portfolio.add_account(futures, venue="BINANCEFUT")

    print("Spot: buy 0.5 BTC at 64,000 (0.1% fee in USDT), then 0.5 BTC (fee in BTC)")
    show(portfolio.apply_fill(filled(SPOT.id, OrderSide.BUY, "0.5", "64000", Money("32", USDT))))
    show(portfolio.apply_fill(filled(SPOT.id, OrderSide.BUY, "0.5", "64000", Money("0.0005", BTC))))
    for ccy, bal in spot_account.balances().items():
        print(f"  {ccy.code:<5} total={bal.total}  free={bal.free}")

    print("\nPerp (leverage 5): long 1 @ 100, add 1 @ 104, sell 3 @ 110 (flip), mark 107")
    show(portfolio.apply_fill(filled(PERP.id, OrderSide.BUY, "1", "100", Money("0.04", USDT))))
    show(portfolio.apply_fill(filled(PERP.id, OrderSide.BUY, "1", "104", Money("0.0416", USDT))))
    show(portfolio.apply_fill(filled(PERP.id, OrderSide.SELL, "3", "110", Money("0.132", USDT))))
    portfolio.update_mark(PERP.id, Price("107"))

    print("\nQueries")
    print(f"  net position      {portfolio.net_position(PERP.id)}")
    print(f"  realized PnL      {portfolio.realized_pnl(PERP.id)}")
    print(f"  unrealized PnL    {portfolio.unrealized_pnl(PERP.id)}")
    print(f"  net exposure      {portfolio.net_exposure(PERP.id)}")
    print(f"  maint. margin     {futures.margin_maint(PERP.id)}")
    print(f"  futures equity    {portfolio.equity('BINANCE-FUT', USDT)}")
    print(f"  free USDT (fut)   {futures.free_balance(USDT)}")
    print(f"  commissions       {portfolio.commissions()}")
    print(f"  events published  {len(published)}")

    # A venue that reports the same execution twice: the replay changes nothing.
    cover = filled(PERP.id, OrderSide.BUY, "1", "107", Money("0.0428", USDT))
    show(portfolio.apply_fill(cover))
    assert portfolio.apply_fill(cover) == ()
    print(f"  after a replayed trade id, net position is still {portfolio.net_position(PERP.id)}")


if __name__ == "__main__":
    main()
