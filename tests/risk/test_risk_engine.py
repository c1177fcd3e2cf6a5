"""RiskEngine: the checks as one pipeline -- order of checks, trading-state transitions, rate
limits on a TestClock, emulated orders at submit and release, modifies, denial events."""

from __future__ import annotations

import pytest
from risk_support import (
    BTCUSDT,
    PERP,
    SECOND,
    T0,
    FakeAccount,
    FakePositions,
    factory,
    perp,
    spot,
    to_accepted,
    to_released,
)

from lyra.clock import TestClock
from lyra.errors import InvalidInput
from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    OrderSide,
    OrderStatus,
    TimeInForce,
    TriggerType,
)
from lyra.model.identifiers import InstrumentId, TradeId
from lyra.model.instruments import Instrument
from lyra.model.values import Money, Price, Quantity
from lyra.orders import InvalidTransition, Order, OrderDenied, OrderFactory, OrderModifyRejected
from lyra.risk import (
    Denial,
    DenialCode,
    LatestPrices,
    MaxOrderSize,
    RateLimit,
    RiskConfig,
    RiskEngine,
    TradingState,
)

BUY = OrderSide.BUY
SELL = OrderSide.SELL
C = DenialCode
ACTIVE, HALTED, REDUCING = TradingState.ACTIVE, TradingState.HALTED, TradingState.REDUCING


def _code(denial: Denial | None) -> DenialCode | str | None:
    return None if denial is None else denial.code


class Setup:
    """A clock, an order factory and an engine over BTCUSDT spot and a linear perp."""

    def __init__(
        self,
        *,
        config: RiskConfig | None = None,
        account: FakeAccount | None = None,
        positions: FakePositions | None = None,
        instruments: tuple[Instrument, ...] | None = None,
        **engine_kw: object,
    ) -> None:
        self.clock = TestClock(T0)
        self.f: OrderFactory = factory(self.clock)
        self.positions = positions
        self.account = account
        self.engine = RiskEngine(
            self.clock,
            instruments=instruments if instruments is not None else (spot(), perp()),
            config=config or RiskConfig(submit_rate=None, modify_rate=None),
            account=account,
            positions=positions,
            **engine_kw,  # type: ignore[arg-type]
        )

    def limit(
        self, qty: str = "0.5", px: str = "65000.00", side: OrderSide = BUY, **kw: object
    ) -> Order:
        return self.f.limit(BTCUSDT, side, Quantity(qty), Price(px), **kw)  # type: ignore[arg-type]


# -- the pipeline --------------------------------------------------------------------------------
def test_a_good_limit_order_passes_every_check() -> None:
    s = Setup(
        account=FakeAccount().fund("100000", "USDT"),
        positions=FakePositions(),
        config=RiskConfig(max_order_size=MaxOrderSize(Quantity("10"), Money("1000000", "USDT"))),
    )
    order = s.limit()
    assert s.engine.check_submit(order) is None
    assert order.status is OrderStatus.INITIALIZED  # a check changes nothing


def test_unknown_instrument() -> None:
    s = Setup()
    order = s.f.limit("ETHUSDT.BINANCE", BUY, Quantity("1"), Price("1.00"))
    d = s.engine.check_submit(order)
    assert d is not None and d.code is C.INSTRUMENT_NOT_FOUND
    assert d.message == "instrument ETHUSDT.BINANCE is not registered with the risk engine"
    assert _code(s.engine.check_release(order)) is C.INSTRUMENT_NOT_FOUND
    assert _code(s.engine.check_modify(order)) is C.INSTRUMENT_NOT_FOUND
    assert s.engine.instrument_ids == (InstrumentId(BTCUSDT), InstrumentId(PERP))


@pytest.mark.parametrize(
    ("qty", "px", "code"),
    [
        ("0.00001", "65000.00", C.QTY_BELOW_MIN),
        ("0.5", "65000.001", C.PRICE_PRECISION_EXCEEDED),
        ("0.0001", "50000.00", C.NOTIONAL_BELOW_MIN),
        ("11", "1000.00", C.MAX_ORDER_QTY_EXCEEDED),
        ("2", "65000.00", C.INSUFFICIENT_BALANCE),
    ],
)
def test_each_check_denies_in_the_pipeline(qty: str, px: str, code: DenialCode) -> None:
    s = Setup(
        instruments=(spot(min_notional="10 USDT"),),
        account=FakeAccount().fund("100000", "USDT"),
        config=RiskConfig(max_order_size=MaxOrderSize(quantity=Quantity("10"))),
    )
    assert _code(s.engine.check_submit(s.limit(qty, px))) is code


def test_checks_run_in_the_documented_order() -> None:
    s = Setup(account=FakeAccount())  # no money at all
    bad = s.limit("0.00001", "65000.001")  # bad price, bad quantity, no balance
    assert _code(s.engine.check_submit(bad)) is C.PRICE_PRECISION_EXCEEDED
    s.engine.set_trading_state(HALTED)
    assert _code(s.engine.check_submit(bad)) is C.TRADING_HALTED


def test_gtd_against_the_engine_clock() -> None:
    s = Setup()
    order = s.limit(time_in_force=TimeInForce.GTD, expire_time_ns=T0 + SECOND)
    assert s.engine.check_submit(order) is None
    s.clock.set_time(T0 + SECOND)
    assert _code(s.engine.check_submit(order)) is C.GTD_EXPIRED


def test_market_orders_take_their_price_from_last_price_or_the_price_source() -> None:
    prices = LatestPrices()
    s = Setup(account=FakeAccount().fund("40000", "USDT"), prices=prices)
    market = s.f.market(BTCUSDT, BUY, Quantity("0.5"))
    assert _code(s.engine.check_submit(market)) is C.NO_REFERENCE_PRICE
    assert s.engine.check_submit(market, last_price=Price("65000.00")) is None
    iid = InstrumentId(BTCUSDT)
    prices.on_trade(
        TradeTick(iid, Price("90000.00"), Quantity("1"), AggressorSide.BUYER, TradeId("1"), T0, T0)
    )
    # last trade 90000 -> 45045 USDT needed > 40000
    assert _code(s.engine.check_submit(market)) is C.INSUFFICIENT_BALANCE
    prices.on_quote(
        QuoteTick(iid, Price("64000.00"), Price("70000.00"), Quantity("1"), Quantity("1"), T0, T0)
    )
    # a BUY is valued at the ask 70000 -> 35035 <= 40000
    assert s.engine.check_submit(market) is None
    sell = s.f.market(BTCUSDT, SELL, Quantity("0.5"))
    assert prices.reference_price(iid, SELL) == Price("64000.00")
    assert _code(s.engine.check_submit(sell)) is C.INSUFFICIENT_BALANCE  # no BTC to sell
    # an explicit last_price wins over the source
    assert _code(s.engine.check_submit(market, last_price=Price("90000.00"))) is (
        C.INSUFFICIENT_BALANCE
    )


def test_a_market_order_with_nothing_to_value_needs_no_price() -> None:
    s = Setup()  # no account, no notional bounds or limits
    assert s.engine.check_submit(s.f.market(BTCUSDT, BUY, Quantity("0.5"))) is None


def test_custom_checks_run_after_the_built_in_ones() -> None:
    seen: list[str] = []

    def no_sells(order: Order, instrument: Instrument) -> Denial | None:
        seen.append(str(order.client_order_id))
        if order.side is SELL:
            return Denial(C.TRADING_REDUCING, f"no sells on {instrument.id}", "side")
        return None

    s = Setup(checks=[no_sells])
    assert s.engine.check_submit(s.limit()) is None
    d = s.engine.check_submit(s.limit(side=SELL))
    assert d is not None and d.message == "no sells on BTCUSDT.BINANCE"
    before = len(seen)
    assert _code(s.engine.check_submit(s.limit("0.00001", side=SELL))) is C.QTY_BELOW_MIN
    assert len(seen) == before  # a failed built-in check stops the pipeline
    with pytest.raises(InvalidInput):
        RiskEngine(s.clock, checks=[42])  # type: ignore[list-item]


def test_limits_per_instrument_replace_the_global_one() -> None:
    config = RiskConfig(
        submit_rate=None,
        max_order_size=MaxOrderSize(quantity=Quantity("1")),
        max_order_size_per_instrument={
            InstrumentId(PERP): MaxOrderSize(notional=Money("50000", "USDT"))
        },
    )
    s = Setup(config=config)
    assert _code(s.engine.check_submit(s.limit("2", "1.00"))) is C.MAX_ORDER_QTY_EXCEEDED
    big_qty = s.f.limit(PERP, BUY, Quantity("5"), Price("100.0"))
    assert s.engine.check_submit(big_qty) is None  # the perp has no quantity limit
    big_notional = s.f.limit(PERP, BUY, Quantity("2"), Price("30000.0"))
    d = s.engine.check_submit(big_notional)
    assert d is not None and d.code is C.MAX_ORDER_NOTIONAL_EXCEEDED
    assert "60000.00000000 USDT" in d.message


def test_a_per_instrument_limit_in_the_wrong_currency_is_refused() -> None:
    config = RiskConfig(
        max_order_size_per_instrument={
            InstrumentId(BTCUSDT): MaxOrderSize(notional=Money("1", "BTC"))
        }
    )
    with pytest.raises(InvalidInput, match="notional currency USDT"):
        RiskEngine(TestClock(T0), instruments=[spot()], config=config)


# -- trading state -------------------------------------------------------------------------------
def test_trading_state_transitions() -> None:
    s = Setup(positions=FakePositions().set(BTCUSDT, "1"))
    e = s.engine
    opening = s.limit("0.5", side=BUY)
    closing = s.limit("0.5", side=SELL)
    assert e.trading_state() is ACTIVE
    assert e.check_submit(opening) is None and e.check_submit(closing) is None
    e.set_trading_state(HALTED)
    assert e.trading_state() is HALTED
    d = e.check_submit(closing)
    assert d is not None and d.code is C.TRADING_HALTED and "HALTED globally" in d.message
    assert e.check_cancel(closing) is None  # cancels are always allowed
    e.set_trading_state(REDUCING)
    assert _code(e.check_submit(opening)) is C.TRADING_REDUCING
    assert e.check_submit(closing) is None
    e.set_trading_state(ACTIVE)
    assert e.check_submit(opening) is None


def test_per_instrument_state_and_the_stricter_of_the_two() -> None:
    s = Setup(positions=FakePositions().set(BTCUSDT, "1"))
    e = s.engine
    e.set_trading_state(HALTED, BTCUSDT)
    assert e.trading_state(BTCUSDT) is HALTED and e.trading_state() is ACTIVE
    d = e.check_submit(s.limit(side=SELL))
    assert d is not None and d.code is C.TRADING_HALTED
    assert "HALTED for BTCUSDT.BINANCE" in d.message
    perp_order = s.f.limit(PERP, BUY, Quantity("1"), Price("100.0"))
    assert e.check_submit(perp_order) is None  # other instruments trade on
    e.set_trading_state(REDUCING)  # global REDUCING, instrument HALTED: HALTED wins
    assert e.effective_trading_state(BTCUSDT) is HALTED
    assert e.effective_trading_state(PERP) is REDUCING
    assert _code(e.check_submit(s.limit(side=SELL))) is C.TRADING_HALTED
    assert _code(e.check_submit(perp_order)) is C.TRADING_REDUCING  # flat perp: opens
    e.set_trading_state(ACTIVE, BTCUSDT)  # global REDUCING still applies
    assert e.effective_trading_state(BTCUSDT) is REDUCING
    assert e.check_submit(s.limit(side=SELL)) is None
    assert _code(e.check_submit(s.limit(side=BUY))) is C.TRADING_REDUCING


def test_state_set_before_the_instrument_is_registered_applies() -> None:
    s = Setup(instruments=())
    s.engine.set_trading_state(HALTED, BTCUSDT)
    s.engine.add_instrument(spot())
    assert _code(s.engine.check_submit(s.limit())) is C.TRADING_HALTED


@pytest.mark.parametrize(
    ("net", "side", "qty", "code"),
    [
        ("1", SELL, "1", None),
        ("1", BUY, "0.1", C.TRADING_REDUCING),
        ("1", SELL, "1.5", C.TRADING_REDUCING),
        ("-1", BUY, "0.5", None),
        ("-1", SELL, "0.5", C.TRADING_REDUCING),
        ("0", BUY, "0.5", C.TRADING_REDUCING),
        ("0", SELL, "0.5", C.TRADING_REDUCING),
    ],
)
def test_reducing_with_long_short_and_flat_books(
    net: str, side: OrderSide, qty: str, code: DenialCode | None
) -> None:
    s = Setup(positions=FakePositions().set(BTCUSDT, net))
    s.engine.set_trading_state(REDUCING)
    assert _code(s.engine.check_submit(s.limit(qty, side=side))) is code


def test_reducing_without_a_position_view_denies() -> None:
    s = Setup()
    s.engine.set_trading_state(REDUCING)
    assert _code(s.engine.check_submit(s.limit(side=SELL))) is C.TRADING_REDUCING


def test_reduce_only_in_the_pipeline_needs_a_position_view() -> None:
    positions = FakePositions().set(BTCUSDT, "1")
    s = Setup(positions=positions)
    assert _code(s.engine.check_submit(s.limit("1", side=BUY, reduce_only=True))) is (
        C.REDUCE_ONLY_WOULD_INCREASE
    )
    assert s.engine.check_submit(s.limit("1", side=SELL, reduce_only=True)) is None
    s.engine.positions = None  # then the venue enforces reduce-only
    assert s.engine.check_submit(s.limit("1", side=BUY, reduce_only=True)) is None


# -- rate limits ---------------------------------------------------------------------------------
def test_submit_rate_limit_through_the_engine() -> None:
    s = Setup(config=RiskConfig(submit_rate=RateLimit(3, SECOND), modify_rate=None))
    assert [s.engine.check_submit(s.limit()) for _ in range(3)] == [None, None, None]
    d = s.engine.check_submit(s.limit())
    assert d is not None and d.code is C.RATE_LIMITED
    assert "submit rate limit of 3 per 1s reached" in d.message
    s.clock.set_time(T0 + SECOND - 1)
    assert _code(s.engine.check_submit(s.limit())) is C.RATE_LIMITED
    s.clock.set_time(T0 + SECOND)
    assert s.engine.check_submit(s.limit()) is None


def test_only_orders_that_pass_every_check_are_counted() -> None:
    s = Setup(config=RiskConfig(submit_rate=RateLimit(2, SECOND), modify_rate=None))
    for _ in range(10):
        assert _code(s.engine.check_submit(s.limit("0.00001"))) is C.QTY_BELOW_MIN
    assert s.engine.check_submit(s.limit()) is None
    assert s.engine.check_submit(s.limit()) is None
    assert _code(s.engine.check_submit(s.limit())) is C.RATE_LIMITED


def test_default_rates_are_100_per_second() -> None:
    e = RiskEngine(TestClock(T0), instruments=[spot()])
    assert e.config.submit_rate == RateLimit(100, SECOND)
    assert e.submit_limiter is not None and e.modify_limiter is not None
    f = factory(TestClock(T0))
    orders = [f.limit(BTCUSDT, BUY, Quantity("1"), Price("1.00")) for _ in range(101)]
    results = [e.check_submit(o) for o in orders]
    assert results[:100] == [None] * 100
    assert _code(results[100]) is C.RATE_LIMITED


# -- denial events -------------------------------------------------------------------------------
def test_process_submit_applies_only_when_asked() -> None:
    s = Setup()
    order = s.limit("0.00001")
    event = s.engine.process_submit(order)
    assert isinstance(event, OrderDenied)
    assert event.code == "QTY_BELOW_MIN"
    assert (
        event.reason == "quantity 0.00001 is below the instrument minimum 0.0001 of BTCUSDT.BINANCE"
    )
    assert event.event_id == "RISK-1" and event.ts_event == T0
    assert event.client_order_id == order.client_order_id
    assert order.status is OrderStatus.INITIALIZED
    event = s.engine.process_submit(order, apply=True)
    assert event is not None and event.event_id == "RISK-2"
    assert order.status is OrderStatus.DENIED and order.last_event is event
    ok = s.limit()
    assert s.engine.process_submit(ok, apply=True) is None
    assert ok.status is OrderStatus.INITIALIZED


# -- emulated orders -----------------------------------------------------------------------------
def _emulated_stop(
    s: Setup, qty: str = "0.5", trigger: str = "60000.00", side: OrderSide = SELL, **kw: object
) -> Order:
    return s.f.stop_market(
        BTCUSDT,
        side,
        Quantity(qty),
        Price(trigger),
        emulation_trigger=TriggerType.BID_ASK,
        **kw,  # type: ignore[arg-type]
    )


def test_emulated_order_is_checked_at_submit() -> None:
    s = Setup()
    assert _code(s.engine.check_submit(_emulated_stop(s, trigger="60000.005"))) is (
        C.PRICE_PRECISION_EXCEEDED
    )
    assert s.engine.check_submit(_emulated_stop(s)) is None


def test_rate_limit_is_counted_once_at_submit_not_at_release() -> None:
    s = Setup(config=RiskConfig(submit_rate=RateLimit(1, SECOND), modify_rate=None))
    stop = _emulated_stop(s)
    assert s.engine.check_submit(stop) is None  # the one submit this second
    to_released(stop, s.f)
    assert s.engine.check_release(stop) is None  # not throttled, not counted
    assert s.engine.check_release(stop) is None
    assert _code(s.engine.check_submit(s.limit())) is C.RATE_LIMITED


def test_release_rechecks_trading_state_and_position() -> None:
    positions = FakePositions().set(BTCUSDT, "0.5")
    s = Setup(positions=positions)
    stop = _emulated_stop(s, reduce_only=True)
    assert s.engine.check_submit(stop) is None
    to_released(stop, s.f)
    s.engine.set_trading_state(HALTED)
    assert _code(s.engine.check_release(stop)) is C.TRADING_HALTED
    s.engine.set_trading_state(REDUCING)
    assert s.engine.check_release(stop) is None  # a stop-loss reduces: allowed
    s.engine.set_trading_state(ACTIVE)
    positions.set(BTCUSDT, "0")  # the position was closed meanwhile
    d = s.engine.check_release(stop)
    assert d is not None and d.code is C.REDUCE_ONLY_WOULD_INCREASE


def test_release_values_the_order_at_the_market_price() -> None:
    # cash BUY stop at 60000: 0.5 x 60000 + 0.1% = 30030 USDT needed at submit
    s = Setup(account=FakeAccount().fund("31000", "USDT"))
    stop = _emulated_stop(s, side=BUY)
    assert s.engine.check_submit(stop) is None
    to_released(stop, s.f)
    assert s.engine.check_release(stop) is None  # no market price: the trigger price
    # the market gapped to 65000: 32532.50 needed
    d = s.engine.check_release(stop, released_price=Price("65000.00"))
    assert d is not None and d.code is C.INSUFFICIENT_BALANCE
    assert "32532.50000000 USDT" in d.message
    assert _code(s.engine.check_release(stop, last_price=Price("65000.00"))) is (
        C.INSUFFICIENT_BALANCE
    )


def test_release_rechecks_gtd_expiry() -> None:
    s = Setup()
    stop = _emulated_stop(s, time_in_force=TimeInForce.GTD, expire_time_ns=T0 + SECOND)
    assert s.engine.check_submit(stop) is None
    to_released(stop, s.f)
    s.clock.set_time(T0 + 2 * SECOND)
    assert _code(s.engine.check_release(stop)) is C.GTD_EXPIRED


def test_process_release_applies_to_a_released_order() -> None:
    s = Setup()
    stop = _emulated_stop(s)
    assert s.engine.check_submit(stop) is None
    stop.apply(s.f.events.emulated(stop))
    s.engine.set_trading_state(HALTED)
    # still EMULATED: the state machine has no EMULATED -> DENIED
    with pytest.raises(InvalidTransition):
        s.engine.process_release(stop, apply=True)
    assert stop.status is OrderStatus.EMULATED
    stop.apply(s.f.events.released(stop))
    event = s.engine.process_release(stop, apply=True)
    assert event is not None and event.code == "TRADING_HALTED"
    assert stop.status is OrderStatus.DENIED


# -- modify --------------------------------------------------------------------------------------
def _live(
    s: Setup, qty: str = "0.5", px: str = "65000.00", side: OrderSide = BUY, **kw: object
) -> Order:
    return to_accepted(s.limit(qty, px, side, **kw), s.f)


def test_modify_reuses_the_price_and_quantity_checks() -> None:
    s = Setup(instruments=(spot(max_price="100000", min_notional="10 USDT"),))
    order = _live(s)
    e = s.engine
    assert e.check_modify(order, price=Price("64000.00")) is None
    assert _code(e.check_modify(order, price=Price("64000.001"))) is C.PRICE_PRECISION_EXCEEDED
    assert _code(e.check_modify(order, price=Price("100000.01"))) is C.PRICE_ABOVE_MAX
    assert _code(e.check_modify(order, quantity=Quantity("0.00001"))) is C.QTY_BELOW_MIN
    # 0.0001 x 65000 = 6.5 USDT: below the 10 USDT minimum notional
    assert _code(e.check_modify(order, quantity=Quantity("0.0001"))) is C.NOTIONAL_BELOW_MIN
    # ... but fine at a higher price
    assert e.check_modify(order, quantity=Quantity("0.0002"), price=Price("65000.00")) is None


def test_modify_of_a_stop_checks_the_trigger() -> None:
    s = Setup()
    stop = to_accepted(s.f.stop_market(BTCUSDT, SELL, Quantity("1"), Price("60000.00")), s.f)
    assert _code(s.engine.check_modify(stop, trigger_price=Price("59999.999"))) is (
        C.PRICE_PRECISION_EXCEEDED
    )
    assert s.engine.check_modify(stop, trigger_price=Price("59999.99")) is None


def test_modify_in_halted_and_reducing_states() -> None:
    positions = FakePositions().set(BTCUSDT, "1")
    s = Setup(positions=positions)
    opening = _live(s, "0.5", side=BUY)
    closing = _live(s, "0.5", side=SELL)
    e = s.engine
    e.set_trading_state(HALTED)
    assert _code(e.check_modify(closing, price=Price("65001.00"))) is C.TRADING_HALTED
    e.set_trading_state(REDUCING)
    # price changes and size decreases never add exposure
    assert e.check_modify(opening, price=Price("64000.00")) is None
    assert e.check_modify(opening, quantity=Quantity("0.1")) is None
    d = e.check_modify(opening, quantity=Quantity("0.6"))
    assert d is not None and d.code is C.TRADING_REDUCING
    assert "from 0.5 to 0.6" in d.message
    # a reducing order may grow while it still reduces
    assert e.check_modify(closing, quantity=Quantity("1")) is None
    assert _code(e.check_modify(closing, quantity=Quantity("1.5"))) is C.TRADING_REDUCING


def test_modify_of_a_reduce_only_order_must_still_fit_the_position() -> None:
    s = Setup(positions=FakePositions().set(BTCUSDT, "1"))
    order = _live(s, "0.5", side=SELL, reduce_only=True)
    assert s.engine.check_modify(order, quantity=Quantity("1")) is None
    assert _code(s.engine.check_modify(order, quantity=Quantity("1.2"))) is (
        C.REDUCE_ONLY_EXCEEDS_POSITION
    )


def test_modify_balance_covers_only_what_the_modify_adds() -> None:
    # the order's 0.5 @ 65000 is already locked; free is what is left
    account = FakeAccount().fund("16266.25", "USDT")
    s = Setup(account=account)
    order = _live(s)
    e = s.engine
    # +0.25 at 65000 = 16250 + 16.25 fee = 16266.25: exactly covered
    assert e.check_modify(order, quantity=Quantity("0.75")) is None
    assert _code(e.check_modify(order, quantity=Quantity("0.75001"))) is C.INSUFFICIENT_BALANCE
    # a lower price or smaller size needs nothing
    account.fund("0", "USDT")
    assert e.check_modify(order, price=Price("60000.00")) is None
    assert e.check_modify(order, quantity=Quantity("0.1")) is None
    # a higher price needs the difference: 0.5 x 100 = 50 + 0.05 fee
    assert _code(e.check_modify(order, price=Price("65100.00"))) is C.INSUFFICIENT_BALANCE
    account.fund("50.05", "USDT")
    assert e.check_modify(order, price=Price("65100.00")) is None


def test_modify_balance_for_a_cash_sell_counts_the_added_quantity() -> None:
    account = FakeAccount().fund("0.2", "BTC")
    s = Setup(account=account)
    order = _live(s, "0.5", side=SELL)
    assert s.engine.check_modify(order, quantity=Quantity("0.7")) is None
    assert _code(s.engine.check_modify(order, quantity=Quantity("0.70001"))) is (
        C.INSUFFICIENT_BALANCE
    )
    assert s.engine.check_modify(order, price=Price("99999.00")) is None


def test_modify_margin_for_a_reduce_only_order_is_not_needed() -> None:
    account = FakeAccount(AccountType.MARGIN, "5").fund("0", "USDT")
    s = Setup(account=account, positions=FakePositions().set(PERP, "2"))
    order = to_accepted(
        s.f.limit(PERP, SELL, Quantity("1"), Price("30000.0"), reduce_only=True), s.f
    )
    assert s.engine.check_modify(order, quantity=Quantity("2")) is None
    plain = to_accepted(s.f.limit(PERP, BUY, Quantity("1"), Price("30000.0")), s.f)
    # +1 at 30000 x 10% / 5 = 600 USDT of margin
    d = s.engine.check_modify(plain, quantity=Quantity("2"))
    assert d is not None and d.code is C.INSUFFICIENT_MARGIN
    assert "initial margin 600.00000000 USDT" in d.message
    account.fund("600", "USDT")
    assert s.engine.check_modify(plain, quantity=Quantity("2")) is None


def test_modify_rate_limit_is_separate_from_submits() -> None:
    s = Setup(config=RiskConfig(submit_rate=RateLimit(1, SECOND), modify_rate=RateLimit(2, SECOND)))
    order = s.limit()
    assert s.engine.check_submit(order) is None
    to_accepted(order, s.f)
    assert s.engine.check_modify(order, price=Price("64000.00")) is None
    assert s.engine.check_modify(order, price=Price("63000.00")) is None
    d = s.engine.check_modify(order, price=Price("62000.00"))
    assert d is not None and d.code is C.RATE_LIMITED and d.message.startswith("modify rate")
    # a denied modify (bad price) is not counted
    s.clock.set_time(T0 + SECOND)
    assert _code(s.engine.check_modify(order, price=Price("1.001"))) is C.PRICE_PRECISION_EXCEEDED
    assert s.engine.check_modify(order, price=Price("62000.00")) is None
    assert s.engine.check_modify(order, price=Price("61000.00")) is None


def test_process_modify_makes_a_modify_rejected_event() -> None:
    s = Setup()
    order = _live(s)
    order.apply(s.f.events.pending_update(order))
    event = s.engine.process_modify(order, price=Price("1.001"), apply=True)
    assert isinstance(event, OrderModifyRejected)
    assert event.code == "PRICE_PRECISION_EXCEEDED"
    assert event.venue_order_id == "V-1"
    assert order.status is OrderStatus.ACCEPTED  # back from PENDING_UPDATE
    assert s.engine.process_modify(order, price=Price("1.00")) is None


def test_account_views_are_settable() -> None:
    s = Setup()
    order = s.limit()
    assert s.engine.account is None
    s.engine.account = FakeAccount()
    assert _code(s.engine.check_submit(order)) is C.INSUFFICIENT_BALANCE
    s.engine.account = FakeAccount(AccountType.MARGIN, "10").fund("3250", "USDT")
    # spot on a margin account: 32500 / 10 = 3250
    assert s.engine.check_submit(order) is None
    prices = LatestPrices()
    s.engine.prices = prices
    assert s.engine.prices is prices
    assert s.engine.positions is None


def test_a_custom_check_may_use_its_own_code() -> None:
    def max_position(order: Order, instrument: Instrument) -> Denial | None:
        return Denial("MAX_POSITION_EXCEEDED", f"position limit on {instrument.id}", "quantity")

    s = Setup(checks=[max_position])
    order = s.limit()
    event = s.engine.process_submit(order, apply=True)
    assert event is not None and event.code == "MAX_POSITION_EXCEEDED"
    assert event.reason == "position limit on BTCUSDT.BINANCE"
    assert order.status is OrderStatus.DENIED


def test_a_derivative_on_a_cash_account_costs_the_same_on_both_sides() -> None:
    # 1 x 30000 = 30000 USDT on either side (no fee on the perp), never BTC
    s = Setup(account=FakeAccount().fund("30000", "USDT").fund("5", "BTC"))
    for side in (BUY, SELL):
        assert s.engine.check_submit(s.f.limit(PERP, side, Quantity("1"), Price("30000.0"))) is None
        big = s.f.limit(PERP, side, Quantity("1.001"), Price("30000.0"))
        assert _code(s.engine.check_submit(big)) is C.INSUFFICIENT_BALANCE


def test_a_betting_account_needs_no_reference_price() -> None:
    s = Setup(account=FakeAccount(AccountType.BETTING))
    assert s.engine.check_submit(s.f.market(BTCUSDT, BUY, Quantity("1"))) is None


def test_modify_of_a_market_priced_order_uses_the_market_price() -> None:
    account = FakeAccount().fund("0", "USDT")
    s = Setup(account=account)
    order = to_accepted(s.f.market(BTCUSDT, BUY, Quantity("0.5")), s.f)
    assert _code(s.engine.check_modify(order, quantity=Quantity("0.6"))) is C.NO_REFERENCE_PRICE
    # +0.1 at 65000 = 6500 + 6.50 fee
    d = s.engine.check_modify(order, quantity=Quantity("0.6"), last_price=Price("65000.00"))
    assert d is not None and "needs 6506.50000000 USDT" in d.message
    account.fund("6506.50", "USDT")
    assert (
        s.engine.check_modify(order, quantity=Quantity("0.6"), last_price=Price("65000.00")) is None
    )


def test_the_config_round_trips_through_the_codec() -> None:
    from lyra.model import codec

    config = RiskConfig(
        submit_rate=RateLimit(5, SECOND),
        modify_rate=None,
        max_order_size=MaxOrderSize(Quantity("1"), Money("5", "USDT")),
        max_order_size_per_instrument={InstrumentId(PERP): MaxOrderSize(Quantity("2"))},
    )
    assert codec.decode_json(codec.encode_json(config), type=RiskConfig) == config
