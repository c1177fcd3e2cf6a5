"""The pre-trade risk pipeline: every check of :mod:`lyra.risk.checks`, configured once.

:class:`RiskEngine` holds the instruments it knows, a :class:`RiskConfig` (rate limits and
order size limits), the trading state, and optional views of the account, the positions and
market prices. It answers three questions, each with ``None`` (allowed) or a
:class:`~lyra.risk.Denial`:

* :meth:`RiskEngine.check_submit` -- may this new order be sent? (also at an emulated order's
  submission, before the emulator holds it);
* :meth:`RiskEngine.check_release` -- may this emulated order, now released, be sent?
* :meth:`RiskEngine.check_modify` -- may this order be changed to this quantity / price /
  trigger price?

Cancels are never checked (:meth:`RiskEngine.check_cancel` always allows): a halt must never
trap an order in the market. The checks decide and change nothing; the ``process_*``
methods also build the event (:class:`~lyra.orders.OrderDenied` for a submit or release,
:class:`~lyra.orders.OrderModifyRejected` for a modify) and apply it to the order only when
asked (``apply=True``).

Submit pipeline, in order (the first failure is returned):

1. the instrument is registered (``INSTRUMENT_NOT_FOUND``);
2. trading state, the stricter of the global and the instrument's (``TRADING_HALTED``,
   ``TRADING_REDUCING``);
3. a GTD order's expire time is after now (``GTD_EXPIRED``);
4. price, trigger price and activation price: grid, sign, bounds (``PRICE_*``);
5. quantity: positive, grid, bounds; an iceberg's display quantity on the grid (``QTY_*``);
6. the reference price, when a later check needs one (``NO_REFERENCE_PRICE``); a
   quote-quantity order's size converted to base within min/max (``QTY_*``);
7. the instrument's min/max notional (``NOTIONAL_*``);
8. the configured maximum order quantity / notional (``MAX_ORDER_*``);
9. reduce-only against the net position (``REDUCE_ONLY_*``), when a PositionView is set;
10. free balance or initial margin (``INSUFFICIENT_*``), when an AccountView is set;
11. the user's own checks, in the order given;
12. the submit rate limit (``RATE_LIMITED``) -- last, so that only orders that passed every
    other check are counted.

**Emulated orders** are checked at submit and again at release. At release every check runs
again -- trading state, GTD, prices, quantity, notional, limits, reduce-only (the position may
be gone), balance (it may have changed) -- with the market price as the reference for the
types that become market orders when released (STOP_MARKET, MARKET_IF_TOUCHED,
TRAILING_STOP_MARKET): ``released_price=``, else ``last_price=``, else the PriceSource, else
the trigger price. The **rate limit is counted once, at submit**, never at release: the
release is driven by the market, and a triggered stop-loss must not be throttled by
commands the user sent earlier. Call :meth:`~RiskEngine.process_release` after the emulator
applied ``OrderReleased`` (status RELEASED): the order state machine allows ``OrderDenied``
from RELEASED, not from EMULATED.

**Modifies** reuse the checks on what changes: HALTED denies every modify; REDUCING denies a
quantity increase unless the modified order still reduces the position; a new price / trigger
price is checked like a submit's; a new quantity like a submit's; notional bounds and limits
are checked on the new total quantity at the new price; a reduce-only order's new open
quantity must still fit the position; the balance check covers only what the modify adds
(the increase in the value of the open quantity; for a cash SELL the increase in quantity),
and a reduce-only modify needs no margin; then the modify rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Final

import msgspec

from lyra.clock import Clock
from lyra.errors import InvalidInput
from lyra.model.enums import AccountType, OrderSide, TimeInForce
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import Instrument
from lyra.model.values import Price, Quantity
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import OrderDenied, OrderModifyRejected
from lyra.orders.order import Order
from lyra.risk.checks import (
    _LIMIT_PRICED,
    _OTHER,
    _TRAILING,
    _TRIGGER_PRICED,
    MaxOrderSize,
    _gtd_denial,
    _InstrumentRules,
    _leaves,
    _leverage_ratio,
    _Limits,
    _reduce_only_denial,
    _state_denial,
    order_reference_price,
    reduces_position,
)
from lyra.risk.denials import Denial, DenialCode, TradingState
from lyra.risk.rate_limit import RateLimit, RateLimiter
from lyra.risk.views import AccountView, PositionView, PriceSource

__all__ = ("CustomCheck", "RiskConfig", "RiskEngine")

CustomCheck = Callable[[Order, Instrument], Denial | None]
"""A user check run by the engine after its own: ``(order, instrument) -> Denial | None``."""

_ACTIVE: Final = TradingState.ACTIVE
_HALTED: Final = TradingState.HALTED
_REDUCING: Final = TradingState.REDUCING
_SEVERITY: Final = {_ACTIVE: 0, _REDUCING: 1, _HALTED: 2}
_GTD: Final = TimeInForce.GTD
_MARGIN: Final = AccountType.MARGIN
_CASH: Final = AccountType.CASH
_BUY: Final = OrderSide.BUY
_PER_SECOND_100: Final = RateLimit(100, 1_000_000_000)


class RiskConfig(msgspec.Struct, frozen=True, gc=False):
    """What the engine enforces beyond the instrument's own rules (serializable with
    :mod:`lyra.model.codec`, e.g. ``encode_json`` / ``decode_json(data, type=RiskConfig)``).

    ``submit_rate`` / ``modify_rate``: sliding-window rate limits (``None`` = unlimited;
    default 100 per second each). ``max_order_size``: a limit for every instrument;
    ``max_order_size_per_instrument``: limits that replace it for some instruments.
    """

    submit_rate: RateLimit | None = _PER_SECOND_100
    modify_rate: RateLimit | None = _PER_SECOND_100
    max_order_size: MaxOrderSize | None = None
    max_order_size_per_instrument: dict[InstrumentId, MaxOrderSize] = msgspec.field(
        default_factory=dict
    )


class _Record:
    """One registered instrument: its rules, limits and trading state (private)."""

    __slots__ = ("effective", "limits", "needs_price", "rules", "state", "where")

    def __init__(self, rules: _InstrumentRules, limits: _Limits | None) -> None:
        self.rules = rules
        self.limits = limits
        self.needs_price = (
            rules.min_notional is not None
            or rules.max_notional is not None
            or (limits is not None and limits.notional is not None)
        )
        self.state = _ACTIVE
        self.effective = _ACTIVE
        self.where = "globally"


def _as_instrument_id(value: InstrumentId | str) -> InstrumentId:
    return value if isinstance(value, InstrumentId) else InstrumentId(value)


class RiskEngine:
    """Pre-trade risk checks for submits, releases and modifies (see the module docs).

    Args:
        clock: the clock for GTD expiry and the rate limits (a
            :class:`~lyra.clock.TestClock` makes every decision deterministic).
        instruments: the instruments to accept orders for (more with
            :meth:`add_instrument`); an order for any other is denied.
        config: rate limits and order size limits (default :class:`RiskConfig`).
        account: the account whose free balance orders must fit (no balance check if None).
        positions: net positions, for reduce-only, REDUCING and margin relief (reduce-only
            is then left to the venue, and REDUCING denies everything, if None).
        prices: where to find a reference price for orders without one; ``last_price=`` on
            a call takes precedence.
        checks: your own checks, run after the built-in ones and before the rate limit, at
            submit and at release.
        events: the :class:`~lyra.orders.EventFactory` that numbers denial events (default:
            one on ``clock`` with ids ``"RISK-<n>"``).
    """

    __slots__ = (
        "_account",
        "_checks",
        "_config",
        "_events",
        "_global_state",
        "_instrument_states",
        "_lev_cache",
        "_modify_limiter",
        "_now",
        "_positions",
        "_prices",
        "_records",
        "_submit_limiter",
    )

    def __init__(
        self,
        clock: Clock,
        *,
        instruments: Iterable[Instrument] = (),
        config: RiskConfig | None = None,
        account: AccountView | None = None,
        positions: PositionView | None = None,
        prices: PriceSource | None = None,
        checks: Sequence[CustomCheck] = (),
        events: EventFactory | None = None,
    ) -> None:
        if config is None:
            config = RiskConfig()
        elif not isinstance(config, RiskConfig):
            raise InvalidInput("config", "must be a RiskConfig", config)
        self._config = config
        self._now = clock.timestamp_ns
        self._account = account
        self._positions = positions
        self._prices = prices
        self._checks = tuple(checks)
        for check in self._checks:
            if not callable(check):
                raise InvalidInput("checks", "must hold callables (order, instrument)", check)
        self._events = EventFactory(clock, id_prefix="RISK-") if events is None else events
        self._submit_limiter = (
            None if config.submit_rate is None else RateLimiter(config.submit_rate, clock)
        )
        self._modify_limiter = (
            None
            if config.modify_rate is None
            else RateLimiter(config.modify_rate, clock, what="modify")
        )
        self._global_state = _ACTIVE
        self._instrument_states: dict[InstrumentId, TradingState] = {}
        self._records: dict[InstrumentId, _Record] = {}
        self._lev_cache: dict[Decimal, tuple[int, int]] = {}
        for instrument in instruments:
            self.add_instrument(instrument)

    # -- configuration --------------------------------------------------------------------------
    @property
    def config(self) -> RiskConfig:
        """The configuration the engine was built with."""
        return self._config

    @property
    def account(self) -> AccountView | None:
        """The account whose balance orders are checked against (settable)."""
        return self._account

    @account.setter
    def account(self, account: AccountView | None) -> None:
        self._account = account
        self._lev_cache.clear()

    @property
    def positions(self) -> PositionView | None:
        """The position view (settable)."""
        return self._positions

    @positions.setter
    def positions(self, positions: PositionView | None) -> None:
        self._positions = positions

    @property
    def prices(self) -> PriceSource | None:
        """The price source for orders without a price (settable)."""
        return self._prices

    @prices.setter
    def prices(self, prices: PriceSource | None) -> None:
        self._prices = prices

    @property
    def events(self) -> EventFactory:
        """The factory that makes the denial events."""
        return self._events

    @property
    def submit_limiter(self) -> RateLimiter | None:
        """The submit rate limiter (``None`` when unlimited)."""
        return self._submit_limiter

    @property
    def modify_limiter(self) -> RateLimiter | None:
        """The modify rate limiter (``None`` when unlimited)."""
        return self._modify_limiter

    def add_instrument(self, instrument: Instrument) -> None:
        """Accept orders for ``instrument`` (replacing an earlier definition of it).

        Raises :class:`~lyra.errors.InvalidInput` when its per-instrument notional limit is
        not in its notional currency.
        """
        rules = _InstrumentRules(instrument)
        config = self._config
        per = config.max_order_size_per_instrument.get(instrument.id)
        if per is not None:
            limits = rules.compile_limits(per, strict=True)
        else:
            limits = rules.compile_limits(config.max_order_size, strict=False)
        record = _Record(rules, limits)
        record.state = self._instrument_states.get(instrument.id, _ACTIVE)
        self._records[instrument.id] = record
        self._refresh(record)

    @property
    def instrument_ids(self) -> tuple[InstrumentId, ...]:
        """The instruments the engine accepts orders for."""
        return tuple(self._records)

    # -- trading state --------------------------------------------------------------------------
    def set_trading_state(
        self, state: TradingState, instrument_id: InstrumentId | str | None = None
    ) -> None:
        """Set the global trading state, or one instrument's. An order is held to the
        stricter of the two (HALTED over REDUCING over ACTIVE)."""
        state = TradingState(state)
        if instrument_id is None:
            self._global_state = state
            for record in self._records.values():
                self._refresh(record)
            return
        iid = _as_instrument_id(instrument_id)
        self._instrument_states[iid] = state
        found = self._records.get(iid)
        if found is not None:
            found.state = state
            self._refresh(found)

    def trading_state(self, instrument_id: InstrumentId | str | None = None) -> TradingState:
        """The state as set: the global one, or the instrument's own (ACTIVE if never set)."""
        if instrument_id is None:
            return self._global_state
        return self._instrument_states.get(_as_instrument_id(instrument_id), _ACTIVE)

    def effective_trading_state(self, instrument_id: InstrumentId | str) -> TradingState:
        """The state orders for ``instrument_id`` are held to: the stricter of the two."""
        own = self.trading_state(instrument_id)
        glob = self._global_state
        return own if _SEVERITY[own] > _SEVERITY[glob] else glob

    def _refresh(self, record: _Record) -> None:
        own, glob = record.state, self._global_state
        if _SEVERITY[own] > _SEVERITY[glob]:
            record.effective = own
            record.where = f"for {record.rules.instrument_id}"
        else:
            record.effective = glob
            record.where = "globally"

    # -- decisions ------------------------------------------------------------------------------
    def check_submit(self, order: Order, *, last_price: Price | None = None) -> Denial | None:
        """Whether ``order`` may be sent (or handed to the emulator): ``None`` or a denial.

        ``last_price`` values an order without a price of its own (MARKET, ...) ahead of the
        PriceSource. When the order passes, it is counted against the submit rate limit.
        """
        record = self._records.get(order.instrument_id)
        if record is None:
            return self._unknown(order)
        denial = self._evaluate(order, record, last_price, False)
        if denial is not None:
            return denial
        limiter = self._submit_limiter
        if limiter is not None:
            return limiter.check()
        return None

    def check_release(
        self,
        order: Order,
        *,
        released_price: Price | None = None,
        last_price: Price | None = None,
    ) -> Denial | None:
        """Whether an emulated order, being released, may be sent: every check again, with
        the market price (``released_price``, else ``last_price``, else the PriceSource)
        valuing the types that become market orders. Not counted against the rate limit."""
        record = self._records.get(order.instrument_id)
        if record is None:
            return self._unknown(order)
        return self._evaluate(
            order, record, released_price if released_price is not None else last_price, True
        )

    def check_modify(
        self,
        order: Order,
        *,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        last_price: Price | None = None,
    ) -> Denial | None:
        """Whether ``order`` may be changed to the given total ``quantity`` / ``price`` /
        ``trigger_price`` (``None`` = unchanged). Counted against the modify rate limit when
        it passes."""
        record = self._records.get(order.instrument_id)
        if record is None:
            return self._unknown(order)
        denial = self._evaluate_modify(order, record, quantity, price, trigger_price, last_price)
        if denial is not None:
            return denial
        limiter = self._modify_limiter
        if limiter is not None:
            return limiter.check()
        return None

    def check_cancel(self, order: Order) -> Denial | None:
        """Cancels are always allowed, in every trading state: always ``None``. (It exists
        so that code routing every command through risk has one call per command.)"""
        return None

    # -- decisions turned into events -----------------------------------------------------------
    def denied_event(self, order: Order, denial: Denial) -> OrderDenied:
        """The :class:`~lyra.orders.OrderDenied` for ``denial`` (not applied)."""
        return self._events.denied(order, denial.message, str(denial.code))

    def modify_rejected_event(self, order: Order, denial: Denial) -> OrderModifyRejected:
        """The :class:`~lyra.orders.OrderModifyRejected` for a modify ``denial`` (not applied)."""
        return self._events.modify_rejected(
            order,
            denial.message,
            str(denial.code),
            venue_order_id=order.venue_order_id,
            account_id=order.account_id,
        )

    def process_submit(
        self, order: Order, *, last_price: Price | None = None, apply: bool = False
    ) -> OrderDenied | None:
        """:meth:`check_submit`, and on a denial the ``OrderDenied`` event, applied to the
        order when ``apply`` is true."""
        denial = self.check_submit(order, last_price=last_price)
        if denial is None:
            return None
        event = self.denied_event(order, denial)
        if apply:
            order.apply(event)
        return event

    def process_release(
        self,
        order: Order,
        *,
        released_price: Price | None = None,
        last_price: Price | None = None,
        apply: bool = False,
    ) -> OrderDenied | None:
        """:meth:`check_release`, and on a denial the ``OrderDenied`` event, applied when
        ``apply`` is true (the order must be RELEASED: the state machine has no EMULATED ->
        DENIED transition, and applying then raises
        :class:`~lyra.orders.InvalidTransition`)."""
        denial = self.check_release(order, released_price=released_price, last_price=last_price)
        if denial is None:
            return None
        event = self.denied_event(order, denial)
        if apply:
            order.apply(event)
        return event

    def process_modify(
        self,
        order: Order,
        *,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
        last_price: Price | None = None,
        apply: bool = False,
    ) -> OrderModifyRejected | None:
        """:meth:`check_modify`, and on a denial the ``OrderModifyRejected`` event, applied
        when ``apply`` is true (the order must be at the venue: SUBMITTED or later)."""
        denial = self.check_modify(
            order,
            quantity=quantity,
            price=price,
            trigger_price=trigger_price,
            last_price=last_price,
        )
        if denial is None:
            return None
        event = self.modify_rejected_event(order, denial)
        if apply:
            order.apply(event)
        return event

    # -- the pipeline -----------------------------------------------------------------------------
    def _unknown(self, order: Order) -> Denial:
        return Denial(
            DenialCode.INSTRUMENT_NOT_FOUND,
            f"instrument {order.instrument_id} is not registered with the risk engine",
            "instrument_id",
        )

    def _market_price(
        self, order: Order, rules: _InstrumentRules, last_price: Price | None
    ) -> Price | None:
        if last_price is not None:
            return last_price
        prices = self._prices
        if prices is None:
            return None
        return prices.reference_price(rules.instrument_id, order.side)

    def _leverage(self, account: AccountView, rules: _InstrumentRules) -> tuple[int, int]:
        lev = account.leverage(rules.instrument_id)
        ratio = self._lev_cache.get(lev)
        if ratio is None:
            ratio = _leverage_ratio(lev, rules.instrument_id)
            if len(self._lev_cache) > 64:
                self._lev_cache.clear()
            self._lev_cache[lev] = ratio
        return ratio

    def _evaluate(
        self, order: Order, record: _Record, market: Price | None, at_release: bool
    ) -> Denial | None:
        """Steps 2-11 of the submit pipeline (submit and release)."""
        init = order.init
        rules = record.rules
        qty = order.quantity
        side = order.side
        positions = self._positions
        state = record.effective
        if state is not _ACTIVE:
            net = (
                None
                if positions is None or state is _HALTED
                else positions.net_position(rules.instrument_id)
            )
            denial = _state_denial(state, side, qty, net, record.where)
            if denial is not None:
                return denial
        if init.time_in_force == _GTD:
            expire = init.expire_time_ns
            now = self._now()
            if expire is not None and expire <= now:
                return _gtd_denial(expire, now)
        price = order.price
        if price is not None:
            denial = rules.check_price(price, "price")
            if denial is not None:
                return denial
        trigger = order.trigger_price
        if trigger is not None:
            denial = rules.check_price(trigger, "trigger_price")
            if denial is not None:
                return denial
        activation = init.activation_price
        if activation is not None:
            denial = rules.check_price(activation, "activation_price")
            if denial is not None:
                return denial
        quote_qty = order.quote_quantity
        if quote_qty:
            if not qty.raw:
                return Denial(
                    DenialCode.QTY_NOT_POSITIVE, f"quantity {qty} must be positive", "quantity"
                )
        else:
            denial = rules.check_qty(qty, "quantity")
            if denial is not None:
                return denial
            display = init.display_qty
            if display is not None:
                denial = rules.check_qty_grid(display, "display_qty")
                if denial is not None:
                    return denial
        if init.order_type in _LIMIT_PRICED:
            ref = price
        else:
            ref = order_reference_price(
                order, self._market_price(order, rules, market), at_release=at_release
            )
        account = self._account
        if ref is None or not rules.price_usable(ref):
            if record.needs_price or quote_qty or _checks_balance(account):
                return rules.no_reference(order, ref)
            num = den = 0
        else:
            num, den = rules.notional(qty.raw, ref.raw, quote_qty)
            if quote_qty:
                denial = rules.check_quote_qty(qty, ref)
                if denial is not None:
                    return denial
            if record.needs_price:
                denial = rules.check_notional(num, den, qty, ref, quote_qty)
                if denial is not None:
                    return denial
        limits = record.limits
        if limits is not None:
            denial = rules.check_limits(limits, qty, ref, quote_qty, num, den)
            if denial is not None:
                return denial
        if init.reduce_only and positions is not None:
            net = positions.net_position(rules.instrument_id)
            denial = _reduce_only_denial(side, qty, net, rules.instrument_id)
            if denial is not None:
                return denial
        if account is not None and ref is not None:  # no ref: no balance check runs
            atype = account.account_type
            if atype in (_CASH, _MARGIN):
                lev = self._leverage(account, rules) if atype == _MARGIN else None
                denial = rules.check_balance(
                    account, side, qty, ref, quote_qty, num, den, positions, lev
                )
                if denial is not None:
                    return denial
        for check in self._checks:
            denial = check(order, rules.instrument)
            if denial is not None:
                return denial
        return None

    def _evaluate_modify(
        self,
        order: Order,
        record: _Record,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
        last_price: Price | None,
    ) -> Denial | None:
        rules = record.rules
        side = order.side
        old_qty = order.quantity
        new_qty = old_qty if quantity is None else quantity
        old_leaves = _leaves(order, None)
        new_leaves = _leaves(order, new_qty)
        positions = self._positions
        iid = rules.instrument_id
        state = record.effective
        if state is _HALTED:
            return _state_denial(state, side, new_leaves, None, record.where)
        if state is _REDUCING and new_qty.raw > old_qty.raw:
            net = None if positions is None else positions.net_position(iid)
            if net is None or not reduces_position(side, new_leaves, net):
                denial = _state_denial(state, side, new_leaves, net, record.where)
                if denial is not None:
                    return Denial(
                        denial.code,
                        f"{denial.message} (the modify increases the quantity from {old_qty} "
                        f"to {new_qty})",
                        "quantity",
                    )
        if price is not None:
            denial = rules.check_price(price, "price")
            if denial is not None:
                return denial
        if trigger_price is not None:
            denial = rules.check_price(trigger_price, "trigger_price")
            if denial is not None:
                return denial
        quote_qty = order.quote_quantity
        if quantity is not None:
            if quote_qty:
                if not quantity.raw:
                    return Denial(
                        DenialCode.QTY_NOT_POSITIVE,
                        f"quantity {quantity} must be positive",
                        "quantity",
                    )
            else:
                denial = rules.check_qty(quantity, "quantity")
                if denial is not None:
                    return denial
        old_ref = order_reference_price(order, self._market_price(order, rules, last_price))
        new_ref = _modified_reference(order, price, trigger_price, old_ref)
        if old_ref is not None and not rules.price_usable(old_ref):
            old_ref = None
        account = self._account
        limits = record.limits
        if new_ref is None or not rules.price_usable(new_ref):
            if record.needs_price or quote_qty or _checks_balance(account):
                return rules.no_reference(order, new_ref)
            new_ref = None
            num = den = 0
        else:
            num, den = rules.notional(new_qty.raw, new_ref.raw, quote_qty)
            if quote_qty:
                denial = rules.check_quote_qty(new_qty, new_ref)
                if denial is not None:
                    return denial
            if record.needs_price:
                denial = rules.check_notional(num, den, new_qty, new_ref, quote_qty)
                if denial is not None:
                    return denial
        if limits is not None:
            denial = rules.check_limits(limits, new_qty, new_ref, quote_qty, num, den)
            if denial is not None:
                return denial
        reduce_only = order.init.reduce_only
        if reduce_only and positions is not None:
            net = positions.net_position(iid)
            denial = _reduce_only_denial(side, new_leaves, net, iid)
            if denial is not None:
                return denial
        if account is not None and new_ref is not None:
            return self._modify_balance(
                account, rules, order, old_leaves, new_leaves, old_ref, new_ref, reduce_only
            )
        return None

    def _modify_balance(
        self,
        account: AccountView,
        rules: _InstrumentRules,
        order: Order,
        old_leaves: Quantity,
        new_leaves: Quantity,
        old_ref: Price | None,
        new_ref: Price,
        reduce_only: bool,
    ) -> Denial | None:
        """The balance check on what a modify adds (all of it when the order's current value
        is unknown)."""
        atype = account.account_type
        if atype != _CASH and atype != _MARGIN:
            return None
        if atype == _MARGIN and reduce_only:
            return None  # the reduce-only check proved it closes, which needs no margin
        side = order.side
        quote_qty = order.quote_quantity
        if atype == _CASH and side is not _BUY and rules.kind != _OTHER:
            extra = new_leaves.raw - old_leaves.raw
            if extra <= 0:
                return None
            # Free base excludes what the order already locks: check the increase. A long
            # position (no base currency) is not locked: check the whole open quantity.
            delta = (
                Quantity.from_raw(extra, max(new_leaves.precision, old_leaves.precision))
                if rules.base is not None
                else new_leaves
            )
            return rules.check_balance(
                account, side, delta, new_ref, quote_qty, 0, 1, self._positions, None
            )
        n1, d1 = rules.notional(new_leaves.raw, new_ref.raw, quote_qty)
        if old_ref is None:
            n0, d0 = 0, 1
        else:
            n0, d0 = rules.notional(old_leaves.raw, old_ref.raw, quote_qty)
        num = n1 * d0 - n0 * d1
        if num <= 0:
            return None
        den = d1 * d0
        extra_raw = max(new_leaves.raw - old_leaves.raw, 0)
        delta = Quantity.from_raw(extra_raw, max(new_leaves.precision, old_leaves.precision))
        lev = self._leverage(account, rules) if atype == _MARGIN else None
        return rules.check_balance(account, side, delta, new_ref, quote_qty, num, den, None, lev)


def _checks_balance(account: AccountView | None) -> bool:
    """Whether a balance check will run (and so needs a reference price)."""
    return account is not None and account.account_type in (_CASH, _MARGIN)


def _modified_reference(
    order: Order, price: Price | None, trigger_price: Price | None, current: Price | None
) -> Price | None:
    """The reference price after a modify: the new limit / trigger price where it is the
    one that values the order, else the current reference."""
    ot = order.init.order_type
    if ot in _LIMIT_PRICED:
        return current if price is None else price
    if ot in _TRIGGER_PRICED:
        return current if trigger_price is None else trigger_price
    if ot in _TRAILING:
        if price is not None:
            return price
        if order.price is None and trigger_price is not None:
            return trigger_price
    return current
