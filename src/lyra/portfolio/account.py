"""Accounts: multi-currency balances, funds locked for open orders, margins, fills.

Two kinds, both implementing :class:`lyra.risk.AccountView` structurally:

* :class:`CashAccount` -- no leverage; a balance never goes negative: a fill, withdrawal or
  balance update that would make a total negative raises
  :class:`~lyra.portfolio.InsufficientBalance` and changes nothing (unless the account was
  made with ``allow_borrowing=True``).
* :class:`MarginAccount` -- per-instrument leverage (``default_leverage`` otherwise);
  initial margin for open orders and maintenance margin for positions are locked, each
  ``notional x rate / leverage`` rounded up to the settlement currency's precision. Balances
  may go negative (losses are what the venue says they are).

Every balance is exact: ``total``, ``locked`` and ``free = total - locked`` are
:class:`~lyra.model.Money` per currency (:class:`AccountBalance`), kept as integers.

**Locks** reserve funds for an open order under a key of the caller's choosing (the client
order id): :meth:`Account.lock` sets (replaces) the key's amount, :meth:`Account.release`
removes it. A lock that would make ``free`` negative raises
:class:`~lyra.portfolio.InsufficientBalance` unless ``allow_borrowing``.
:meth:`Account.lock_order` computes the amount for an order and locks it: a cash account
locks the notional plus the taker fee for a buy (the base quantity for a spot sell), a margin
account the initial margin. Reduce-only orders need no lock: do not call it for them.

**Fills** (:meth:`Account.apply_fill`): a spot pair moves both assets (a buy of 0.5 BTC at
64,000 USDT debits 32,000 USDT and credits 0.5 BTC), a share moves the quote currency, a swap
or future credits the realized PnL it is given in its settlement currency and moves no base
balance. The cash moved is :meth:`~lyra.model.instruments.Instrument.notional_value` (exact;
rounded half-even only when it needs more than 9 decimals). The commission is debited in
its own currency (USDT, BTC, BNB, ...). A spot or share fill first draws on its own order's
lock (key = ``client_order_id``): the lock in the currency it pays shrinks by what was paid,
never below zero; release what is left when the order closes. A derivative order's margin
lock is re-set by the caller with :meth:`Account.lock`.

:meth:`Account.to_state` returns an :class:`AccountState`: a serializable snapshot to publish
(:func:`lyra.topics.account_events`) or persist; :meth:`Account.from_state` restores it.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import ClassVar, Final

import msgspec
import msgspec.structs

from lyra.errors import InsufficientBalance, InvalidInput, ValueOutOfRange
from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.enums import AccountType, LiquiditySide, OrderSide
from lyra.model.identifiers import AccountId, InstrumentId
from lyra.model.instruments import CurrencyPair, Equity, Instrument
from lyra.model.values import MONEY_RAW_MAX, Money, Price, Quantity
from lyra.orders.events import OrderFilled
from lyra.portfolio._fixed import FINE_PER_RAW, POW10, SCALE, ceil_div, money, rdiv

__all__ = (
    "Account",
    "AccountBalance",
    "AccountState",
    "CashAccount",
    "MarginAccount",
    "MarginBalance",
    "OrderLock",
)

_ONE: Final = Decimal(1)
_make_money: Final = Money._make


class AccountBalance(msgspec.Struct, frozen=True, gc=False):
    """One currency's balance: ``free == total - locked``, exactly."""

    total: Money
    locked: Money
    free: Money

    @property
    def currency(self) -> Currency:
        """The currency of the three amounts."""
        return self.total.currency


class MarginBalance(msgspec.Struct, frozen=True, gc=False):
    """Margin held for one instrument: ``initial`` for its open orders, ``maintenance`` for
    its position."""

    instrument_id: InstrumentId
    initial: Money
    maintenance: Money


class OrderLock(msgspec.Struct, frozen=True, gc=False):
    """Funds reserved for one open order (``instrument_id`` set for margin locks)."""

    order_key: str
    amount: Money
    instrument_id: InstrumentId | None = None


class AccountState(msgspec.Struct, frozen=True, tag=True, kw_only=True):
    """A snapshot of an account: to publish, to persist, and to restore exactly."""

    account_id: AccountId
    account_type: AccountType
    balances: tuple[AccountBalance, ...]
    """Every currency the account has held, sorted by code."""
    locks: tuple[OrderLock, ...] = ()
    margins: tuple[MarginBalance, ...] = ()
    leverages: tuple[tuple[InstrumentId, Decimal], ...] = ()
    default_leverage: Decimal = _ONE
    allow_borrowing: bool = False
    ts_event: int = 0
    ts_init: int = 0


register_struct(AccountState)


def _check_money(field: str, value: object) -> Money:
    if type(value) is not Money:
        raise InvalidInput(field, "must be Money", value)
    return value


def _notional_raw(instrument: Instrument, quantity: Quantity, price: Price) -> int:
    """``instrument.notional_value(quantity, price).raw``: for a linear instrument the exact
    product rounded half-even, without building the Money (the method checks and raises)."""
    if type(quantity) is Quantity and type(price) is Price and not instrument.is_inverse:
        raw = rdiv(quantity.raw * instrument.multiplier.raw * price.raw, FINE_PER_RAW)
        if -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
            return raw
    return instrument.notional_value(quantity, price).raw


def _check_leverage(field: str, value: object) -> Decimal:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite() or value < _ONE:
        raise ValueOutOfRange(field, "must be a Decimal >= 1", value)
    return value


class Account(abc.ABC):
    """Shared behaviour of :class:`CashAccount` and :class:`MarginAccount` (see the module
    docs). Make one of the two; ``balances`` are the opening totals, one Money per currency.
    """

    __slots__ = ("_allow_borrowing", "_id", "_locked", "_locks", "_total")

    _TYPE: ClassVar[AccountType]

    def __init__(
        self,
        account_id: AccountId | str,
        balances: Iterable[Money] = (),
        *,
        allow_borrowing: bool = False,
    ) -> None:
        if type(self) is Account:
            raise InvalidInput("Account", "is abstract; make a CashAccount or a MarginAccount")
        self._id = AccountId(account_id)
        self._total: dict[Currency, int] = {}
        self._locked: dict[Currency, int] = {}
        self._locks: dict[str, OrderLock] = {}
        self._allow_borrowing = bool(allow_borrowing)
        for amount in balances:
            _check_money("Account.balances", amount)
            if amount.currency in self._total:
                raise InvalidInput(
                    "Account.balances", "must hold one amount per currency", amount.currency.code
                )
            self._check_total(amount.currency, amount.raw)
            self._total[amount.currency] = amount.raw

    # -- identity ---------------------------------------------------------------------------
    @property
    def account_id(self) -> AccountId:
        """The account id."""
        return self._id

    @property
    def account_type(self) -> AccountType:
        """CASH or MARGIN."""
        return self._TYPE

    @property
    def allow_borrowing(self) -> bool:
        """Whether balances may go negative and locks exceed the free balance."""
        return self._allow_borrowing

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        """Leverage applied to ``instrument_id`` (always 1 for a cash account)."""
        return _ONE

    # -- balances ---------------------------------------------------------------------------
    def currencies(self) -> tuple[Currency, ...]:
        """Every currency the account has held, sorted by code."""
        return tuple(sorted(self._total, key=lambda c: c.code))

    def balance(self, currency: Currency) -> AccountBalance | None:
        """``total``, ``locked`` and ``free`` in ``currency``; ``None`` if never held."""
        total = self._total.get(currency)
        if total is None:
            return None
        locked = self._locked.get(currency, 0)
        return AccountBalance(
            money(total, currency), money(locked, currency), money(total - locked, currency)
        )

    def balances(self) -> dict[Currency, AccountBalance]:
        """Every balance, by currency."""
        out: dict[Currency, AccountBalance] = {}
        for currency in self.currencies():
            balance = self.balance(currency)
            assert balance is not None
            out[currency] = balance
        return out

    def balance_total(self, currency: Currency) -> Money | None:
        """Total in ``currency``; ``None`` if never held."""
        total = self._total.get(currency)
        return None if total is None else money(total, currency)

    def balance_locked(self, currency: Currency) -> Money | None:
        """Locked amount in ``currency``; ``None`` if never held."""
        if currency not in self._total:
            return None
        return money(self._locked.get(currency, 0), currency)

    def free_balance(self, currency: Currency) -> Money | None:
        """Free (unlocked) balance in ``currency``; ``None`` when the account holds none of it."""
        total = self._total.get(currency)
        if total is None:
            return None
        return money(total - self._locked.get(currency, 0), currency)

    def _free_raw(self, currency: Currency) -> int | None:
        """``free_balance(currency).raw`` without building the Money (``None``: never held)."""
        total = self._total.get(currency)
        if total is None:
            return None
        return total - self._locked.get(currency, 0)

    def _check_total(self, currency: Currency, new_total: int, needed: int | None = None) -> None:
        if new_total < 0 and self._refuses_negative():
            have = self._total.get(currency, 0)
            raise InsufficientBalance(
                self._id,
                currency.code,
                str(money(have - new_total if needed is None else needed, currency).as_decimal()),
                str(money(have, currency).as_decimal()),
            )

    def _refuses_negative(self) -> bool:
        return not self._allow_borrowing

    def deposit(self, amount: Money) -> None:
        """Add ``amount`` (positive) to its currency's total."""
        _check_money("Account.deposit.amount", amount)
        if amount.raw <= 0:
            raise ValueOutOfRange("Account.deposit.amount", "must be positive", amount)
        currency = amount.currency
        self._total[currency] = self._total.get(currency, 0) + amount.raw

    def withdraw(self, amount: Money) -> None:
        """Take ``amount`` (positive) out of the free balance of its currency.

        Raises :class:`~lyra.portfolio.InsufficientBalance` when the free balance does not
        cover it (unless ``allow_borrowing``).
        """
        _check_money("Account.withdraw.amount", amount)
        if amount.raw <= 0:
            raise ValueOutOfRange("Account.withdraw.amount", "must be positive", amount)
        currency = amount.currency
        total = self._total.get(currency, 0)
        free = total - self._locked.get(currency, 0)
        if amount.raw > free and not self._allow_borrowing:
            raise InsufficientBalance(
                self._id,
                currency.code,
                str(amount.as_decimal()),
                str(money(free, currency).as_decimal()),
            )
        self._total[currency] = total - amount.raw

    def set_balance(self, total: Money) -> None:
        """Set the total of ``total``'s currency (a balance the venue reported).

        A cash account refuses a negative total unless ``allow_borrowing``.
        """
        _check_money("Account.set_balance.total", total)
        self._check_total(total.currency, total.raw, needed=0)
        self._total[total.currency] = total.raw

    # -- locks ------------------------------------------------------------------------------
    def lock(
        self, order_key: str, amount: Money, instrument_id: InstrumentId | None = None
    ) -> None:
        """Reserve ``amount`` for the order ``order_key``, replacing what it had reserved.

        A zero amount releases the lock. Raises
        :class:`~lyra.portfolio.InsufficientBalance` (nothing changed) when the reservation
        would exceed the free balance, unless ``allow_borrowing``.
        """
        if not isinstance(order_key, str) or not order_key:
            raise InvalidInput("Account.lock.order_key", "must be a non-empty str", order_key)
        if type(amount) is not Money:
            _check_money("Account.lock.amount", amount)
        raw = amount.raw
        if raw < 0:
            raise ValueOutOfRange("Account.lock.amount", "must not be negative", amount)
        if raw == 0:
            self.release(order_key)
            return
        currency = amount.currency
        locks = self._locks
        all_locked = self._locked
        old = locks.get(order_key)
        locked = all_locked.get(currency, 0)
        if old is not None and old.amount.currency == currency:
            locked -= old.amount.raw
        total = self._total.get(currency, 0)
        if locked + raw > total and not self._allow_borrowing:
            raise InsufficientBalance(
                self._id,
                currency.code,
                str(amount.as_decimal()),
                str(money(total - locked, currency).as_decimal()),
            )
        if old is not None:
            self._unlock(old)
        key = str(order_key)
        new = OrderLock(key, amount, instrument_id)
        locks[key] = new
        all_locked[currency] = all_locked.get(currency, 0) + raw
        if total == 0 and currency not in self._total:
            self._total[currency] = 0
        self._locks_changed(old, new)

    def release(self, order_key: str) -> Money | None:
        """Remove the order's lock; return what it held (``None`` if it had none)."""
        old = self._locks.pop(order_key, None)
        if old is None:
            return None
        self._locked[old.amount.currency] -= old.amount.raw
        self._locks_changed(old, None)
        return old.amount

    def _unlock(self, old: OrderLock) -> None:
        del self._locks[old.order_key]
        self._locked[old.amount.currency] -= old.amount.raw

    def _locks_changed(self, old: OrderLock | None, new: OrderLock | None) -> None:  # noqa: B027
        """Hook for subclasses that aggregate locks per instrument."""

    def locked_for(self, order_key: str) -> Money | None:
        """What the order ``order_key`` has reserved (``None`` if nothing)."""
        lock = self._locks.get(order_key)
        return None if lock is None else lock.amount

    def locks(self) -> tuple[OrderLock, ...]:
        """Every lock, sorted by order key."""
        return tuple(self._locks[k] for k in sorted(self._locks))

    @abc.abstractmethod
    def order_lock_amount(
        self, instrument: Instrument, side: OrderSide, quantity: Quantity, price: Price
    ) -> Money:
        """What an order of ``quantity`` at ``price`` must reserve (see the subclasses)."""

    def lock_order(
        self,
        order_key: str,
        instrument: Instrument,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
    ) -> Money:
        """Lock :meth:`order_lock_amount` under ``order_key`` and return it."""
        amount = self.order_lock_amount(instrument, side, quantity, price)
        self.lock(order_key, amount, instrument.id)
        return amount

    # -- fills ------------------------------------------------------------------------------
    def apply_fill(
        self, fill: OrderFilled, instrument: Instrument, realized_pnl: Money | None = None
    ) -> None:
        """Book a fill's cash movements (see the module docs); all or nothing.

        ``realized_pnl`` is the PnL the fill realized on a swap or future, before commission,
        in the settlement currency (a :class:`~lyra.portfolio.Portfolio` computes and passes
        it); it is ignored for spot pairs and shares.
        """
        if fill.instrument_id != instrument.id:
            raise InvalidInput(
                "OrderFilled.instrument_id", f"must be {instrument.id}", fill.instrument_id
            )
        side = fill.order_side
        if side == OrderSide.BUY:
            buy = True
        elif side == OrderSide.SELL:
            buy = False
        else:
            raise InvalidInput("OrderFilled.order_side", "must be BUY or SELL", side)
        deltas: dict[Currency, int] = {}
        spends = False
        if isinstance(instrument, CurrencyPair):
            notional = _notional_raw(instrument, fill.last_qty, fill.last_px)
            base = rdiv(fill.last_qty.raw * instrument.multiplier.raw, SCALE)
            deltas[instrument.quote_currency] = -notional if buy else notional
            deltas[instrument.base_currency] = base if buy else -base
            spends = True
        elif isinstance(instrument, Equity):
            notional = _notional_raw(instrument, fill.last_qty, fill.last_px)
            deltas[instrument.quote_currency] = -notional if buy else notional
            spends = True
        elif realized_pnl is not None:
            _check_money("realized_pnl", realized_pnl)
            if realized_pnl.raw:
                deltas[realized_pnl.currency] = realized_pnl.raw
        commission = fill.commission
        if commission.raw:
            ccy = commission.currency
            deltas[ccy] = deltas.get(ccy, 0) - commission.raw
        total = self._total
        if self._refuses_negative():
            for ccy, delta in deltas.items():
                if delta < 0 and total.get(ccy, 0) + delta < 0:
                    self._check_total(ccy, total.get(ccy, 0) + delta, needed=-delta)
        for ccy, delta in deltas.items():
            total[ccy] = total.get(ccy, 0) + delta
        if spends:
            lock = self._locks.get(fill.client_order_id)
            if lock is not None:
                paid = -deltas.get(lock.amount.currency, 0)
                if paid > 0:
                    # Shrinks a reservation: never refused, so never checked against free.
                    self.release(lock.order_key)
                    left = lock.amount.raw - paid
                    if left > 0:
                        ccy = lock.amount.currency
                        new = OrderLock(lock.order_key, money(left, ccy), lock.instrument_id)
                        self._locks[new.order_key] = new
                        self._locked[ccy] += left
                        self._locks_changed(None, new)

    # -- state ------------------------------------------------------------------------------
    def to_state(self, ts_event: int = 0, ts_init: int = 0) -> AccountState:
        """A snapshot of the account (timestamps are the caller's)."""
        return AccountState(
            account_id=self._id,
            account_type=self._TYPE,
            balances=tuple(self.balances().values()),
            locks=self.locks(),
            allow_borrowing=self._allow_borrowing,
            ts_event=ts_event,
            ts_init=ts_init,
        )

    @staticmethod
    def from_state(state: AccountState) -> CashAccount | MarginAccount:
        """Rebuild the account a :meth:`to_state` snapshot describes, exactly.

        Raises :class:`~lyra.errors.InvalidInput` when the snapshot is inconsistent (a locked
        amount that is not the sum of its locks and margins, ``free != total - locked``).
        """
        if not isinstance(state, AccountState):
            raise InvalidInput("Account.from_state.state", "must be an AccountState", state)
        account: CashAccount | MarginAccount
        if state.account_type == AccountType.CASH:
            account = CashAccount(state.account_id, allow_borrowing=state.allow_borrowing)
        elif state.account_type == AccountType.MARGIN:
            account = MarginAccount(
                state.account_id,
                default_leverage=state.default_leverage,
                leverages=dict(state.leverages),
                allow_borrowing=state.allow_borrowing,
            )
        else:
            raise InvalidInput(
                "AccountState.account_type", "must be CASH or MARGIN", state.account_type
            )
        for balance in state.balances:
            account._total[balance.currency] = balance.total.raw
        for lock in state.locks:
            account._locks[lock.order_key] = lock
            ccy = lock.amount.currency
            account._locked[ccy] = account._locked.get(ccy, 0) + lock.amount.raw
            account._total.setdefault(ccy, 0)
            account._locks_changed(None, lock)
        if isinstance(account, MarginAccount):
            for margin in state.margins:
                if margin.maintenance.raw:
                    account.update_margin_maint(margin.instrument_id, margin.maintenance)
        for balance in state.balances:
            ccy = balance.currency
            locked = account._locked.get(ccy, 0)
            if balance.locked.raw != locked or balance.free.raw != balance.total.raw - locked:
                raise InvalidInput(
                    "AccountState.balances",
                    f"{ccy.code}: locked must equal the sum of locks and margins "
                    f"({money(locked, ccy)}) and free must be total - locked",
                    balance,
                )
        return account

    def __repr__(self) -> str:
        parts = ", ".join(str(money(t, c)) for c, t in sorted(self._total.items(), key=_code))
        return f"{type(self).__name__}({self._id}, [{parts}])"


def _code(item: tuple[Currency, int]) -> str:
    return item[0].code


class CashAccount(Account):
    """A cash account: no leverage, balances never negative (unless ``allow_borrowing``)."""

    __slots__ = ()
    _TYPE = AccountType.CASH

    def order_lock_amount(
        self, instrument: Instrument, side: OrderSide, quantity: Quantity, price: Price
    ) -> Money:
        """Buy: notional + taker fee (quote currency; settlement for a derivative). Sell of a
        spot pair: the base quantity. Sell of a share: nothing (zero in the quote currency).
        """
        if side == OrderSide.SELL:
            if isinstance(instrument, CurrencyPair):
                base = instrument.base_currency
                return money(rdiv(quantity.raw * instrument.multiplier.raw, SCALE), base)
            if isinstance(instrument, Equity):
                return Money.zero(instrument.quote_currency)
        elif side != OrderSide.BUY:
            raise InvalidInput("side", "must be BUY or SELL", side)
        notional = instrument.notional_value(quantity, price)
        fee = instrument.calculate_fee(quantity, price, LiquiditySide.TAKER)
        currency = notional.currency
        if not isinstance(instrument, (CurrencyPair, Equity)):
            # A linear contract settled in another currency is booked there at 1:1.
            currency = instrument.settlement_currency
        return money(notional.raw + fee.raw, currency)


class MarginAccount(Account):
    """A margin account: leverage per instrument, initial and maintenance margins locked.

    ``default_leverage`` (default 1) applies to instruments without their own
    (:meth:`set_leverage`). Margin = ``notional x rate / leverage``, rounded up to the
    settlement currency's precision; the rate is the instrument's ``margin_init`` (open
    orders) or ``margin_maint`` (positions; hedged positions are netted first).
    """

    __slots__ = ("_default_leverage", "_init", "_leverages", "_maint")

    _TYPE = AccountType.MARGIN

    def __init__(
        self,
        account_id: AccountId | str,
        balances: Iterable[Money] = (),
        *,
        default_leverage: Decimal | int | str = _ONE,
        leverages: Mapping[InstrumentId, Decimal] | None = None,
        allow_borrowing: bool = False,
    ) -> None:
        super().__init__(account_id, balances, allow_borrowing=allow_borrowing)
        self._default_leverage = _check_leverage("MarginAccount.default_leverage", default_leverage)
        self._leverages: dict[InstrumentId, Decimal] = {}
        self._maint: dict[InstrumentId, Money] = {}
        self._init: dict[InstrumentId, Money] = {}
        for iid, lev in (leverages or {}).items():
            self.set_leverage(iid, lev)

    def _refuses_negative(self) -> bool:
        return False

    @property
    def default_leverage(self) -> Decimal:
        """Leverage of instruments without their own."""
        return self._default_leverage

    def leverage(self, instrument_id: InstrumentId) -> Decimal:
        """Leverage applied to ``instrument_id``."""
        return self._leverages.get(instrument_id, self._default_leverage)

    def set_leverage(
        self, instrument_id: InstrumentId | str, leverage: Decimal | int | str
    ) -> None:
        """Set one instrument's leverage (>= 1). Margins already held are not recomputed."""
        self._leverages[InstrumentId(instrument_id)] = _check_leverage(
            "MarginAccount.leverage", leverage
        )

    def _margin(
        self, instrument: Instrument, quantity: Quantity, price: Price, rate: Decimal
    ) -> Money:
        if type(quantity) is not Quantity:
            raise InvalidInput("quantity", "must be a Quantity", quantity)
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        currency = instrument.settlement_currency
        precision = currency.precision
        step = POW10[9 - precision]
        rn, rd = rate.as_integer_ratio()
        ln, ld = self.leverage(instrument.id).as_integer_ratio()
        q = quantity.raw * instrument.multiplier.raw
        p = price.raw
        if instrument.is_inverse:
            if p <= 0:
                raise InvalidInput("price", "must be positive for an inverse contract", price)
            # notional raw = q / p (base currency, 10**-9 units)
            raw = ceil_div(q * rn * ld, p * rd * ln * step) * step
        else:
            # notional raw = q * p / 10**18
            raw = ceil_div(abs(q * p) * rn * ld, 10**18 * rd * ln * step) * step
        if -MONEY_RAW_MAX <= raw <= MONEY_RAW_MAX:
            # a multiple of step: from_raw's checks would all pass
            return _make_money(raw, precision, currency)
        return Money.from_raw(raw, currency, precision)  # raises

    def calculate_margin_init(
        self, instrument: Instrument, quantity: Quantity, price: Price
    ) -> Money:
        """Initial margin of an order: ``notional x margin_init / leverage``, rounded up.

        An instrument with ``margin_init`` 0 (a spot pair traded on a margin account) needs the
        full notional divided by the leverage, the same rule ``lyra.risk`` checks against.
        """
        rate = instrument.margin_init
        return self._margin(instrument, quantity, price, rate if rate > 0 else Decimal(1))

    def calculate_margin_maint(
        self, instrument: Instrument, quantity: Quantity, price: Price
    ) -> Money:
        """Maintenance margin of a position: ``notional x margin_maint / leverage``, rounded up."""
        return self._margin(instrument, quantity, price, instrument.margin_maint)

    def order_lock_amount(
        self, instrument: Instrument, side: OrderSide, quantity: Quantity, price: Price
    ) -> Money:
        """The order's initial margin (either side)."""
        if side not in (OrderSide.BUY, OrderSide.SELL):
            raise InvalidInput("side", "must be BUY or SELL", side)
        return self.calculate_margin_init(instrument, quantity, price)

    def update_margin_maint(self, instrument_id: InstrumentId, margin: Money | None) -> None:
        """Set the maintenance margin locked for a position (``None`` or zero removes it)."""
        old = self._maint.pop(instrument_id, None)
        if old is not None:
            self._locked[old.currency] -= old.raw
        if margin is None or margin.raw == 0:
            return
        _check_money("MarginAccount.update_margin_maint.margin", margin)
        if margin.raw < 0:
            raise ValueOutOfRange("margin", "must not be negative", margin)
        self._maint[instrument_id] = margin
        ccy = margin.currency
        self._locked[ccy] = self._locked.get(ccy, 0) + margin.raw
        self._total.setdefault(ccy, 0)

    def _locks_changed(self, old: OrderLock | None, new: OrderLock | None) -> None:
        init = self._init
        if old is not None and old.instrument_id is not None:
            left = init[old.instrument_id] - old.amount
            if left.raw:
                init[old.instrument_id] = left
            else:
                del init[old.instrument_id]
        if new is not None and new.instrument_id is not None:
            prev = init.get(new.instrument_id)
            init[new.instrument_id] = new.amount if prev is None else prev + new.amount

    def margin_init(self, instrument_id: InstrumentId) -> Money | None:
        """Initial margin locked for the instrument's open orders (``None`` if none)."""
        return self._init.get(instrument_id)

    def margin_maint(self, instrument_id: InstrumentId) -> Money | None:
        """Maintenance margin locked for the instrument's position (``None`` if none)."""
        return self._maint.get(instrument_id)

    def margin(self, instrument_id: InstrumentId) -> MarginBalance | None:
        """Both margins of one instrument (``None`` if it has neither)."""
        init = self._init.get(instrument_id)
        maint = self._maint.get(instrument_id)
        if init is None:
            if maint is None:
                return None
            init = Money.zero(maint.currency)
        elif maint is None:
            maint = Money.zero(init.currency)
        return MarginBalance(instrument_id, init, maint)

    def margins(self) -> dict[InstrumentId, MarginBalance]:
        """Every instrument's margins, sorted by instrument id."""
        out: dict[InstrumentId, MarginBalance] = {}
        for iid in sorted({*self._init, *self._maint}):
            margin = self.margin(iid)
            assert margin is not None
            out[iid] = margin
        return out

    def to_state(self, ts_event: int = 0, ts_init: int = 0) -> AccountState:
        """A snapshot of the account (timestamps are the caller's)."""
        base = super().to_state(ts_event, ts_init)
        return msgspec.structs.replace(
            base,
            margins=tuple(self.margins().values()),
            leverages=tuple(sorted(self._leverages.items())),
            default_leverage=self._default_leverage,
        )
