"""AT_THE_OPEN / AT_THE_CLOSE on the simulated exchange: orders are collected for the
session's opening / closing call auction and uncrossed there at the volume-maximising
price; leftovers are canceled; an instrument without auctions rejects them."""

from __future__ import annotations

from decimal import Decimal

from lyra.model.enums import AccountType, OrderSide, OrderStatus, TimeInForce
from lyra.model.instruments import Equity
from lyra.model.session import TradingSession
from lyra.model.values import Money
from lyra.orders import Order, OrderFactory, OrderRejected
from lyra.sim import SimulatedExchange
from lyra.venue.codes import RejectCode

from .helpers import BTCUSDT, T0, USD, USDT, Recorder, factory, make_exchange, px, qty

NYSE = TradingSession.nyse()
AAPL = Equity.simple("AAPL.SIM", session=NYSE)
OPEN = NYSE.next_open(T0)  # 2026-01-01 09:30 New York
CLOSE = NYSE.next_close(OPEN)  # 16:00 New York
BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = OrderStatus


def _exchange() -> tuple[SimulatedExchange, Recorder]:
    ex, bus = make_exchange(
        instruments=(AAPL, BTCUSDT),
        balances=(Money("10000000", USD), Money("10000000", USDT)),
        account_type=AccountType.MARGIN,
    )
    ex.advance_time(T0)
    return ex, Recorder(bus)


def _lim(f: OrderFactory, side: OrderSide, size: str, price: str, tif: TimeInForce) -> Order:
    return f.limit(AAPL.id, side, qty(size), px(price), time_in_force=tif)


def _filled(rec: Recorder, order: Order) -> tuple[Decimal, set[Decimal]]:
    fills = rec.fills(order)
    return (
        sum((f.last_qty.as_decimal() for f in fills), Decimal(0)),
        {f.last_px.as_decimal() for f in fills},
    )


def test_capabilities_advertise_auctions_only_with_an_auction_session() -> None:
    ex, _ = _exchange()
    assert TimeInForce.AT_THE_OPEN in ex.capabilities.time_in_force
    plain, _bus = make_exchange()
    assert TimeInForce.AT_THE_OPEN not in plain.capabilities.time_in_force


def test_opening_auction_uncrosses_at_the_volume_maximising_price() -> None:
    ex, rec = _exchange()
    f = factory()
    at = TimeInForce.AT_THE_OPEN
    # price p :  99.00  100.00  101.00  102.00
    # D(p)    :     60      60      40      25   buys: 25 @102, 15 @101, 20 @100
    # S(p)    :     10      30      45      45   sells: 10 @99, 20 @100, 15 @101
    # V(p)    :     10      30      40      25   -> clears at 101.00, volume 40
    buys = [_lim(f, BUY, "25", "102", at), _lim(f, BUY, "15", "101", at)]
    buys.append(_lim(f, BUY, "20", "100", at))
    sells = [_lim(f, SELL, "10", "99", at), _lim(f, SELL, "20", "100", at)]
    sells.append(_lim(f, SELL, "15", "101", at))
    for o in (*buys, *sells):
        ex.submit_order(o)
    ex.settle()
    assert all(o.status is S.ACCEPTED for o in (*buys, *sells))
    ex.advance_time(OPEN - 1)
    assert not any(rec.fills(o) for o in (*buys, *sells))
    ex.advance_time(OPEN)
    got = [_filled(rec, o) for o in (*buys, *sells)]
    p = {Decimal("101.00")}
    # Buys: 25 and 15 fill (40 eligible at 101); the 100 bid is not eligible.
    # Sells (45 eligible, the long side): 99 and 100 fill first, then 10 of the 15 at 101.
    assert got == [
        (Decimal(25), p),
        (Decimal(15), p),
        (Decimal(0), set()),
        (Decimal(10), p),
        (Decimal(20), p),
        (Decimal(10), p),
    ]
    assert all(f.ts_event == OPEN for o in (*buys, *sells) for f in rec.fills(o))
    # Leftovers do not carry over into continuous trading.
    assert buys[2].status is S.CANCELED
    assert sells[2].status is S.CANCELED
    assert buys[0].status is S.FILLED and sells[0].status is S.FILLED


def test_closing_auction_at_the_session_close() -> None:
    ex, rec = _exchange()
    f = factory()
    at = TimeInForce.AT_THE_CLOSE
    buy = f.market(AAPL.id, BUY, qty("30"), time_in_force=at)
    sell = _lim(f, SELL, "50", "150", at)
    ex.submit_order(buy)
    ex.submit_order(sell)
    ex.advance_time(OPEN)
    assert not rec.fills(buy)  # the opening auction leaves closing orders alone
    ex.advance_time(CLOSE)
    # A market buy (30) against one sell at 150 (50): V = 30 at every p >= 150, the
    # imbalance (20) too; the reference (mid of the limits, only 150) gives 150.
    assert _filled(rec, buy) == (Decimal(30), {Decimal("150.00")})
    assert _filled(rec, sell) == (Decimal(30), {Decimal("150.00")})
    assert buy.status is S.FILLED
    assert sell.status is S.CANCELED


def test_auction_orders_are_rejected_on_an_instrument_without_auctions() -> None:
    ex, rec = _exchange()
    order = factory().limit(
        BTCUSDT.id, BUY, qty("1"), px("100"), time_in_force=TimeInForce.AT_THE_OPEN
    )
    ex.submit_order(order)
    ex.settle()
    assert order.status is S.REJECTED
    rejected = rec.of(order)[-1]
    assert isinstance(rejected, OrderRejected)
    assert rejected.code == RejectCode.NOT_SUPPORTED
    assert "no opening auction" in rejected.reason


def test_an_order_after_the_open_waits_for_the_next_day_and_can_be_canceled() -> None:
    ex, rec = _exchange()
    f = factory()
    at = TimeInForce.AT_THE_OPEN
    ex.advance_time(OPEN + 3_600 * 10**9)  # continuous trading: too late for today
    buy = _lim(f, BUY, "5", "100", at)
    sell = _lim(f, SELL, "5", "100", at)
    withdrawn = _lim(f, SELL, "5", "90", at)
    for o in (buy, sell, withdrawn):
        ex.submit_order(o)
    ex.settle()
    ex.cancel_order(withdrawn)
    ex.settle()
    assert withdrawn.status is S.CANCELED
    next_open = NYSE.next_open(OPEN)
    ex.advance_time(next_open - 1)
    assert buy.status is S.ACCEPTED
    ex.advance_time(next_open)
    assert _filled(rec, buy) == (Decimal(5), {Decimal("100.00")})
    assert not rec.fills(withdrawn)
