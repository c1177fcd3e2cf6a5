"""The :class:`OrderEmulator`: holds orders a venue cannot take and releases them at trigger.

An emulator sits in front of one :class:`~lyra.venue.Venue`. Give it orders with
:meth:`OrderEmulator.submit_order` (and change them with ``modify_order`` / ``cancel_order``)
as you would give them to the venue:

* an order is **emulated** when it asks to be (``emulation_trigger`` set) or, with
  :attr:`EmulatorConfig.auto_emulate`, when the venue's
  :meth:`~lyra.venue.VenueCapabilities.supports` says it lacks the order type, trigger type,
  trailing offset unit or activation price the order needs (and emulating fixes that);
* every other order goes straight to the venue.

An emulated order is held locally (``OrderEmulated``: EMULATED) in a
:class:`~lyra.emulator.TriggerBook` per instrument, fed by quotes, trades, mark and index
prices from the bus. When the market reaches its trigger the emulator applies
``OrderReleased`` (RELEASED, ``released_price`` = the ask for a BUY / the bid for a SELL, else
the last trade) and submits a **venue order** in its place (:func:`release_init`):

============================================= ================================================
emulated order                                released as
============================================= ================================================
STOP_MARKET, MARKET_IF_TOUCHED,               MARKET (time in force kept; GTD becomes GTC,
TRAILING_STOP_MARKET                          which a market order cannot carry)
STOP_LIMIT, LIMIT_IF_TOUCHED,                 LIMIT at the order's (trailed) limit price, with
TRAILING_STOP_LIMIT, LIMIT                    its time in force, expiry, post-only, iceberg
============================================= ================================================

**Client order id rule.** The venue order carries the *same* client order id as the
emulated order (as NautilusTrader's emulator does). Lyra's ids already use the whole
18-character budget the strictest venues allow, so no suffix would fit; one id also means the
venue's events for it are the order's events: the emulator applies each of them to the
emulated order (before any other subscriber sees it), so the order object you hold goes
SUBMITTED, ACCEPTED, TRIGGERED, FILLED like a native one, and every event is published once.
After ``OrderAccepted`` of the venue order, an order with a trigger gets ``OrderTriggered``
(``ts_event`` = when the market triggered it). Command a released order through the emulator
(it forwards to the venue order); the venue order itself is :meth:`venue_order`.

**Risk.** With a :class:`~lyra.risk.RiskEngine`, every order is checked at submit
(``check_submit``: counted against the rate limit once), an emulated order again at release
(``check_release``, valued at the release price; not rate-limited), and modifies with
``check_modify``. A denial at release is ``OrderDenied`` on the RELEASED order (DENIED): the
state machine has no EMULATED -> DENIED transition, which is why the order is released first.

**On arrival** a stop or if-touched order whose trigger is already reached is refused
(``OrderDenied``, code ``TRIGGER_IN_MARKET``, the market in the reason), as the simulated
exchange does, unless :attr:`EmulatorConfig.reject_in_market` is false: then it is released at
once. An emulated LIMIT order already touched is always released at once.

**Local commands.** Cancelling or modifying an EMULATED order is local: ``OrderCanceled`` /
``OrderUpdated`` are applied and published, and the venue hears nothing. GTD orders expire at
their expire time and DAY orders at their instrument's session close, on the clock, even if no
data arrives (``OrderExpired``).

**A venue in front of a venue.** The emulator implements the whole
:class:`~lyra.venue.Venue` protocol: identity, connection, data subscriptions, ``adopt_orders``,
``reconcile`` and ``async with`` are the wrapped venue's (:attr:`OrderEmulator.inner`);
:attr:`OrderEmulator.capabilities` adds what it emulates (:func:`emulated_capabilities`) and
offers no native contingency lists, so a :class:`~lyra.contingency.ContingencyManager` over
it enforces lists itself and hands members that need emulation to it.

Events the emulator makes are numbered ``<EmulatorConfig.id_prefix><n>`` and published on
:func:`lyra.topics.order_events` of the order's strategy, after being applied.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import msgspec

import lyra.model.identifiers as identifiers
from lyra import topics
from lyra.bus import EventBus
from lyra.clock import Clock, TimeEvent
from lyra.emulator.data import IndexPrice, MarkPrice, index_price_topic, mark_price_topic
from lyra.emulator.state import EmulatorState, HeldOrderState, ReleasedOrderState
from lyra.emulator.trailing import TrailingState, offset_raw
from lyra.emulator.triggers import Arm, Direction, TriggerBook, TriggerEntry, reference_x2
from lyra.errors import InvalidInput, InvalidOrder, InvalidTransition, LyraError, NotSupported
from lyra.model.data import BarType, QuoteTick, TradeTick
from lyra.model.enums import (
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId
from lyra.model.instruments import Instrument
from lyra.model.values import FIXED_PRECISION, Price, Quantity
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import (
    OrderAccepted,
    OrderEmulated,
    OrderEvent,
    OrderInitialized,
    OrderReleased,
    OrderTriggered,
)
from lyra.orders.lists import OrderList
from lyra.orders.order import ApplyOutcome, Order
from lyra.orders.serialization import OrderRecord
from lyra.orders.validation import (
    EMULATION_TYPES,
    PRICE_OPTIONAL_TYPES,
    PRICE_REQUIRED_TYPES,
    TRAILING_TYPES,
    TRIGGER_OPTIONAL_TYPES,
    TRIGGER_REQUIRED_TYPES,
    TRIGGERABLE_TYPES,
)
from lyra.venue.capabilities import VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import AnomalyKind, ConnectionStatus, VenueAnomaly
from lyra.venue.reports import ReconciliationReport
from lyra.venue.unset import UNSET, Unset

if TYPE_CHECKING:
    from lyra.risk.engine import RiskEngine
    from lyra.venue.protocol import Venue

__all__ = (
    "MIRROR_PRIORITY",
    "RELEASED_AS",
    "TRIGGER_REPORT_PRIORITY",
    "EmulatorCode",
    "EmulatorConfig",
    "OrderEmulator",
    "emulated_capabilities",
    "emulation_trigger_type",
    "release_init",
)

_V = TypeVar("_V")
_S = OrderStatus
_T = OrderType
_EMULATED: Final = _S.EMULATED
_RELEASED: Final = _S.RELEASED
_INITIALIZED: Final = _S.INITIALIZED
_DUPLICATE: Final = ApplyOutcome.DUPLICATE

MIRROR_PRIORITY: Final = 1_000_000
"""Bus priority at which the emulator applies a venue order's events to the emulated order
(before any ordinary subscriber sees them)."""
TRIGGER_REPORT_PRIORITY: Final = -1_000_000
"""Bus priority at which ``OrderTriggered`` is published, once every subscriber has seen the
venue's ``OrderAccepted``."""

RELEASED_AS: Final[Mapping[OrderType, OrderType]] = {
    _T.LIMIT: _T.LIMIT,
    _T.STOP_MARKET: _T.MARKET,
    _T.MARKET_IF_TOUCHED: _T.MARKET,
    _T.TRAILING_STOP_MARKET: _T.MARKET,
    _T.STOP_LIMIT: _T.LIMIT,
    _T.LIMIT_IF_TOUCHED: _T.LIMIT,
    _T.TRAILING_STOP_LIMIT: _T.LIMIT,
}
"""The order type each emulated type is released to the venue as."""

_PRICED: Final = PRICE_REQUIRED_TYPES | PRICE_OPTIONAL_TYPES
_TRIGGERED_TYPES: Final = TRIGGER_REQUIRED_TYPES | TRIGGER_OPTIONAL_TYPES
# gaps of a venue that emulating the order removes
_FIXABLE: Final = frozenset(
    {"ORDER_TYPE", "TRIGGER_TYPE", "TRAILING_OFFSET_TYPE", "ACTIVATION_PRICE"}
)
_LOCAL_TRIGGERS: Final = frozenset({TriggerType.NO_TRIGGER, TriggerType.DEFAULT})
_EMULATED_TRIGGERS: Final = frozenset(TriggerType) - _LOCAL_TRIGGERS
_EMULATED_OFFSETS: Final = frozenset(TrailingOffsetType) - {TrailingOffsetType.NO_TRAILING_OFFSET}
_CLOSED: Final = frozenset({_S.DENIED, _S.REJECTED, _S.CANCELED, _S.EXPIRED, _S.FILLED})


class EmulatorCode(enum.StrEnum):
    """Codes of the emulator's own refusals (value equals name). It also uses
    ``DUPLICATE_CLIENT_ORDER_ID``, ``NOT_SUPPORTED`` and ``INVALID_ORDER`` of
    :class:`~lyra.venue.RejectCode` and the risk engine's codes."""

    TRIGGER_IN_MARKET = "TRIGGER_IN_MARKET"
    """The order's trigger (or a trailing order's activation price) was already reached on
    arrival or by a modify."""
    INSTRUMENT_NOT_FOUND = "INSTRUMENT_NOT_FOUND"
    """The emulator does not know the order's instrument (its price increment is needed)."""
    GTD_EXPIRED = "GTD_EXPIRED"
    """A GTD order whose expire time has already passed."""
    RELEASE_FAILED = "RELEASE_FAILED"
    """The venue raised when given the release order; the emulated order is denied."""


class EmulatorConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How an :class:`OrderEmulator` behaves.

    ``auto_emulate``: emulate orders the venue lacks something for (otherwise only orders
    with ``emulation_trigger`` set). ``reject_in_market``: refuse a stop or if-touched order
    whose trigger is already reached on arrival (otherwise release it at once).
    ``request_data``: subscribe the venue's quotes / trades for instruments with held orders
    (counted, released when no order needs them). ``id_prefix``: what the emulator's event
    ids (and clock alert names) start with.
    """

    auto_emulate: bool = True
    reject_in_market: bool = True
    request_data: bool = True
    id_prefix: str = "EMU-"


def emulation_trigger_type(order: Order) -> TriggerType:
    """The price stream an emulated order follows: its ``emulation_trigger`` if that names
    one, else its ``trigger_type`` if that does, else BID_ASK (DEFAULT means BID_ASK)."""
    et = order.emulation_trigger
    if et not in _LOCAL_TRIGGERS:
        return et
    tt = order.trigger_type
    if tt not in _LOCAL_TRIGGERS:
        return tt
    return TriggerType.BID_ASK


def emulated_capabilities(capabilities: VenueCapabilities) -> VenueCapabilities:
    """What a venue with ``capabilities`` supports behind an :class:`OrderEmulator`: its own
    features plus every emulatable order type whose release type it takes, every trigger type,
    every trailing offset unit and activation prices; no native contingency lists."""
    types = capabilities.order_types
    emulated = frozenset(t for t, r in RELEASED_AS.items() if r in types)
    trailing = emulated & TRAILING_TYPES
    return msgspec.structs.replace(
        capabilities,
        order_types=types | emulated,
        trigger_types=capabilities.trigger_types | _EMULATED_TRIGGERS,
        trailing_offset_types=capabilities.trailing_offset_types
        | (_EMULATED_OFFSETS if trailing else frozenset()),
        activation_price=capabilities.activation_price or bool(trailing),
        contingencies=(),
    )


def release_init(
    order: Order, *, event_id: str, ts_ns: int, price: Price | None = None
) -> OrderInitialized:
    """The specification of the venue order that replaces emulated ``order`` at release.

    Same client order id, strategy, instrument, side, quantity, reduce-only, quote-quantity,
    tags and contingency fields; type per :data:`RELEASED_AS`; a LIMIT keeps the time in
    force, expiry, post-only and display quantity and takes ``price`` (default: the order's
    current limit price); a MARKET keeps the time in force except GTD, which becomes GTC.
    Raises :class:`~lyra.errors.InvalidOrder` for a type that cannot be released or a limit
    order without a limit price yet (a trailing stop-limit not yet activated).
    """
    otype = RELEASED_AS.get(order.order_type)
    if otype is None:
        raise InvalidOrder(
            "order_type", f"{order.order_type.name} orders cannot be emulated", order.order_type
        )
    init = order.init
    market = otype is _T.MARKET
    tif = order.time_in_force
    expire = order.expire_time_ns
    limit: Price | None = None
    if market:
        if tif is TimeInForce.GTD:
            tif, expire = TimeInForce.GTC, None
    else:
        limit = order.price if price is None else price
        if limit is None:
            raise InvalidOrder("price", "is not known yet: the order has no limit price", None)
    return OrderInitialized(
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
        event_id=event_id,
        ts_event=ts_ns,
        ts_init=ts_ns,
        side=order.side,
        order_type=otype,
        quantity=order.quantity,
        time_in_force=tif,
        price=limit,
        expire_time_ns=expire,
        post_only=False if market else init.post_only,
        reduce_only=init.reduce_only,
        quote_quantity=order.quote_quantity,
        display_qty=None if market else init.display_qty,
        contingency_type=init.contingency_type,
        order_list_id=init.order_list_id,
        linked_order_ids=init.linked_order_ids,
        parent_order_id=init.parent_order_id,
        tags=init.tags,
    )


def _given(value: _V | Unset) -> _V | None:
    return None if value is UNSET else value


def _status(order: Order) -> OrderStatus:
    """The order's status now (a call, so that type checkers do not carry a narrowed
    status across calls that may change it)."""
    return order.status


def _price(raw: int, precision: int) -> Price:
    """A raw price at ``precision`` decimals, more where it has more (a mid on a half tick)."""
    p = precision
    while p < FIXED_PRECISION and raw % 10 ** (FIXED_PRECISION - p):
        p += 1
    return Price.from_raw(raw, p)


class _Market:
    """One instrument: its trigger book and feeds (private)."""

    __slots__ = ("book", "handlers", "iid", "instrument", "precision", "requested", "tick")

    def __init__(self, instrument: Instrument, reject_in_market: bool) -> None:
        self.instrument = instrument
        self.iid = instrument.id
        self.tick = instrument.price_increment.raw
        self.precision = instrument.price_precision
        self.book = TriggerBook(reject_in_market=reject_in_market)
        # venue data requested: quotes, trades
        self.requested = [False, False]
        self.handlers: list[tuple[str, Callable[[Any], None]]] = []


class _Held:
    """An EMULATED order (private)."""

    __slots__ = ("auto", "entry", "market", "order", "timer", "trigger_type")

    def __init__(
        self,
        order: Order,
        market: _Market,
        entry: TriggerEntry,
        trigger_type: TriggerType,
        auto: bool,
    ) -> None:
        self.order = order
        self.market = market
        self.entry = entry
        self.trigger_type = trigger_type
        self.auto = auto
        self.timer: str | None = None


class _Released:
    """A released order and the venue order carrying it (private)."""

    __slots__ = (
        "can_trigger",
        "mirrored",
        "order",
        "trigger_due",
        "trigger_reported",
        "trigger_ts",
        "venue_order",
    )

    def __init__(self, order: Order, venue_order: Order, trigger_ts: int) -> None:
        self.order = order
        self.venue_order = venue_order
        self.mirrored = venue_order.event_count
        self.trigger_ts = trigger_ts
        self.can_trigger = order.order_type in TRIGGERABLE_TYPES
        self.trigger_due = False
        self.trigger_reported = False


class OrderEmulator:
    """Emulates order types and triggers a venue lacks (see the module docs).

    Args:
        venue: the :class:`~lyra.venue.Venue` released orders go to (one per emulator).
        bus: where market data arrives and order events are published.
        clock: stamps events and expires GTD/DAY orders (a
            :class:`~lyra.clock.TestClock` in backtests).
        instruments: the instruments orders may be emulated for (their price increment and
            session are needed); more with :meth:`add_instrument`.
        risk: an optional :class:`~lyra.risk.RiskEngine` for the submit, release and modify
            checks.
        config: :class:`EmulatorConfig` (defaults: auto-emulate, reject stops in the market,
            request the venue's data).
    """

    __slots__ = (
        "_bus",
        "_caps",
        "_clock",
        "_config",
        "_events",
        "_held",
        "_instruments",
        "_markets",
        "_released",
        "_releasing",
        "_risk",
        "_seq",
        "_topics",
        "_venue",
        "_watched",
    )

    def __init__(
        self,
        venue: Venue,
        bus: EventBus,
        clock: Clock,
        *,
        instruments: Iterable[Instrument] = (),
        risk: RiskEngine | None = None,
        config: EmulatorConfig | None = None,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        if config is None:
            config = EmulatorConfig()
        elif not isinstance(config, EmulatorConfig):
            raise InvalidInput("config", "must be an EmulatorConfig", config)
        self._venue = venue
        self._bus = bus
        self._clock = clock
        self._risk = risk
        self._config = config
        self._events = EventFactory(clock, id_prefix=config.id_prefix)
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._markets: dict[InstrumentId, _Market] = {}
        self._held: dict[ClientOrderId, _Held] = {}
        self._released: dict[ClientOrderId, _Released] = {}
        # orders between OrderReleased and their venue order: (order, trigger time)
        self._releasing: dict[ClientOrderId, tuple[Order, int]] = {}
        self._topics: dict[StrategyId, str] = {}
        self._watched: set[StrategyId] = set()
        self._seq = 0
        self._caps: tuple[VenueCapabilities, VenueCapabilities] | None = None
        for instrument in instruments:
            self.add_instrument(instrument)

    # -- configuration -------------------------------------------------------------------------
    @property
    def inner(self) -> Venue:
        """The wrapped venue: where released (and never-emulated) orders go."""
        return self._venue

    # -- the Venue protocol: identity and connection (the wrapped venue's) -----------------------
    @property
    def venue(self) -> identifiers.Venue:
        """The wrapped venue's name (the :class:`~lyra.venue.Venue` protocol's ``venue``;
        the wrapped venue object itself is :attr:`inner`)."""
        return self._venue.venue

    @property
    def account_id(self) -> AccountId:
        """The wrapped venue's account."""
        return self._venue.account_id

    @property
    def capabilities(self) -> VenueCapabilities:
        """The wrapped venue's capabilities plus what the emulator supplies: every order type
        it can hold whose release type (:data:`RELEASED_AS`) the venue takes, every trigger
        type, every trailing offset unit and activation prices (for trailing types it
        emulates). Native contingency lists are not offered (``contingencies`` is empty):
        a :class:`~lyra.contingency.ContingencyManager` in front of the emulator enforces
        lists itself, so members needing emulation can be held here."""
        inner = self._venue.capabilities
        cached = self._caps
        if cached is not None and cached[0] is inner:
            return cached[1]
        caps = emulated_capabilities(inner)
        self._caps = (inner, caps)
        return caps

    @property
    def status(self) -> ConnectionStatus:
        """The wrapped venue's connection status."""
        return self._venue.status

    @property
    def connected(self) -> bool:
        """Whether the wrapped venue is connected."""
        return self._venue.connected

    @property
    def config(self) -> EmulatorConfig:
        """The configuration."""
        return self._config

    @property
    def risk(self) -> RiskEngine | None:
        """The risk engine, if any."""
        return self._risk

    @property
    def events(self) -> EventFactory:
        """The factory numbering the emulator's events."""
        return self._events

    def add_instrument(self, instrument: Instrument) -> None:
        """Allow emulated orders for ``instrument`` and start following its market data on
        the bus (replacing an earlier definition keeps the orders already held)."""
        if not isinstance(instrument, Instrument):
            raise InvalidInput("instrument", "must be an Instrument", instrument)
        self._instruments[instrument.id] = instrument
        m = self._markets.get(instrument.id)
        if m is None:
            m = self._markets[instrument.id] = _Market(instrument, self._config.reject_in_market)
            self._subscribe_market(m)
        else:
            m.instrument = instrument
            m.precision = instrument.price_precision
            m.tick = instrument.price_increment.raw

    @property
    def instrument_ids(self) -> tuple[InstrumentId, ...]:
        """The instruments the emulator knows."""
        return tuple(self._instruments)

    # -- queries -------------------------------------------------------------------------------
    def needs_emulation(self, order: Order) -> bool:
        """Whether :meth:`submit_order` would emulate ``order``: it asks to be
        (``emulation_trigger``), or auto-emulation is on and every feature the venue lacks
        for it is one emulation supplies (order type, trigger type, trailing offset unit,
        activation price)."""
        if order.emulation_trigger is not TriggerType.NO_TRIGGER:
            return True
        if not self._config.auto_emulate or order.order_type not in TRIGGERABLE_TYPES:
            return False
        gaps = self._venue.capabilities.unsupported_features(order)
        return bool(gaps) and all(str(g) in _FIXABLE for g in gaps)

    def is_held(self, order: Order | str) -> bool:
        """Whether the emulator holds the order (EMULATED, waiting for its trigger)."""
        cid = order.client_order_id if isinstance(order, Order) else order
        return cid in self._held

    def held_orders(self, instrument_id: InstrumentId | str | None = None) -> list[Order]:
        """The orders held (EMULATED), in arrival order, of one instrument if given."""
        return [
            h.order
            for h in sorted(self._held.values(), key=lambda h: h.entry.seq)
            if instrument_id is None or h.order.instrument_id == instrument_id
        ]

    def released_orders(self) -> list[Order]:
        """The orders released to the venue that the emulator still follows."""
        return [rec.order for rec in self._released.values()]

    def venue_order(self, order: Order | str) -> Order | None:
        """The venue order that carries a released order (same client order id), or
        ``None`` when the order was not released by this emulator."""
        cid = order.client_order_id if isinstance(order, Order) else order
        rec = self._released.get(ClientOrderId(cid))
        return None if rec is None else rec.venue_order

    def trigger_book(self, instrument_id: InstrumentId | str) -> TriggerBook:
        """The trigger book of an instrument (for inspection: do not change it)."""
        m = self._markets.get(InstrumentId(instrument_id))
        if m is None:
            raise InvalidInput("instrument_id", "is not known to the emulator", instrument_id)
        return m.book

    def current_trigger(self, order: Order | str) -> Price | None:
        """A held order's working trigger price (a trailing order's current one), or
        ``None`` (not held, or a trailing order not activated yet)."""
        cid = order.client_order_id if isinstance(order, Order) else order
        h = self._held.get(ClientOrderId(cid))
        if h is None:
            return None
        raw = h.entry.trigger
        return None if raw is None else _price(raw, h.market.precision)

    # -- commands ------------------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Emulate ``order`` if it needs it (:meth:`needs_emulation`), else send it to the
        venue; risk-checked first either way when a risk engine is set.

        An emulated order gets ``OrderEmulated`` -- or ``OrderDenied`` (duplicate id,
        unknown instrument, a release order the venue cannot take, GTD already expired, a
        trailing offset under one tick, trigger already in the market, a risk denial) --
        before this returns. Raises :class:`~lyra.errors.InvalidOrder` for an order of
        another venue and :class:`~lyra.errors.InvalidTransition` for one already submitted.
        """
        self._check_order(order)
        if not self.needs_emulation(order):
            self._forward_submit(order)
            return
        self._emulate(order, auto=order.emulation_trigger is TriggerType.NO_TRIGGER)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Change an order; arguments left :data:`~lyra.venue.UNSET` keep their value.

        A held order is changed locally: ``OrderUpdated`` (the trigger book follows), or a
        refusal ``OrderModifyRejected`` (risk denial; a new trigger already in the market),
        published -- the venue hears nothing. A released order's modify goes to its venue
        order, anything else to the venue (after ``check_modify`` when a risk engine is
        set). Raises :class:`~lyra.errors.InvalidOrder` for bad arguments.
        """
        self._check_order(order)
        h = self._held.get(order.client_order_id)
        if h is not None and h.order is order:
            self._modify_held(h, quantity, price, trigger_price)
            return
        rec = self._released.get(order.client_order_id)
        target = rec.venue_order if rec is not None and rec.order is order else order
        risk = self._risk
        if (
            risk is not None
            and (target.is_open or target.is_inflight)
            and (target.status is not _S.PENDING_CANCEL)
        ):
            _check_modify_args(target, quantity, price, trigger_price)
            denied = risk.process_modify(
                target,
                quantity=_given(quantity),
                price=_given(price),
                trigger_price=_given(trigger_price),
            )
            if denied is not None:
                target.apply(denied)
                self._publish(target, denied)
                return
        self._venue.modify_order(target, quantity, price, trigger_price)

    def cancel_order(self, order: Order) -> None:
        """Cancel an order: a held one locally (``OrderCanceled``, nothing sent), a released
        one through its venue order, anything else at the venue."""
        self._check_order(order)
        cid = order.client_order_id
        h = self._held.get(cid)
        if h is not None and h.order is order:
            self._cancel_held(h)
            return
        releasing = self._releasing.get(cid)
        if order.status is _RELEASED and releasing is not None and releasing[0] is order:
            # canceled from a handler of its own OrderReleased: nothing was sent yet
            self._apply_publish(order, self._events.canceled(order))
            return
        rec = self._released.get(cid)
        if rec is not None and rec.order is order:
            self._venue.cancel_order(rec.venue_order)
            return
        self._venue.cancel_order(order)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """Cancel every held order of ``instrument_id`` (of one ``side`` if given) locally,
        then ask the venue to cancel its working orders there (released ones included)."""
        iid = InstrumentId(instrument_id)
        for h in [
            h
            for h in self._held.values()
            if h.order.instrument_id == iid and (side is None or h.order.side == side)
        ]:
            self._cancel_held(h)
        self._venue.cancel_all_orders(iid, side)

    def submit_order_list(self, order_list: OrderList) -> None:
        """Refuse ``order_list`` as a native list: the emulator enforces no contingencies
        (:attr:`capabilities` offers none), so every member gets ``OrderDenied`` (code
        ``NOT_SUPPORTED``), as any venue answers a list it cannot take. Give lists to a
        :class:`~lyra.contingency.ContingencyManager` over the emulator instead. Raises like
        :meth:`submit_order` (nothing is published then)."""
        if not isinstance(order_list, OrderList):
            raise InvalidInput("order_list", "must be an OrderList", order_list)
        for order in order_list:
            self._check_order(order)
            if order.status is not _INITIALIZED:
                raise InvalidTransition(order.client_order_id, order.status, "OrderSubmitted")
        reason = (
            f"order list {order_list.order_list_id}: the order emulator enforces no native "
            "contingencies (use a ContingencyManager over it)"
        )
        for order in order_list:
            self._deny(order, str(RejectCode.NOT_SUPPORTED), reason)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """Hand restored venue orders to the wrapped venue (held and released emulated orders
        come back with :meth:`restore`)."""
        self._venue.adopt_orders(orders)

    # -- the Venue protocol: data subscriptions (the wrapped venue's) ----------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Subscribe the wrapped venue's quotes."""
        self._venue.subscribe_quotes(instrument_id)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        self._venue.unsubscribe_quotes(instrument_id)

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Subscribe the wrapped venue's trades."""
        self._venue.subscribe_trades(instrument_id)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        self._venue.unsubscribe_trades(instrument_id)

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Subscribe the wrapped venue's order book."""
        self._venue.subscribe_book(instrument_id, depth)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        self._venue.unsubscribe_book(instrument_id)

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Subscribe the wrapped venue's bars."""
        self._venue.subscribe_bars(bar_type)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Undo one :meth:`subscribe_bars`."""
        self._venue.unsubscribe_bars(bar_type)

    # -- the Venue protocol: recovery and lifecycle ----------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """The wrapped venue's report, unchanged. Orders the emulator holds are not in it:
        the venue has never seen them (a report has no EMULATED status and no venue order
        id for them); they are :meth:`held_orders`, and come back after a restart with
        :meth:`snapshot` / :meth:`restore`. Released orders appear under their venue
        orders (same client order id)."""
        return await self._venue.reconcile(since_ns, instrument_ids)

    async def __aenter__(self) -> Self:
        """Connect the wrapped venue (``async with emulator:``)."""
        await self._venue.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Disconnect the wrapped venue; held orders stay held."""
        return await self._venue.__aexit__(exc_type, exc, tb)

    # -- market data (the bus delivers it; call these to feed data directly) -------------------
    def process_quote(self, tick: QuoteTick) -> None:
        """Take a quote (ignored for an instrument the emulator does not know)."""
        m = self._markets.get(tick.instrument_id)
        if m is not None:
            fired = m.book.on_quote(tick.bid_price.raw, tick.ask_price.raw)
            if fired or m.book.moves:
                self._on_fired(m, fired, tick.ts_event)

    def process_trade(self, tick: TradeTick) -> None:
        """Take a trade (ignored for an instrument the emulator does not know)."""
        m = self._markets.get(tick.instrument_id)
        if m is not None:
            fired = m.book.on_trade(tick.price.raw)
            if fired or m.book.moves:
                self._on_fired(m, fired, tick.ts_event)

    def process_mark_price(self, update: MarkPrice) -> None:
        """Take a mark price (for MARK_PRICE triggers)."""
        m = self._markets.get(update.instrument_id)
        if m is not None:
            fired = m.book.on_mark(update.value.raw)
            if fired or m.book.moves:
                self._on_fired(m, fired, update.ts_event)

    def process_index_price(self, update: IndexPrice) -> None:
        """Take an index price (for INDEX_PRICE triggers)."""
        m = self._markets.get(update.instrument_id)
        if m is not None:
            fired = m.book.on_index(update.value.raw)
            if fired or m.book.moves:
                self._on_fired(m, fired, update.ts_event)

    # -- state ---------------------------------------------------------------------------------
    def snapshot(self) -> EmulatorState:
        """Everything needed to resume after a restart (see :mod:`lyra.emulator.state`)."""
        held = []
        for h in self._held.values():
            e = h.entry
            t = e.trailing
            precision = h.market.precision
            trig = e.trigger
            lim = e.price
            held.append(
                HeldOrderState(
                    order=OrderRecord.of(h.order),
                    trigger_type=h.trigger_type,
                    auto=h.auto,
                    seq=e.seq,
                    activated=False if t is None else t.activated,
                    trigger_price=None if trig is None else _price(trig, precision),
                    price=None if lim is None else _price(lim, precision),
                )
            )
        released = [
            ReleasedOrderState(
                order=OrderRecord.of(rec.order),
                venue_order=rec.venue_order.init,
                trigger_reported=rec.trigger_reported or rec.trigger_due,
                trigger_ts=rec.trigger_ts,
            )
            for rec in self._released.values()
        ]
        now = self._clock.timestamp_ns()
        for order, ts in self._releasing.values():
            # taken from a handler of OrderReleased: nothing is sent yet; a restore finishes it
            if order.status is _RELEASED:
                released.append(
                    ReleasedOrderState(
                        order=OrderRecord.of(order),
                        venue_order=release_init(order, event_id="unsent", ts_ns=now),
                        trigger_reported=False,
                        trigger_ts=ts,
                    )
                )
        return EmulatorState(
            held=tuple(held),
            released=tuple(released),
            event_count=self._events.count,
            seq=self._seq,
            ts_snapshot=now,
        )

    def restore(
        self,
        state: EmulatorState,
        *,
        orders: Iterable[Order] = (),
        adopt: bool = True,
    ) -> tuple[ClientOrderId, ...]:
        """Resume from ``state`` (in an emulator that holds nothing yet).

        Held orders go back into their trigger books with their trailing progress, without
        an arrival check (the next market update decides); released orders are followed
        again, their venue orders rebuilt from the orders' events and, with ``adopt``, handed
        to the venue with :meth:`~lyra.venue.Venue.adopt_orders`. An order caught between
        ``OrderReleased`` and its venue order (a snapshot taken from a handler of
        ``OrderReleased``) is released now: risk check, then the venue order. Pass
        ``orders`` to use your own order objects (restored from your store) instead of the
        state's copies; an order found no longer EMULATED where the state holds it is
        skipped. Returns the skipped client order ids. Raises
        :class:`~lyra.errors.InvalidInput` when the emulator already holds orders or an
        instrument is unknown.
        """
        if not isinstance(state, EmulatorState):
            raise InvalidInput("state", "must be an EmulatorState", state)
        if self._held or self._released:
            raise InvalidInput("restore", "needs an emulator that holds no orders yet", None)
        given = {o.client_order_id: o for o in orders}
        for hs in state.held:
            iid = hs.order.events[0].instrument_id
            if iid not in self._markets:
                raise InvalidInput("instruments", "must include every held order's instrument", iid)
        start = max(state.event_count, self._events.count)
        self._events = EventFactory(
            self._clock, id_prefix=self._config.id_prefix, start_count=start
        )
        self._seq = max(self._seq, state.seq)
        skipped: list[ClientOrderId] = []
        for hs in state.held:
            order = given.get(hs.order.events[0].client_order_id) or hs.order.to_order()
            if order.status is not _EMULATED:
                skipped.append(order.client_order_id)
                continue
            m = self._markets[order.instrument_id]
            trailing = self._trailing_state(order, m)
            trig = None if hs.trigger_price is None else hs.trigger_price.raw
            if trailing is not None:
                trailing.activated = hs.activated
                trailing.trigger = trig
                trailing.price = None if hs.price is None else hs.price.raw
            else:
                trig = self._plain_trigger(order)  # the order's own (modifies included)
            m.book.add(
                order.client_order_id,
                side=order.side,
                order_type=order.order_type,
                trigger_type=hs.trigger_type,
                trigger=None if trailing is not None else trig,
                trailing=trailing,
                seq=hs.seq,
                arrival=False,
            )
            self._hold(order, m, hs.trigger_type, hs.auto)
        adopted: list[Order] = []
        resume: list[tuple[Order, int]] = []
        for rs in state.released:
            order = given.get(rs.order.events[0].client_order_id) or rs.order.to_order()
            venue_order = Order(rs.venue_order)
            events = order.events
            start_at = max(
                (i for i, ev in enumerate(events) if type(ev) is OrderReleased), default=None
            )
            if start_at is None:
                skipped.append(order.client_order_id)
                continue
            for ev in events[start_at + 1 :]:
                if type(ev) is OrderTriggered:
                    continue  # the emulator's own report: a MARKET/LIMIT venue order has none
                venue_order.apply(ev)
            status = venue_order.status
            if status is _INITIALIZED:
                if order.status is _RELEASED:
                    resume.append((order, rs.trigger_ts))  # stopped before the venue order
                continue
            if status is _S.DENIED:
                continue  # refused before it reached the venue: nothing to follow
            rec = _Released(order, venue_order, rs.trigger_ts)
            rec.trigger_reported = rs.trigger_reported
            self._released[order.client_order_id] = rec
            self._watch(order.strategy_id)
            adopted.append(venue_order)
        if adopt and adopted:
            self._venue.adopt_orders(adopted)
        for m in self._markets.values():
            self._sync_feeds(m)
        for order, ts in resume:
            released_ev = next(e for e in reversed(order.events) if type(e) is OrderReleased)
            self._send_release(order, released_ev.released_price, ts)
        return tuple(skipped)

    def forget_closed(self) -> int:
        """Stop following released orders that are closed; returns how many. A late venue
        message about a forgotten order is then no longer applied to the emulated order."""
        gone = [cid for cid, rec in self._released.items() if rec.order.status in _CLOSED]
        for cid in gone:
            del self._released[cid]
        return len(gone)

    def close(self) -> None:
        """Stop: unsubscribe from the bus, cancel expiry alerts, release the venue's data.
        Held orders stay held (snapshot them first to resume elsewhere)."""
        for m in self._markets.values():
            for topic, handler in m.handlers:
                self._bus.unsubscribe(topic, handler)
            m.handlers.clear()
            self._release_feeds(m, quotes=False, trades=False)
        for h in self._held.values():
            if h.timer is not None:
                self._clock.cancel_timer(h.timer)
                h.timer = None
        for sid in self._watched:
            topic = self._topic(sid)
            self._bus.unsubscribe(topic, self._on_order_event)
            self._bus.unsubscribe(topic, self._after_order_event)
        self._watched.clear()

    # -- submit --------------------------------------------------------------------------------
    def _check_order(self, order: Order) -> None:
        if not isinstance(order, Order):
            raise InvalidOrder("order", "must be an Order", order)
        venue = self._venue.venue
        if order.instrument_id.venue != venue:
            raise InvalidOrder(
                "instrument_id", f"must be an instrument of venue {venue}", order.instrument_id
            )

    def _forward_submit(self, order: Order) -> None:
        risk = self._risk
        if risk is not None and order.status is _INITIALIZED:
            denied = risk.process_submit(order, last_price=self._market_price(order))
            if denied is not None:
                self._apply_publish(order, denied)
                return
        self._venue.submit_order(order)

    def _deny(self, order: Order, code: str, reason: str) -> None:
        self._apply_publish(order, self._events.denied(order, reason, code))

    def _emulate(self, order: Order, auto: bool) -> None:
        cid = order.client_order_id
        if order.status is not _INITIALIZED:
            raise InvalidTransition(cid, order.status, "OrderEmulated")
        otype = order.order_type
        if otype not in EMULATION_TYPES:  # pragma: no cover - validation forbids it
            raise InvalidOrder("order_type", f"{otype.name} orders cannot be emulated", otype)
        if cid in self._held or cid in self._released or cid in self._releasing:
            self._deny(
                order,
                RejectCode.DUPLICATE_CLIENT_ORDER_ID,
                f"emulator: client order id {cid} is already in use",
            )
            return
        m = self._markets.get(order.instrument_id)
        if m is None:
            self._deny(
                order,
                EmulatorCode.INSTRUMENT_NOT_FOUND,
                f"emulator: instrument {order.instrument_id} is not known (add_instrument)",
            )
            return
        now = self._clock.timestamp_ns()
        gap = self._release_gap(order, m, now)
        if gap is not None:
            self._deny(order, RejectCode.NOT_SUPPORTED, gap)
            return
        expire = self._expiry(order, m, now)
        if expire is not None and expire <= now:
            self._deny(
                order,
                EmulatorCode.GTD_EXPIRED,
                f"emulator: expire time {expire} is not after now {now}",
            )
            return
        tt = emulation_trigger_type(order)
        trailing = self._trailing_state(order, m)
        if trailing is not None and trailing.offset_type is not TrailingOffsetType.BASIS_POINTS:
            offset = order.trailing_offset
            assert offset is not None
            if offset_raw(trailing.offset_type, offset, 0, m.tick) == 0:
                self._deny(
                    order,
                    RejectCode.INVALID_ORDER,
                    f"emulator: trailing_offset {offset} ({trailing.offset_type.name}) is less "
                    f"than one price increment {m.instrument.price_increment}",
                )
                return
        book = m.book
        arm = book.add(
            cid,
            side=order.side,
            order_type=otype,
            trigger_type=tt,
            trigger=None if trailing is not None else self._plain_trigger(order),
            trailing=trailing,
            seq=self._seq + 1,
        )
        fire_now = arm is Arm.IN_MARKET
        if fire_now and self._config.reject_in_market and otype is not _T.LIMIT:
            entry = book.remove(cid)
            assert entry is not None
            self._deny(order, EmulatorCode.TRIGGER_IN_MARKET, self._in_market_text(m, entry))
            return
        risk = self._risk
        if risk is not None:
            denied = risk.process_submit(order, last_price=self._market_price(order))
            if denied is not None:
                book.remove(cid)
                self._apply_publish(order, denied)
                return
        self._seq += 1
        event = self._events.emulated(order)
        order.apply(event)
        h = self._hold(order, m, tt, auto)
        self._publish(order, event)
        if self._held.get(cid) is not h:
            return  # canceled (or expired) by a handler of OrderEmulated
        if trailing is not None and trailing.activated:
            self._report_move(h, now)
            if self._held.get(cid) is not h:
                return
        if fire_now:
            book.remove(cid)
            self._release(h, now)
            self._sync_feeds(m)

    def _plain_trigger(self, order: Order) -> int:
        px = order.price if order.order_type is _T.LIMIT else order.trigger_price
        assert px is not None
        return px.raw

    def _trailing_state(self, order: Order, m: _Market) -> TrailingState | None:
        if order.order_type not in TRAILING_TYPES:
            return None
        offset = order.trailing_offset
        assert offset is not None
        act = order.activation_price
        trig = order.trigger_price
        price = order.price
        return TrailingState(
            order.side,
            order.trailing_offset_type,
            offset,
            m.tick,
            limit_offset=order.limit_offset,
            activation=None if act is None else act.raw,
            trigger=None if trig is None else trig.raw,
            price=None if price is None else price.raw,
        )

    def _release_gap(self, order: Order, m: _Market, now: int) -> str | None:
        """Why the venue could not take the release order, or ``None``."""
        placeholder = (
            order.price
            or order.trigger_price
            or order.activation_price
            or m.instrument.price_increment
        )
        init = release_init(order, event_id="probe", ts_ns=now, price=placeholder)
        try:
            probe = Order(init)
        except InvalidOrder as exc:
            return f"emulator: the release order would be invalid: {exc}"
        gap = self._venue.capabilities.supports(probe)
        if gap is None:
            return None
        return f"{self._venue.venue}: release order ({init.order_type.name}): {gap}"

    def _expiry(self, order: Order, m: _Market, now: int) -> int | None:
        tif = order.time_in_force
        if tif is TimeInForce.GTD:
            return order.expire_time_ns
        if tif is TimeInForce.DAY:
            return m.instrument.trading_session.next_close(now)
        return None

    def _hold(self, order: Order, m: _Market, tt: TriggerType, auto: bool) -> _Held:
        cid = order.client_order_id
        entry = m.book.entry(cid)
        assert entry is not None
        h = _Held(order, m, entry, tt, auto)
        self._held[cid] = h
        # DAY counts from when the emulator took the order (its OrderEmulated)
        since = next(
            (ev.ts_event for ev in reversed(order.events) if type(ev) is OrderEmulated),
            order.ts_last,
        )
        expire = self._expiry(order, m, since)
        if expire is not None:
            name = f"{self._config.id_prefix}expire:{cid}"
            self._clock.set_time_alert(name, expire, partial(self._expire, cid), allow_past=True)
            h.timer = name
        self._watch(order.strategy_id)
        self._sync_feeds(m)
        return h

    def _in_market_text(self, m: _Market, entry: TriggerEntry) -> str:
        st = m.book.state
        shown = []
        for name, raw in (("bid", st.bid), ("ask", st.ask), ("last", st.last)):
            if raw is not None:
                shown.append(f"{name}={_price(raw, m.precision)}")
        if st.mark is not None:
            shown.append(f"mark={_price(st.mark, m.precision)}")
        if st.index is not None:
            shown.append(f"index={_price(st.index, m.precision)}")
        t = entry.trailing
        if t is not None and not t.activated and t.activation is not None:
            what = f"activation price {_price(t.activation, m.precision)}"
        else:
            trig = entry.trigger
            what = "trigger" if trig is None else f"trigger {_price(trig, m.precision)}"
        return (
            f"emulator: {entry.side.name} {entry.order_type.name} {what} "
            f"({entry.trigger_type.name}) is already in the market: {', '.join(shown)}"
        )

    def _market_price(self, order: Order) -> Price | None:
        m = self._markets.get(order.instrument_id)
        if m is None:
            return None
        st = m.book.state
        raw = st.ask if order.side is OrderSide.BUY else st.bid
        if raw is None:
            raw = st.last
        return None if raw is None else _price(raw, m.precision)

    # -- modify / cancel / expire --------------------------------------------------------------
    def _modify_held(
        self,
        h: _Held,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        order = h.order
        _check_modify_args(order, quantity, price, trigger_price)
        new_qty = _given(quantity)
        new_px = _given(price)
        new_trig = _given(trigger_price)
        m = h.market
        entry = h.entry
        otype = order.order_type
        # the trigger the book would hold afterwards
        if otype is _T.LIMIT:
            key = None if new_px is None else new_px.raw
        else:
            key = None if new_trig is None else new_trig.raw
        in_market = False
        if key is not None and entry.live:
            t = entry.trailing
            ref = reference_x2(m.book.state, entry.trigger_type, entry.side, entry.direction)
            if ref is not None and (t is None or t.activated):
                in_market = ref >= 2 * key if entry.direction is Direction.RISE else ref <= 2 * key
        if in_market and self._config.reject_in_market and otype is not _T.LIMIT:
            self._refuse_modify(
                order,
                EmulatorCode.TRIGGER_IN_MARKET,
                self._in_market_text(m, entry).replace("trigger", "new trigger", 1),
            )
            return
        risk = self._risk
        if risk is not None:
            denial = risk.check_modify(
                order, quantity=new_qty, price=new_px, trigger_price=new_trig
            )
            if denial is not None:
                self._refuse_modify(order, str(denial.code), denial.message)
                return
        event = self._events.updated(order, quantity=new_qty, price=new_px, trigger_price=new_trig)
        order.apply(event)  # raises InvalidOrder (nothing changed) for a bad quantity
        if entry.live:
            m.book.update(
                order.client_order_id,
                trigger=key,
                price=None if otype is _T.LIMIT or new_px is None else new_px.raw,
                arrival=False,
            )
        self._publish(order, event)
        if in_market and self._held.get(order.client_order_id) is h and entry.live:
            m.book.remove(order.client_order_id)
            self._release(h, self._clock.timestamp_ns())
            self._sync_feeds(m)

    def _refuse_modify(self, order: Order, code: str, reason: str) -> None:
        event = self._events.modify_rejected(order, reason, code)
        # The state machine has no EMULATED -> OrderModifyRejected cell: the refusal is
        # published (the order is unchanged) but not recorded on the order.
        with contextlib.suppress(InvalidTransition):
            order.apply(event)
        self._publish(order, event)

    def _unhold(self, h: _Held) -> None:
        order = h.order
        cid = order.client_order_id
        if self._held.get(cid) is h:
            del self._held[cid]
        if h.entry.live:
            h.market.book.remove(cid)
        if h.timer is not None:
            self._clock.cancel_timer(h.timer)
            h.timer = None

    def _cancel_held(self, h: _Held) -> None:
        order = h.order
        event = self._events.canceled(order)
        order.apply(event)
        self._unhold(h)
        self._publish(order, event)
        self._sync_feeds(h.market)

    def _expire(self, cid: ClientOrderId, alert: TimeEvent) -> None:
        h = self._held.get(cid)
        if h is None:
            return
        h.timer = None  # it fired
        order = h.order
        if order.status is not _EMULATED:
            return
        event = self._events.expired(order, ts_event=alert.ts_event)
        order.apply(event)
        self._unhold(h)
        self._publish(order, event)
        self._sync_feeds(h.market)

    # -- triggers and release ------------------------------------------------------------------
    def _on_fired(self, m: _Market, fired: Sequence[TriggerEntry], ts_event: int) -> None:
        moves = m.book.moves
        if moves:
            batch = list(moves)
            moves.clear()
            for e in batch:
                h = self._held.get(e.key)
                if h is not None and h.entry is e and h.order.status is _EMULATED:
                    self._report_move(h, ts_event)
        for e in fired:
            h = self._held.get(e.key)
            if h is not None and h.entry is e:
                self._release(h, ts_event)
        self._sync_feeds(m)

    def _report_move(self, h: _Held, ts_event: int) -> None:
        order = h.order
        e = h.entry
        precision = h.market.precision
        trig = e.trigger
        lim = e.price
        new_trig = None if trig is None else _price(trig, precision)
        new_px = None if lim is None else _price(lim, precision)
        if new_trig == order.trigger_price:
            new_trig = None
        if new_px == order.price:
            new_px = None
        if new_trig is None and new_px is None:
            return
        event = self._events.updated(order, price=new_px, trigger_price=new_trig, ts_event=ts_event)
        self._apply_publish(order, event)

    def _release(self, h: _Held, ts_event: int) -> None:
        """Release a held order whose entry already left the trigger book."""
        order = h.order
        self._unhold(h)
        if order.status is not _EMULATED:
            return
        released_price = self._released_price(h.market, order, h.entry)
        cid = order.client_order_id
        self._releasing[cid] = (order, ts_event)
        try:
            self._apply_publish(
                order, self._events.released(order, released_price, ts_event=ts_event)
            )
        finally:
            del self._releasing[cid]
        self._send_release(order, released_price, ts_event)

    def _send_release(self, order: Order, released_price: Price | None, ts_event: int) -> None:
        """The second half of a release: the risk check, then the venue order."""
        if _status(order) is not _RELEASED:
            return  # canceled by a handler of OrderReleased
        cid = order.client_order_id
        risk = self._risk
        if risk is not None:
            self._releasing[cid] = (order, ts_event)
            try:
                denied = risk.process_release(order, released_price=released_price)
                if denied is not None:
                    self._apply_publish(order, denied)
                    return
            finally:
                del self._releasing[cid]
        now = self._clock.timestamp_ns()
        venue_order = Order(release_init(order, event_id=self._events.next_event_id(), ts_ns=now))
        rec = _Released(order, venue_order, ts_event)
        self._released[cid] = rec
        self._watch(order.strategy_id)
        try:
            self._venue.submit_order(venue_order)
        except LyraError as exc:
            del self._released[cid]
            if _status(order) is _RELEASED:
                self._deny(
                    order,
                    EmulatorCode.RELEASE_FAILED,
                    f"emulator: the venue refused the release order: {exc}",
                )
            return
        self._mirror(rec)

    def _released_price(self, m: _Market, order: Order, entry: TriggerEntry) -> Price | None:
        st = m.book.state
        raw = st.ask if order.side is OrderSide.BUY else st.bid
        for alt in (st.last, st.mark, st.index, entry.trigger):
            if raw is not None:
                break
            raw = alt
        return None if raw is None else _price(raw, m.precision)

    # -- following released orders -------------------------------------------------------------
    def _watch(self, strategy_id: StrategyId) -> None:
        if strategy_id in self._watched:
            return
        topic = self._topic(strategy_id)
        self._bus.subscribe(topic, self._on_order_event, priority=MIRROR_PRIORITY)
        self._bus.subscribe(topic, self._after_order_event, priority=TRIGGER_REPORT_PRIORITY)
        self._watched.add(strategy_id)

    def _on_order_event(self, event: OrderEvent) -> None:
        rec = self._released.get(event.client_order_id)
        if rec is not None:
            self._mirror(rec)

    def _mirror(self, rec: _Released) -> None:
        """Apply the venue order's new events to the emulated order, in order."""
        venue_order = rec.venue_order
        n = venue_order.event_count
        if n == rec.mirrored:
            return
        news = venue_order.events[rec.mirrored :]
        rec.mirrored = n
        order = rec.order
        for event in news:
            try:
                order.apply(event)
            except (InvalidTransition, InvalidOrder) as exc:
                now = self._clock.timestamp_ns()
                self._bus.publish(
                    topics.venue_status(self._venue.venue),
                    VenueAnomaly(
                        venue=self._venue.venue,
                        kind=AnomalyKind.REFUSED_EVENT,
                        message=f"emulator: {type(event).__name__} of the venue order could "
                        f"not be applied to the emulated order: {exc}",
                        client_order_id=order.client_order_id,
                        venue_order_id=getattr(event, "venue_order_id", None),
                        ts_event=event.ts_event,
                        ts_init=now,
                    ),
                )
                continue
            if type(event) is OrderAccepted and rec.can_trigger and not rec.trigger_reported:
                rec.trigger_due = True

    def _after_order_event(self, event: OrderEvent) -> None:
        rec = self._released.get(event.client_order_id)
        if rec is None or not rec.trigger_due:
            return
        rec.trigger_due = False
        rec.trigger_reported = True
        order = rec.order
        triggered = self._events.triggered(
            order,
            venue_order_id=order.venue_order_id,
            account_id=order.account_id,
            ts_event=rec.trigger_ts,
        )
        try:
            outcome = order.apply(triggered)
        except InvalidTransition:
            return  # e.g. rejected in the meantime: nothing is triggered any more
        if outcome is not _DUPLICATE:
            self._publish(order, triggered)

    # -- feeds ---------------------------------------------------------------------------------
    def _subscribe_market(self, m: _Market) -> None:
        iid = m.iid
        book = m.book
        moves = book.moves
        on_fired = self._on_fired
        on_quote = book.on_quote
        on_trade = book.on_trade
        on_mark = book.on_mark
        on_index = book.on_index

        # The hot path: one closure per instrument and feed, no lookups per tick.
        def quote(tick: QuoteTick) -> None:
            fired = on_quote(tick.bid_price.raw, tick.ask_price.raw)
            if fired or moves:
                on_fired(m, fired, tick.ts_event)

        def trade(tick: TradeTick) -> None:
            fired = on_trade(tick.price.raw)
            if fired or moves:
                on_fired(m, fired, tick.ts_event)

        def mark(update: MarkPrice) -> None:
            fired = on_mark(update.value.raw)
            if fired or moves:
                on_fired(m, fired, update.ts_event)

        def index(update: IndexPrice) -> None:
            fired = on_index(update.value.raw)
            if fired or moves:
                on_fired(m, fired, update.ts_event)

        for topic, handler in (
            (topics.quotes(iid), quote),
            (topics.trades(iid), trade),
            (mark_price_topic(iid), mark),
            (index_price_topic(iid), index),
        ):
            self._bus.subscribe(topic, handler)
            m.handlers.append((topic, handler))

    def _sync_feeds(self, m: _Market) -> None:
        """Ask the venue for the data the held orders need, and stop what they no longer
        need (counted subscriptions: other users of the venue keep theirs)."""
        if not self._config.request_data:
            return
        book = m.book
        self._release_feeds(m, quotes=book.needs_quotes > 0, trades=book.needs_trades > 0)

    def _release_feeds(self, m: _Market, *, quotes: bool, trades: bool) -> None:
        venue = self._venue
        caps = venue.capabilities
        req = m.requested
        for i, want, able in ((0, quotes, caps.quotes), (1, trades, caps.trades)):
            if want == req[i]:
                continue
            if want and not able:
                continue  # the venue has no such feed: the data must come from elsewhere
            if want:
                try:
                    if i == 0:
                        venue.subscribe_quotes(m.iid)
                    else:
                        venue.subscribe_trades(m.iid)
                except NotSupported:
                    continue  # not streamed for this instrument: it must come from elsewhere
            elif i == 0:
                venue.unsubscribe_quotes(m.iid)
            else:
                venue.unsubscribe_trades(m.iid)
            req[i] = want

    # -- publishing ----------------------------------------------------------------------------
    def _topic(self, strategy_id: StrategyId) -> str:
        topic = self._topics.get(strategy_id)
        if topic is None:
            topic = self._topics[strategy_id] = topics.order_events(strategy_id)
        return topic

    def _publish(self, order: Order, event: OrderEvent) -> None:
        self._bus.publish(self._topic(order.strategy_id), event)

    def _apply_publish(self, order: Order, event: OrderEvent) -> None:
        order.apply(event)
        self._publish(order, event)

    def __repr__(self) -> str:
        return (
            f"OrderEmulator({self._venue.venue}, {len(self._held)} held, "
            f"{len(self._released)} released)"
        )


def _check_modify_args(order: Order, quantity: Any, price: Any, trigger_price: Any) -> None:
    for name, value in (("quantity", quantity), ("price", price), ("trigger_price", trigger_price)):
        if value is None:
            raise InvalidOrder(
                f"modify_order.{name}",
                "None is not a value: leave the argument out (UNSET) to keep the current one",
                None,
            )
    if quantity is UNSET and price is UNSET and trigger_price is UNSET:
        raise InvalidOrder(
            "modify_order", "must change at least one of quantity, price, trigger_price"
        )
    otype = order.order_type
    if quantity is not UNSET and (type(quantity) is not Quantity or not quantity.is_positive()):
        raise InvalidOrder("modify_order.quantity", "must be a positive Quantity", quantity)
    if price is not UNSET:
        if type(price) is not Price:
            raise InvalidOrder("modify_order.price", "must be a Price", price)
        if otype not in _PRICED:
            raise InvalidOrder(
                "modify_order.price", f"{otype.name} orders have no limit price", price
            )
    if trigger_price is not UNSET:
        if type(trigger_price) is not Price:
            raise InvalidOrder("modify_order.trigger_price", "must be a Price", trigger_price)
        if otype not in _TRIGGERED_TYPES:
            raise InvalidOrder(
                "modify_order.trigger_price",
                f"{otype.name} orders have no trigger price",
                trigger_price,
            )
