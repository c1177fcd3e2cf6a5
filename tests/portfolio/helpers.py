"""Shared builders for the portfolio tests: instruments and fills written in one line."""

from __future__ import annotations

import itertools
from decimal import Decimal

from lyra.model.currency import Currency
from lyra.model.enums import LiquiditySide, OrderSide, OrderType
from lyra.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from lyra.model.instruments import CurrencyPair, Equity, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import OrderFilled

USDT = Currency.from_str("USDT")
USD = Currency.from_str("USD")
BTC = Currency.from_str("BTC")
BNB = Currency.from_str("BNB")

BTCUSDT = CurrencyPair.simple(
    "BTCUSDT.BINANCE", price_increment="0.01", size_increment="0.00001", taker_fee="0.001"
)
"""Spot BTC/USDT, 0.1% taker fee."""

PERP = PerpetualSwap.simple(
    "BTCUSDT-PERP.BINANCE", price_increment="0.1", size_increment="0.001"
)
"""Linear swap settled in USDT: 10% initial, 5% maintenance margin."""

XBTUSD = PerpetualSwap.simple(
    "BTCUSD-PERP.BITMEX",
    base="BTC",
    quote="USD",
    inverse=True,
    price_increment="0.5",
    size_increment="1",
    multiplier="1",
)
"""Inverse swap: 1 contract = 1 USD, PnL in BTC."""

AAPL = Equity.simple("AAPL.XNAS")

_ids = itertools.count(1)


def fill(
    instrument_id: InstrumentId | str,
    side: str,
    qty: str,
    px: str,
    *,
    trade_id: str | None = None,
    commission: str = "0 USDT",
    strategy: str = "S-1",
    order_id: str | None = None,
    account_id: str | None = None,
    position_id: str | None = None,
    ts: int = 0,
    currency: Currency = USDT,
) -> OrderFilled:
    """A fill of ``qty`` at ``px``; ``side`` is "BUY" or "SELL"; commission "32 USDT"."""
    n = next(_ids)
    return OrderFilled(
        strategy_id=StrategyId(strategy),
        instrument_id=InstrumentId(instrument_id),
        client_order_id=ClientOrderId(order_id or f"O-{n}"),
        event_id=f"E-{n}",
        ts_event=ts,
        ts_init=ts,
        venue_order_id=VenueOrderId(f"V-{n}"),
        account_id=None if account_id is None else AccountId(account_id),
        trade_id=TradeId(trade_id or f"T-{n}"),
        order_side=OrderSide[side],
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=currency,
        commission=Money.from_str(commission),
        liquidity_side=LiquiditySide.TAKER,
        position_id=None if position_id is None else PositionId(position_id),
    )


def D(text: str) -> Decimal:
    """Decimal shorthand."""
    return Decimal(text)
