"""Small fakes and builders shared by the lyra.risk tests (not a test module)."""

from __future__ import annotations

from decimal import Decimal

from lyra.clock import TestClock
from lyra.model.currency import Currency
from lyra.model.enums import AccountType
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, Equity, PerpetualSwap
from lyra.model.values import Money
from lyra.orders import Order, OrderFactory

T0 = 1_700_000_000_000_000_000
SECOND = 1_000_000_000

BTCUSDT = "BTCUSDT.BINANCE"
PERP = "BTCUSDT-PERP.BINANCE"
INVERSE = "BTCUSD-PERP.BITMEX"
AAPL = "AAPL.XNAS"


def spot(**fields: object) -> CurrencyPair:
    """BTCUSDT spot: 0.01 tick, 0.00001 lot, min qty 0.0001, 0.1% taker fee."""
    base: dict[str, object] = {
        "price_increment": "0.01",
        "size_increment": "0.00001",
        "taker_fee": "0.001",
        "min_quantity": "0.0001",
    }
    base.update(fields)
    return CurrencyPair.simple(BTCUSDT, **base)  # type: ignore[arg-type]


def perp(**fields: object) -> PerpetualSwap:
    """Linear BTCUSDT perpetual: 0.1 tick, 0.001 lot, 10% initial margin."""
    base: dict[str, object] = {"price_increment": "0.1", "size_increment": "0.001"}
    base.update(fields)
    return PerpetualSwap.simple(PERP, base="BTC", quote="USDT", **base)  # type: ignore[arg-type]


def inverse_perp(**fields: object) -> PerpetualSwap:
    """Inverse BTCUSD perpetual: 1 USD contracts, 0.5 tick, notional in BTC."""
    base: dict[str, object] = {"price_increment": "0.5", "size_increment": "1"}
    base.update(fields)
    return PerpetualSwap.simple(  # type: ignore[arg-type]
        INVERSE, base="BTC", quote="USD", inverse=True, **base
    )


def equity(**fields: object) -> Equity:
    """AAPL: cent ticks, whole shares."""
    return Equity.simple(AAPL, **fields)  # type: ignore[arg-type]


class FakePositions:
    """A PositionView over a dict of net quantities."""

    def __init__(self) -> None:
        self.nets: dict[str, Decimal] = {}
        self.calls = 0

    def set(self, instrument_id: str, net: str | int) -> FakePositions:
        self.nets[instrument_id] = Decimal(net)
        return self

    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        self.calls += 1
        return self.nets.get(str(instrument_id), Decimal(0))


class FakeAccount:
    """An AccountView over a dict of free balances."""

    def __init__(self, account_type: AccountType = AccountType.CASH, leverage: str = "1") -> None:
        self._type = account_type
        self.balances: dict[Currency, Money] = {}
        self.lev = Decimal(leverage)

    def fund(self, amount: str, code: str) -> FakeAccount:
        currency = Currency.from_str(code)
        self.balances[currency] = Money(amount, currency)
        return self

    @property
    def account_type(self) -> AccountType:
        return self._type

    def free_balance(self, currency: Currency) -> Money | None:
        return self.balances.get(currency)

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        return self.lev


def factory(clock: TestClock | None = None) -> OrderFactory:
    """A deterministic order factory on ``clock`` (a fresh TestClock at T0 by default)."""
    return OrderFactory("S-1", clock=clock or TestClock(T0), epoch=7)


def to_released(order: Order, f: OrderFactory) -> Order:
    """Move an emulated order to RELEASED, as the emulator would."""
    order.apply(f.events.emulated(order))
    order.apply(f.events.released(order))
    return order


def to_accepted(order: Order, f: OrderFactory) -> Order:
    """Move an order to ACCEPTED at the venue."""
    order.apply(f.events.submitted(order))
    order.apply(f.events.accepted(order, "V-1"))
    return order
