"""Property tests: random fill sequences against a plain cash-flow reference in Fractions."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from lyra.model.values import Money, Price
from lyra.portfolio import CashAccount, InsufficientBalance, Portfolio

from .helpers import BTC, BTCUSDT, PERP, USDT, fill

# (is_buy, quantity in lots of 0.001, price in ticks of 0.1, fee in cents)
_FILL = st.tuples(
    st.booleans(),
    st.integers(1, 5_000),
    st.integers(1, 1_000_000),
    st.integers(0, 500),
)


def _text(units: int, decimals: int) -> str:
    return str(Decimal(units).scaleb(-decimals))


@settings(max_examples=200, deadline=None)
@given(st.lists(_FILL, min_size=1, max_size=40))
def test_netting_matches_cash_flow_reference(fills: list[tuple[bool, int, int, int]]) -> None:
    pf = Portfolio(instruments=[PERP])
    net = Fraction(0)
    cash = Fraction(0)  # what the trades paid and received, fees included
    last_px = Fraction(0)
    for is_buy, lots, ticks, cents in fills:
        qty, px, fee = Fraction(lots, 1000), Fraction(ticks, 10), Fraction(cents, 100)
        pf.apply_fill(
            fill(
                PERP.id,
                "BUY" if is_buy else "SELL",
                _text(lots, 3),
                _text(ticks, 1),
                commission=f"{_text(cents, 2)} USDT",
            )
        )
        signed = qty if is_buy else -qty
        net += signed
        cash += -signed * px - fee
        last_px = px
        assert Fraction(pf.net_position(PERP.id)) == net
    (pos,) = pf.positions()
    mark = Price(str(Decimal(last_px.numerator) / last_px.denominator))
    total = Fraction(pos.total_realized_pnl_exact) + Fraction(pos.unrealized_pnl_exact(mark))
    # realized + unrealized at the last price == closing everything there, exactly
    assert total == cash + net * last_px
    assert Fraction(pos.signed_qty) == net
    # the portfolio's Money figures agree with the exact ones to the last 1e-9
    realized = pf.realized_pnl(PERP.id)
    assert realized is not None
    assert abs(Fraction(realized.as_decimal()) - Fraction(pos.total_realized_pnl_exact)) <= (
        Fraction(1, 2 * 10**9)
    )
    if pos.is_open:
        assert pos.avg_px_open is not None and pos.avg_px_open > 0


# (is_buy, quantity in units of 0.00001 BTC, price in cents, fee in 0.0001 USDT)
_SPOT_FILL = st.tuples(
    st.booleans(),
    st.integers(1, 200_000),
    st.integers(1, 10_000_000),
    st.integers(0, 100_000),
)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 200_000),
    st.integers(0, 100_000),
    st.lists(_SPOT_FILL, min_size=1, max_size=40),
)
def test_cash_account_never_goes_negative(
    usdt0: int, btc0: int, fills: list[tuple[bool, int, int, int]]
) -> None:
    acct = CashAccount("C", [Money(usdt0, USDT), Money(_text(btc0, 5), BTC)])
    pf = Portfolio(instruments=[BTCUSDT])
    pf.add_account(acct, venue="BINANCE")
    usdt, btc = Fraction(usdt0), Fraction(btc0, 10**5)
    net, flow, last_px = Fraction(0), Fraction(0), None
    for is_buy, units, cents, fee_units in fills:
        qty, px, fee = Fraction(units, 10**5), Fraction(cents, 100), Fraction(fee_units, 10**4)
        signed = qty if is_buy else -qty
        before = pf.to_state()
        f = fill(
            BTCUSDT.id,
            "BUY" if is_buy else "SELL",
            _text(units, 5),
            _text(cents, 2),
            commission=f"{_text(fee_units, 4)} USDT",
        )
        affordable = usdt - signed * px - fee >= 0 and btc + signed >= 0
        try:
            pf.apply_fill(f)
        except InsufficientBalance:
            assert not affordable
            assert pf.to_state() == before  # refused: nothing moved
            continue
        assert affordable
        usdt += -signed * px - fee
        btc += signed
        net += signed
        flow += -signed * px - fee
        last_px = f.last_px
        total_usdt, total_btc = acct.balance_total(USDT), acct.balance_total(BTC)
        assert total_usdt is not None and total_btc is not None
        assert Fraction(total_usdt.as_decimal()) == usdt >= 0
        assert Fraction(total_btc.as_decimal()) == btc >= 0
        assert Fraction(pf.net_position(BTCUSDT.id)) == net
    if last_px is not None:
        (pos,) = pf.positions()
        total = Fraction(pos.total_realized_pnl_exact) + Fraction(
            pos.unrealized_pnl_exact(last_px)
        )
        assert total == flow + net * Fraction(last_px.as_decimal())
