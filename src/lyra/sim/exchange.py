"""The simulated exchange: Lyra's Rust matching engine behind the :class:`~lyra.venue.Venue`
protocol.

:class:`SimulatedExchange` implements the same :class:`~lyra.venue.Venue` contract as every
live adapter and publishes the same events, so a strategy cannot tell it from a real venue.
The matching itself -- books, price-time priority, every order type, time in force and
instruction, queue position on L2 data, latency -- runs in ``lyra._native.SimCore``; this
module turns Lyra orders into the engine's integer ticks and lots, and the engine's events
back into order events.

How a command travels:

1. ``submit_order(order)`` runs the contract's local checks (:class:`~lyra.venue.OrderFlow`)
   and publishes ``OrderSubmitted`` before returning. Nothing else happens yet.
2. The exchange converts the order through its instrument (an off-grid price or quantity is
   *rejected* later with an ``OrderRejected`` naming the field), checks and locks the
   account's balance (a cash account that cannot pay gets ``OrderRejected`` with code
   ``INSUFFICIENT_BALANCE``), and hands it to the engine stamped with the exchange's time.
3. The engine acts on it once its time reaches ``sent + latency``: when market data is
   processed, when :meth:`SimulatedExchange.advance_time` is called, or when
   :meth:`SimulatedExchange.settle` delivers what is due now. Its answers (accepted,
   rejected, filled, canceled, expired, triggered, updated) are applied to the order and
   published on :func:`lyra.topics.order_events` of the order's strategy, with
   ``ts_event`` = the engine's time. A handler may send new commands from inside; they are
   processed at the same time, before the next market data.

Data (:meth:`~SimulatedExchange.process_quote`, ``process_trade``, ``process_book_deltas``,
``process_mark`` and the batched :meth:`~SimulatedExchange.process` for ``QuoteBatch`` /
``TradeBatch`` / ``BookDeltaBatch``) moves the simulated market; it is re-published on the
:mod:`lyra.topics` data topics only when subscribed *and* somebody listens, so a replay
nobody watches builds no Python object per row. A batch goes to the engine in one call when
no order is working; otherwise the engine stops after each row that produced an event, so
handlers see events at the right time.

Accounts: the exchange trades in one default account; :meth:`SimulatedExchange.add_account`
adds more, each reached through its own :class:`SimulatedVenue` (a ``Venue`` bound to that
account), so several strategies can trade in separate accounts on one exchange. Fills
update the exchange's own :class:`~lyra.portfolio.Portfolio` (balances, positions); the
engine keeps the same signed position per account for reduce-only orders.

Determinism: order ids, venue order ids, trade ids and event ids are counters, and every
timestamp comes from the data or the clock, so the same inputs and seed give the same
events, byte for byte.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import msgspec.structs
import numpy as np
import numpy.typing as npt

from lyra import topics
from lyra.bus import EventBus
from lyra.clock import Clock
from lyra.errors import InvalidInput, NotSupported, PrecisionError, VenueNotConnected
from lyra.model.columnar import BookDeltaBatch, QuoteBatch, TradeBatch
from lyra.model.data import BarType, BookDelta, BookDeltas, QuoteTick, TradeTick
from lyra.model.enums import (
    AccountType,
    BookType,
    ContingencyType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    RecordFlag,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import (
    AccountId,
    InstrumentId,
    TradeId,
    Venue as VenueName,  # the name; Venue is the protocol
    VenueOrderId,
)
from lyra.model.instruments import Equity, Instrument
from lyra.model.session import ContinuousSession, TradingSession
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import OrderFilled
from lyra.orders.lists import OrderList, ReleasePolicy
from lyra.orders.order import Order
from lyra.orders.validation import (
    PRICE_OPTIONAL_TYPES,
    PRICE_REQUIRED_TYPES,
    TRIGGER_OPTIONAL_TYPES,
    TRIGGER_REQUIRED_TYPES,
)
from lyra.portfolio.account import Account, CashAccount, MarginAccount
from lyra.portfolio.portfolio import Portfolio
from lyra.risk.engine import RiskEngine
from lyra.sim.config import (
    FeeConfig,
    FillConfig,
    LatencyConfig,
    QueueModel,
    SimulatedExchangeConfig,
)
from lyra.venue.capabilities import AmendMode, ContingencySupport, VenueCapabilities
from lyra.venue.codes import RejectCode
from lyra.venue.events import ConnectionStatus
from lyra.venue.flow import OrderFlow, SubscriptionSet
from lyra.venue.reports import (
    BalanceReport,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
    ReconciliationReport,
)
from lyra.venue.unset import UNSET, Unset

__all__ = ("SimulatedExchange", "SimulatedVenue")

_T = OrderType
_S = OrderStatus

# SimCore event kinds (the pinned binding API).
_ACCEPTED: Final = 1
_REJECTED: Final = 2
_FILLED: Final = 3
_CANCELED: Final = 4
_EXPIRED: Final = 5
_TRIGGERED: Final = 6
_UPDATED: Final = 7
_MODIFIED: Final = 8
_MODIFY_REJECTED: Final = 9
_CANCEL_REJECTED: Final = 10
_RELEASED: Final = 11

_MAKER: Final = LiquiditySide.MAKER
_TAKER: Final = LiquiditySide.TAKER
_BUY: Final = OrderSide.BUY
_SELL: Final = OrderSide.SELL
_DEFAULT_TRIGGER: Final = int(TriggerType.DEFAULT)
_PRICED: Final = PRICE_REQUIRED_TYPES | PRICE_OPTIONAL_TYPES | {_T.MARKET_TO_LIMIT}
_HAS_TRIGGER: Final = TRIGGER_REQUIRED_TYPES | TRIGGER_OPTIONAL_TYPES
_MARKET_STYLE: Final = frozenset({_T.MARKET, _T.MARKET_TO_LIMIT})
_REPORT_AS: Final = {
    _S.ACCEPTED: _S.ACCEPTED,
    _S.TRIGGERED: _S.TRIGGERED,
    _S.PARTIALLY_FILLED: _S.PARTIALLY_FILLED,
    _S.FILLED: _S.FILLED,
    _S.CANCELED: _S.CANCELED,
    _S.EXPIRED: _S.EXPIRED,
    _S.REJECTED: _S.REJECTED,
}
_OPEN_REPORTED: Final = frozenset({_S.ACCEPTED, _S.TRIGGERED, _S.PARTIALLY_FILLED})
_F_LAST: Final = int(RecordFlag.F_LAST)


def _native() -> Any:
    """The native module holding ``SimCore`` and ``reason_text`` (imported on first use)."""
    from lyra import _native as native

    return native


class _Refusal(Exception):
    """A command the exchange itself refuses (private): becomes a rejection event."""

    def __init__(self, code: RejectCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Inst:
    """What the exchange keeps per instrument (private)."""

    __slots__ = (
        "auctions",
        "book_topic",
        "fee_instrument",
        "fixed_fee",
        "id",
        "index",
        "instrument",
        "price_inc",
        "quote_currency",
        "quote_topic",
        "session",
        "size_inc",
        "trade_topic",
    )

    def __init__(
        self,
        index: int,
        instrument: Instrument,
        fees: FeeConfig | None,
        session: TradingSession | ContinuousSession,
    ) -> None:
        self.index = index
        self.instrument = instrument
        self.id = instrument.id
        self.price_inc = instrument.price_increment.raw
        self.size_inc = instrument.size_increment.raw
        self.quote_currency = instrument.quote_currency
        self.session = session
        # Opening and closing auction times handed to the core so far (ascending).
        self.auctions: tuple[list[int], list[int]] = ([], [])
        self.quote_topic = topics.quotes(instrument.id)
        self.trade_topic = topics.trades(instrument.id)
        self.book_topic = topics.book_deltas(instrument.id)
        fee_instrument = instrument
        fixed: Money | None = None
        if fees is not None:
            changes: dict[str, Decimal] = {}
            if fees.maker_fee is not None:
                changes["maker_fee"] = fees.maker_fee
            if fees.taker_fee is not None:
                changes["taker_fee"] = fees.taker_fee
            if changes:
                fee_instrument = msgspec.structs.replace(instrument, **changes)
            if fees.fixed_per_fill:
                ccy = instrument.notional_currency
                fixed = Money(fees.fixed_per_fill, ccy)
        self.fee_instrument = fee_instrument
        self.fixed_fee = fixed

    def ticks(self, price: Price, field: str) -> int:
        q, r = divmod(price.raw, self.price_inc)
        if r:
            raise _Refusal(
                RejectCode.INVALID_ORDER,
                f"{field}: {price} is not a multiple of price_increment "
                f"{self.instrument.price_increment} of {self.id}",
            )
        return q

    def lots(self, quantity: Quantity, field: str) -> int:
        q, r = divmod(quantity.raw, self.size_inc)
        if r or q <= 0:
            rule = "is not a positive multiple" if q <= 0 else "is not a multiple"
            raise _Refusal(
                RejectCode.INVALID_ORDER,
                f"{field}: {quantity} {rule} of size_increment "
                f"{self.instrument.size_increment} of {self.id}",
            )
        return q

    def fee(self, quantity: Quantity, price: Price, liquidity: LiquiditySide) -> Money:
        fee = self.fee_instrument.calculate_fee(quantity, price, liquidity)
        fixed = self.fixed_fee
        return fee if fixed is None else fee + fixed


class _Session:
    """One account on the exchange and the order flow of the venue bound to it (private)."""

    __slots__ = ("account", "account_id", "by_cid", "flow", "index", "live", "venue")

    def __init__(self, index: int, account: Account, flow: OrderFlow) -> None:
        self.index = index
        self.account = account
        self.account_id = account.account_id
        self.flow = flow
        self.by_cid: dict[str, _Rec] = {}
        self.live: dict[int, _Rec] = {}
        self.venue: SimulatedVenue | None = None


class _Rec:
    """One order the exchange was sent (private)."""

    __slots__ = ("engine", "inst", "live", "lock_px", "modifies", "oid", "order", "session", "vid")

    def __init__(self, oid: int, order: Order, session: _Session, vid: VenueOrderId) -> None:
        self.oid = oid
        self.order = order
        self.session = session
        self.vid = vid
        self.inst: _Inst | None = None
        self.engine = False  # the engine knows it (else the exchange answers it itself)
        self.live = True
        self.lock_px: Price | None = None
        # modify requests sent and not answered yet: (price, trigger_price) asked for
        self.modifies: deque[tuple[Price | None, Price | None]] = deque()


# Engine reason codes (lyra_engine::exchange::Reason) that have a venue-wide RejectCode.
_NOT_FOUND: Final = 2
_POST_ONLY_WOULD_TAKE: Final = 18
_CONTINGENCY_CLOSED: Final = 23
_NO_AUCTION: Final = frozenset({24, 25})  # NO_OPENING_AUCTION, NO_CLOSING_AUCTION
_AUCTION_TIFS: Final = frozenset({TimeInForce.AT_THE_OPEN, TimeInForce.AT_THE_CLOSE})
_AUX_PRICE: Final = frozenset({18, 20})  # best opposite price, trigger reference price
_AUX_LOTS: Final = frozenset({19, 21})  # position, filled quantity


def _reject_code(code: int) -> tuple[RejectCode, bool]:
    """The stable code for an engine reason, and whether it is a post-only rejection."""
    if code == _POST_ONLY_WOULD_TAKE:
        return RejectCode.POST_ONLY_WOULD_TAKE, True
    if code == _NOT_FOUND:
        return RejectCode.UNKNOWN_ORDER, False
    if code == _CONTINGENCY_CLOSED:
        return RejectCode.VENUE_REJECTED, False
    if code in _NO_AUCTION:
        return RejectCode.NOT_SUPPORTED, False
    return RejectCode.INVALID_ORDER, False


def _capabilities(native_contingencies: bool, auctions: bool = False) -> VenueCapabilities:
    contingencies: tuple[ContingencySupport, ...] = ()
    if native_contingencies:
        contingencies = (
            ContingencySupport(contingency_type=ContingencyType.OCO),
            ContingencySupport(contingency_type=ContingencyType.OUO),
            ContingencySupport(
                contingency_type=ContingencyType.OTO,
                children_contingency=frozenset(
                    {ContingencyType.NO_CONTINGENCY, ContingencyType.OCO, ContingencyType.OUO}
                ),
                release_policies=frozenset({ReleasePolicy.ON_FIRST_FILL}),
            ),
        )
    return VenueCapabilities(
        order_types=frozenset(OrderType),
        # AT_THE_OPEN / AT_THE_CLOSE only where some instrument's session has auctions.
        time_in_force=frozenset(
            {TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD, TimeInForce.DAY}
            | (_AUCTION_TIFS if auctions else frozenset())
        ),
        post_only=True,
        reduce_only=True,
        iceberg=True,
        # MARK_PRICE orders fire on marks fed with process_mark; trailing stops follow
        # BID_ASK, LAST_PRICE or MARK_PRICE only (others are rejected when they arrive).
        trigger_types=frozenset(
            {
                TriggerType.BID_ASK,
                TriggerType.LAST_PRICE,
                TriggerType.DOUBLE_LAST,
                TriggerType.DOUBLE_BID_ASK,
                TriggerType.LAST_OR_BID_ASK,
                TriggerType.MID_POINT,
                TriggerType.MARK_PRICE,
            }
        ),
        trailing_offset_types=frozenset(
            {TrailingOffsetType.PRICE, TrailingOffsetType.BASIS_POINTS, TrailingOffsetType.TICKS}
        ),
        activation_price=True,
        amend=AmendMode.IN_PLACE,
        amend_quantity=True,
        amend_quantity_increase=True,
        amend_price=True,
        amend_trigger_price=True,
        contingencies=contingencies,
        quotes=True,
        trades=True,
        book=True,
    )


def _int_offset(value: Decimal, field: str) -> int:
    if value != value.to_integral_value():
        raise _Refusal(RejectCode.INVALID_ORDER, f"{field}: {value} must be a whole number here")
    return int(value)


_Array = npt.NDArray[Any]


def _grid(col: _Array, inc: int, field: str, iid: InstrumentId, what: str) -> _Array:
    """``col // inc`` as a new contiguous array; raises when a row is off the grid."""
    if inc == 1:
        return np.ascontiguousarray(col)
    q, r = np.divmod(col, col.dtype.type(inc))
    if r.any():
        row = int(np.flatnonzero(r)[0])
        raise PrecisionError(
            field, f"row {row} is not a multiple of {what} of {iid}", int(col[row])
        )
    return q


class SimulatedVenue:
    """A :class:`~lyra.venue.Venue` bound to one account of a :class:`SimulatedExchange`.

    :class:`SimulatedExchange` itself is the venue of its default account;
    :meth:`SimulatedExchange.add_account` returns one of these for each further account.
    Orders sent through it trade in its :attr:`account_id`; market data subscriptions are
    shared with the exchange (counted together).
    """

    __slots__ = ("_ex", "_session")

    _ex: SimulatedExchange
    _session: _Session

    # -- identity ------------------------------------------------------------------------------
    @property
    def venue(self) -> VenueName:
        """The venue's name (the ``VENUE`` of its instrument ids)."""
        return self._ex._venue

    @property
    def account_id(self) -> AccountId:
        """The account this venue object trades in."""
        return self._session.account_id

    @property
    def account(self) -> Account:
        """The account itself (balances and locks as the exchange keeps them)."""
        return self._session.account

    @property
    def exchange(self) -> SimulatedExchange:
        """The exchange this venue object trades on."""
        return self._ex

    @property
    def capabilities(self) -> VenueCapabilities:
        """What the simulated exchange supports natively."""
        return self._ex._capabilities

    @property
    def status(self) -> ConnectionStatus:
        """The connection status (a simulator starts CONNECTED)."""
        return self._session.flow.status

    @property
    def connected(self) -> bool:
        """Whether :attr:`status` is CONNECTED."""
        return self._session.flow.connected

    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        """This account's signed net position in ``instrument_id`` (long positive), from
        its fills on the exchange: a :class:`lyra.risk.PositionView` for a risk engine."""
        return self._ex._net_position(self._session, instrument_id)

    # -- order commands --------------------------------------------------------------------
    def submit_order(self, order: Order) -> None:
        """Send ``order`` (see :meth:`lyra.venue.Venue.submit_order`)."""
        self._ex._submit(self._session, order)

    def submit_order_list(self, order_list: OrderList) -> None:
        """Send a list for the exchange to enforce natively (OCO, OUO, OTO with
        ON_FIRST_FILL, brackets), all or nothing."""
        self._ex._submit_list(self._session, order_list)

    def modify_order(
        self,
        order: Order,
        quantity: Quantity | Unset = UNSET,
        price: Price | Unset = UNSET,
        trigger_price: Price | Unset = UNSET,
    ) -> None:
        """Change a working order in place (see :meth:`lyra.venue.Venue.modify_order`)."""
        self._ex._modify(self._session, order, quantity, price, trigger_price)

    def cancel_order(self, order: Order) -> None:
        """Cancel a working order (see :meth:`lyra.venue.Venue.cancel_order`)."""
        self._ex._cancel(self._session, order)

    def cancel_all_orders(self, instrument_id: InstrumentId, side: OrderSide | None = None) -> None:
        """Cancel every working order of ``instrument_id`` (and ``side``) in this account."""
        self._ex._cancel_all(self._session, instrument_id, side)

    def adopt_orders(self, orders: Iterable[Order]) -> None:
        """Track orders restored after a restart (the engine does not know them: cancels and
        modifies of them are answered UNKNOWN_ORDER)."""
        self._session.flow.adopt(orders)

    # -- market data -------------------------------------------------------------------------
    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Publish the quotes the exchange is fed for ``instrument_id``."""
        self._ex._subscribe("quotes", instrument_id)

    def unsubscribe_quotes(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_quotes`."""
        self._ex._unsubscribe("quotes", instrument_id)

    def subscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Publish the trades the exchange is fed for ``instrument_id``."""
        self._ex._subscribe("trades", instrument_id)

    def unsubscribe_trades(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_trades`."""
        self._ex._unsubscribe("trades", instrument_id)

    def subscribe_book(self, instrument_id: InstrumentId, depth: int | None = None) -> None:
        """Publish the book deltas the exchange is fed for ``instrument_id`` (as fed: the
        exchange re-publishes the data's own snapshots, it does not make one)."""
        self._ex._subscribe("book", instrument_id)

    def unsubscribe_book(self, instrument_id: InstrumentId) -> None:
        """Undo one :meth:`subscribe_book`."""
        self._ex._unsubscribe("book", instrument_id)

    def subscribe_bars(self, bar_type: BarType) -> None:
        """Always raises :class:`~lyra.venue.NotSupported`: the exchange builds no bars."""
        reason = self.capabilities.supports_bars(bar_type)
        raise NotSupported(reason or "bars: not streamed", venue=self.venue)

    def unsubscribe_bars(self, bar_type: BarType) -> None:
        """Nothing to undo (bars are never subscribed)."""

    # -- recovery ----------------------------------------------------------------------------
    async def reconcile(
        self, since_ns: int, instrument_ids: Iterable[InstrumentId] | None = None
    ) -> ReconciliationReport:
        """What the exchange holds for this account: open orders, orders closed and fills
        since ``since_ns``, positions and balances."""
        if not self.connected:
            raise VenueNotConnected(venue=self.venue)
        import anyio.lowlevel

        await anyio.lowlevel.checkpoint()
        return self._ex._reconcile(self._session, since_ns, instrument_ids)

    # -- lifecycle -------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        flow = self._session.flow
        flow.set_status(ConnectionStatus.CONNECTING, "opening the simulated exchange")
        flow.set_status(ConnectionStatus.CONNECTED, "ready")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        self._session.flow.set_status(ConnectionStatus.DISCONNECTED, "closed by user")
        return None

    def __repr__(self) -> str:
        return f"SimulatedVenue({self._ex._venue}, {self._session.account_id})"


class SimulatedExchange(SimulatedVenue):
    """A simulated venue running Lyra's matching engine; see the module docs.

    Args:
        venue: the venue's name (the ``VENUE`` of every instrument id it trades).
        bus: where events (and subscribed data) are published.
        clock: stamps ``ts_init`` of the events (``None``: the exchange's own time, i.e.
            the event's ``ts_event``) and gives the time commands are sent at (the later of
            the clock and the exchange's time).
        instruments: the instruments it trades (more cannot be added later).
        book_type: L1_MBP (quotes move the market), L2_MBP or L3_MBO (deltas do).
        account_type: CASH or MARGIN, for the default account.
        oms_type: NETTING (the only one supported).
        starting_balances: the default account's opening balances.
        fees: fee rates replacing every instrument's (a :class:`~lyra.sim.FeeConfig`), or a
            mapping of instrument id to one.
        latency: command latencies (:class:`~lyra.sim.LatencyConfig`; default none).
        queue_model: queue position model for L2 data.
        fill: matching rules (:class:`~lyra.sim.FillConfig`).
        sessions: trading sessions per instrument id, overriding the instruments' own
            (DAY orders expire at the session's close).
        native_contingencies: enforce OCO/OUO/OTO lists natively (else lists are denied
            NOT_SUPPORTED, for the contingency manager to emulate).
        risk: an optional :class:`~lyra.risk.RiskEngine` every submit and modify passes
            first (a refusal is an ``OrderDenied`` / ``OrderModifyRejected``).
        seed: seeds the latency jitter.
        account_id: the default account's id (default ``"<VENUE>-001"``).
        leverage: the default leverage of a MARGIN account.
        connected: start CONNECTED (default: a simulator has no connection to wait for).
    """

    __slots__ = (
        "_bus",
        "_by_id",
        "_capabilities",
        "_clock",
        "_config",
        "_core",
        "_deferred",
        "_dirty",
        "_handlers",
        "_insts",
        "_latency",
        "_leverage",
        "_live",
        "_native_mod",
        "_next_oid",
        "_portfolio",
        "_positions",
        "_reasons",
        "_recs",
        "_risk",
        "_seq",
        "_sessions",
        "_stamp",
        "_subs",
        "_trade_seq",
        "_venue",
    )

    def __init__(
        self,
        venue: VenueName | str,
        *,
        bus: EventBus,
        clock: Clock | None = None,
        instruments: Iterable[Instrument],
        book_type: BookType = BookType.L1_MBP,
        account_type: AccountType = AccountType.CASH,
        oms_type: OmsType = OmsType.NETTING,
        starting_balances: Iterable[Money] = (),
        fees: FeeConfig | Mapping[InstrumentId | str, FeeConfig] | None = None,
        latency: LatencyConfig | None = None,
        queue_model: QueueModel = QueueModel.PESSIMISTIC,
        fill: FillConfig | None = None,
        sessions: Mapping[InstrumentId | str, TradingSession | ContinuousSession] | None = None,
        native_contingencies: bool = True,
        risk: RiskEngine | None = None,
        seed: int = 0,
        account_id: AccountId | str | None = None,
        leverage: Decimal | int | str = 1,
        connected: bool = True,
    ) -> None:
        all_fees = fees if isinstance(fees, FeeConfig) or fees is None else None
        per_instrument: dict[InstrumentId, FeeConfig] = {}
        if fees is not None and all_fees is None:
            if not isinstance(fees, Mapping):
                raise InvalidInput("fees", "must be a FeeConfig or a mapping of them", fees)
            per_instrument = {InstrumentId(k): v for k, v in fees.items()}
        config = SimulatedExchangeConfig(
            book_type=book_type,
            account_type=account_type,
            oms_type=oms_type,
            starting_balances=tuple(starting_balances),
            account_id=None if account_id is None else AccountId(account_id),
            fees=all_fees,
            instrument_fees=per_instrument,
            latency=LatencyConfig() if latency is None else latency,
            queue_model=queue_model,
            fill=FillConfig() if fill is None else fill,
            sessions={InstrumentId(k): v for k, v in (sessions or {}).items()},
            native_contingencies=native_contingencies,
            seed=seed,
        )
        self._setup(VenueName(venue), config, bus, clock, instruments, risk, leverage, connected)

    @classmethod
    def from_config(
        cls,
        venue: VenueName | str,
        config: SimulatedExchangeConfig,
        *,
        bus: EventBus,
        clock: Clock | None = None,
        instruments: Iterable[Instrument],
        risk: RiskEngine | None = None,
        leverage: Decimal | int | str = 1,
    ) -> SimulatedExchange:
        """An exchange described by a :class:`~lyra.sim.SimulatedExchangeConfig`."""
        if not isinstance(config, SimulatedExchangeConfig):
            raise InvalidInput("config", "must be a SimulatedExchangeConfig", config)
        self = cls.__new__(cls)
        self._setup(VenueName(venue), config, bus, clock, instruments, risk, leverage, True)
        return self

    def _setup(
        self,
        venue: VenueName,
        config: SimulatedExchangeConfig,
        bus: EventBus,
        clock: Clock | None,
        instruments: Iterable[Instrument],
        risk: RiskEngine | None,
        leverage: Decimal | int | str,
        connected: bool,
    ) -> None:
        if not isinstance(bus, EventBus):
            raise InvalidInput("bus", "must be an EventBus", bus)
        if clock is not None and not callable(getattr(clock, "timestamp_ns", None)):
            raise InvalidInput("clock", "must be a Clock or None", clock)
        if risk is not None and not isinstance(risk, RiskEngine):
            raise InvalidInput("risk", "must be a RiskEngine or None", risk)
        self._venue = venue
        self._config = config
        self._bus = bus
        self._clock = clock
        self._risk = risk
        self._leverage = leverage
        self._latency = config.latency
        self._native_mod = _native()
        fill = config.fill
        lat = config.latency
        self._core = self._native_mod.SimCore(
            seed=config.seed,
            self_trade=int(fill.self_trade),
            reject_stops_in_market=fill.reject_stops_in_market,
            market_protection_ticks=fill.market_protection_ticks,
            day_cutoff_ns=0,
            submit_latency_ns=lat.submit_ns,
            modify_latency_ns=lat.modify_ns,
            cancel_latency_ns=lat.cancel_ns,
            latency_jitter_ns=lat.jitter_ns,
            queue_model=int(config.queue_model),
            native_contingencies=config.native_contingencies,
        )
        self._insts: list[_Inst] = []
        self._by_id: dict[InstrumentId, _Inst] = {}
        given = list(instruments)
        if not given:
            raise InvalidInput("instruments", "must name at least one instrument", given)
        for instrument in given:
            if not isinstance(instrument, Instrument):
                raise InvalidInput("instruments", "must hold Instruments", instrument)
            if instrument.venue != venue:
                raise InvalidInput(
                    "instruments", f"must be instruments of venue {venue}", instrument.id
                )
            if instrument.id in self._by_id:
                raise InvalidInput("instruments", "must not repeat an instrument", instrument.id)
            index = self._core.add_instrument(int(config.book_type))
            fees = config.instrument_fees.get(instrument.id, config.fees)
            hours = config.sessions.get(instrument.id, instrument.trading_session)
            inst = _Inst(index, instrument, fees, hours)
            self._insts.append(inst)
            self._by_id[instrument.id] = inst
        for iid in (*config.instrument_fees, *config.sessions):
            if iid not in self._by_id:
                raise InvalidInput("fees/sessions", "names an instrument not traded here", iid)
        self._capabilities = _capabilities(
            config.native_contingencies,
            any(
                isinstance(i.session, TradingSession)
                and (i.session.has_opening_auction or i.session.has_closing_auction)
                for i in self._insts
            ),
        )
        self._portfolio = Portfolio(instruments=given, oms_type=OmsType.NETTING)
        self._recs: dict[int, _Rec] = {}
        self._next_oid = 0
        self._trade_seq = 0
        self._live = 0
        self._deferred: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0
        self._dirty = False
        self._stamp = 0
        self._subs: SubscriptionSet[tuple[str, InstrumentId]] = SubscriptionSet()
        self._positions: dict[tuple[int, int], int] = {}
        self._reasons: dict[int, tuple[str, RejectCode, bool]] = {}
        self._sessions: list[_Session] = []
        on: dict[int, Callable[[tuple[int, ...]], None]] = {
            _ACCEPTED: self._on_accepted,
            _REJECTED: self._on_rejected,
            _FILLED: self._on_filled,
            _CANCELED: self._on_canceled,
            _EXPIRED: self._on_expired,
            _TRIGGERED: self._on_triggered,
            _UPDATED: self._on_updated,
            _MODIFIED: self._on_modified,
            _MODIFY_REJECTED: self._on_modify_rejected,
            _CANCEL_REJECTED: self._on_cancel_rejected,
            _RELEASED: self._on_released,
        }
        # indexed by kind: one tuple lookup per event
        self._handlers = tuple(on.get(k, self._on_ignored) for k in range(max(on) + 1))
        account_id = config.account_id or AccountId(f"{venue}-001")
        session = self._new_session(
            account_id, config.starting_balances, config.account_type, connected
        )
        self._ex = self
        self._session = session
        session.venue = self

    # -- accounts ----------------------------------------------------------------------------------
    def _new_session(
        self,
        account_id: AccountId,
        balances: Iterable[Money],
        account_type: AccountType,
        connected: bool,
    ) -> _Session:
        if any(s.account_id == account_id for s in self._sessions):
            raise InvalidInput("account_id", "is already an account of this exchange", account_id)
        # The exchange checks balances itself when an order arrives; once the engine has
        # filled an order the fill must be booked, so the account never refuses one.
        account: Account
        if account_type == AccountType.CASH:
            account = CashAccount(account_id, balances, allow_borrowing=True)
        elif account_type == AccountType.MARGIN:
            account = MarginAccount(
                account_id, balances, default_leverage=self._leverage, allow_borrowing=True
            )
        else:
            raise InvalidInput("account_type", "must be CASH or MARGIN", account_type)
        flow = OrderFlow(
            self._venue,
            account_id,
            self._bus,
            self._clock if self._clock is not None else self._stamp_now,
            capabilities=self._capabilities,
            id_prefix=f"{account_id}-",
            status=ConnectionStatus.CONNECTED if connected else ConnectionStatus.DISCONNECTED,
        )
        session = _Session(len(self._sessions), account, flow)
        self._sessions.append(session)
        self._portfolio.add_account(account)
        return session

    def add_account(
        self,
        account_id: AccountId | str,
        starting_balances: Iterable[Money] = (),
        *,
        account_type: AccountType | None = None,
    ) -> SimulatedVenue:
        """Open another account on the exchange and return the venue bound to it.

        ``account_type`` defaults to the exchange's. Give the returned
        :class:`SimulatedVenue` to the strategy that trades in that account; its orders may
        match orders of the other accounts (price-time priority; self-trade prevention
        applies within one account only).
        """
        kind = self._config.account_type if account_type is None else AccountType(account_type)
        session = self._new_session(
            AccountId(account_id), tuple(starting_balances), kind, self.connected
        )
        view = SimulatedVenue.__new__(SimulatedVenue)
        view._ex = self
        view._session = session
        session.venue = view
        return view

    def venue_for(self, account_id: AccountId | str) -> SimulatedVenue:
        """The venue object bound to ``account_id`` (the exchange itself for its default
        account)."""
        for session in self._sessions:
            if session.account_id == account_id:
                assert session.venue is not None
                return session.venue
        raise InvalidInput("account_id", f"is not an account of {self._venue}", account_id)

    @property
    def accounts(self) -> tuple[Account, ...]:
        """Every account on the exchange, the default one first."""
        return tuple(s.account for s in self._sessions)

    @property
    def portfolio(self) -> Portfolio:
        """The exchange's own book-keeping: balances and positions of every account."""
        return self._portfolio

    @property
    def config(self) -> SimulatedExchangeConfig:
        """The configuration the exchange was made with."""
        return self._config

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """The instruments traded, in the order given."""
        return tuple(i.instrument for i in self._insts)

    @property
    def now(self) -> int:
        """The exchange's time (ns): the latest time the engine has reached."""
        return int(self._core.now)

    def net_position(
        self, instrument_id: InstrumentId | str, account_id: AccountId | str | None = None
    ) -> Decimal:
        """The signed net position of an account (default: the default account) in an
        instrument, as the engine uses it for reduce-only orders (long positive)."""
        return self._net_position(self._session_of(account_id), instrument_id)

    def _net_position(self, session: _Session, instrument_id: InstrumentId | str) -> Decimal:
        inst = self._inst(instrument_id)
        lots = self._positions.get((inst.index, session.index), 0)
        return Decimal(lots) * inst.instrument.size_increment.as_decimal()

    def best_bid(self, instrument_id: InstrumentId | str) -> tuple[Price, Quantity] | None:
        """The best bid as the exchange sees it (data and resting orders), or ``None``."""
        inst = self._inst(instrument_id)
        top = self._core.best_bid(inst.index)
        if top is None:
            return None
        i = inst.instrument
        return i.price_from_ticks(top[0]), i.qty_from_lots(top[1])

    def best_ask(self, instrument_id: InstrumentId | str) -> tuple[Price, Quantity] | None:
        """The best ask as the exchange sees it, or ``None``."""
        inst = self._inst(instrument_id)
        top = self._core.best_ask(inst.index)
        if top is None:
            return None
        i = inst.instrument
        return i.price_from_ticks(top[0]), i.qty_from_lots(top[1])

    def orders(self) -> list[Order]:
        """Every order this exchange was sent (all accounts, open or not), account by
        account in the order they arrived."""
        return [rec.order for session in self._sessions for rec in session.by_cid.values()]

    def open_orders(self, instrument_id: InstrumentId | str | None = None) -> list[Order]:
        """Orders working at the engine (resting, held or waiting for a trigger), of one
        instrument or all, in the order they were sent."""
        insts = self._insts if instrument_id is None else [self._inst(instrument_id)]
        ids: list[int] = []
        for inst in insts:
            ids.extend(self._core.open_order_ids(inst.index))
        return [self._recs[i].order for i in sorted(ids) if i in self._recs]

    def _inst(self, instrument_id: InstrumentId | str) -> _Inst:
        inst = self._by_id.get(InstrumentId(instrument_id))
        if inst is None:
            raise InvalidInput("instrument_id", f"is not traded on {self._venue}", instrument_id)
        return inst

    def _session_of(self, account_id: AccountId | str | None) -> _Session:
        if account_id is None:
            return self._sessions[0]
        return self.venue_for(account_id)._session

    # -- time --------------------------------------------------------------------------------
    def _stamp_now(self) -> int:
        return self._stamp

    def _command_time(self) -> int:
        clock = self._clock
        t = clock.timestamp_ns() if clock is not None else 0
        c = self._core.now
        now = t if t > c else c
        self._stamp = now
        return now

    def settle(self) -> None:
        """Deliver everything due by now (the later of the clock and the exchange's time):
        commands whose latency has passed, and the events they cause, including commands
        sent by event handlers meanwhile."""
        self._run_until(self._command_time())

    def advance_time(self, ts_ns: int) -> None:
        """Move the exchange's time to ``ts_ns`` without market data: commands due by then
        arrive, GTD and DAY orders expire. An earlier time moves nothing."""
        if type(ts_ns) is not int:
            try:
                ts_ns = int(ts_ns)
            except (TypeError, ValueError):
                raise InvalidInput("ts_ns", "must be an int of nanoseconds", ts_ns) from None
        self._run_until(ts_ns if ts_ns > self._core.now else int(self._core.now))

    def _run_until(self, ts: int) -> None:
        core = self._core
        deferred = self._deferred
        while True:
            self._dirty = False
            while deferred and deferred[0][0] <= ts:
                due = deferred[0][0]
                if core.now < due:
                    core.advance(due)
                    self._dispatch()
                    continue
                self._stamp = due
                heapq.heappop(deferred)[2]()
            now = core.now
            core.advance(ts if ts > now else now)
            self._dispatch()
            if not self._dirty:
                return

    def _catch_up(self, ts: int) -> None:
        """Deliver the exchange's own deferred answers due by ``ts`` (before data at ``ts``)."""
        core = self._core
        deferred = self._deferred
        while deferred and deferred[0][0] <= ts:
            due = deferred[0][0]
            if core.now < due:
                core.advance(due)
                self._dispatch()
                continue
            self._stamp = due
            heapq.heappop(deferred)[2]()
        if self._dirty:
            self._run_until(int(core.now))

    def _defer(self, due: int, answer: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._deferred, (due, self._seq, answer))
        self._dirty = True

    # -- events --------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        core = self._core
        handlers = self._handlers
        known = len(handlers)
        ignored = self._on_ignored
        events = core.drain()
        while events:
            for ev in events:
                kind = ev[0]
                (handlers[kind] if kind < known else ignored)(ev)
            events = core.drain()

    def _reason(self, code: int, aux: int, inst: _Inst | None) -> tuple[str, RejectCode, bool]:
        """Text, stable code and post-only flag of an engine reason; the text shows the
        reason's parameter (``aux``) as a price, a quantity or a time."""
        found = self._reasons.get(code)
        if found is None:
            text = str(self._native_mod.reason_text(code)) if code else "refused"
            rc, post_only = _reject_code(code)
            found = self._reasons[code] = (f"{self._venue}: {text}", rc, post_only)
        text = found[0]
        if "(aux)" in text:
            shown: object = aux
            if inst is not None and code in _AUX_PRICE:
                shown = inst.instrument.price_from_ticks(aux)
            elif inst is not None and code in _AUX_LOTS:
                lots = inst.instrument.qty_from_lots(abs(aux))
                shown = f"-{lots}" if aux < 0 else lots
            text = text.replace("(aux)", f"({shown})")
        return text, found[1], found[2]

    def _on_ignored(self, ev: tuple[int, ...]) -> None:
        """Kinds the exchange does not know (a newer engine): nothing to publish."""

    def _rec_at(self, ev: tuple[int, ...]) -> _Rec | None:
        rec = self._recs.get(ev[3])
        if rec is not None:
            self._stamp = ev[1]
        return rec

    def _on_accepted(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        flow = rec.session.flow
        flow.emit(
            flow.events.accepted(
                rec.order, rec.vid, account_id=rec.session.account_id, ts_event=ev[1]
            )
        )

    def _on_rejected(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        text, code, post_only = self._reason(ev[9], ev[7], rec.inst)
        self._emit_rejected(rec, code, text, ev[1], post_only)

    def _emit_rejected(
        self, rec: _Rec, code: RejectCode, reason: str, ts: int, post_only: bool = False
    ) -> None:
        flow = rec.session.flow
        flow.emit(
            flow.events.rejected(
                rec.order,
                reason,
                code,
                due_post_only=post_only,
                account_id=rec.session.account_id,
                ts_event=ts,
            )
        )
        self._finish(rec)

    def _on_filled(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        ts = ev[1]
        price = ev[5]
        qty = ev[6]
        liq = ev[7]
        inst = rec.inst
        assert inst is not None
        session = rec.session
        order = rec.order
        instrument = inst.instrument
        px = instrument.price_from_ticks(price)
        q = instrument.qty_from_lots(qty)
        liquidity = _MAKER if liq == 1 else _TAKER
        self._trade_seq += 1
        flow = session.flow
        fill = flow.events.filled(
            order,
            trade_id=str.__new__(TradeId, f"{self._venue}-T{self._trade_seq}"),
            last_qty=q,
            last_px=px,
            commission=inst.fee(q, px, liquidity),
            currency=inst.quote_currency,
            liquidity_side=liquidity,
            venue_order_id=rec.vid,
            account_id=session.account_id,
            ts_event=ts,
        )
        self._book_fill(rec, fill, qty)
        flow.emit(fill)
        if order.is_closed:
            self._finish(rec)
        else:
            self._relock(rec)

    def _book_fill(self, rec: _Rec, fill: OrderFilled, lots: int) -> None:
        """The venue's own book-keeping of a fill: account and positions."""
        inst = rec.inst
        assert inst is not None
        # the exchange keeps no position events: the portfolio skips building them
        self._portfolio._apply_fill(fill, inst.instrument, True)
        # The engine keeps the same signed position from its own fills (for reduce-only);
        # this copy serves queries and reconcile without a call into the engine.
        key = (inst.index, rec.session.index)
        self._positions[key] = self._positions.get(key, 0) + (
            lots if rec.order.side is _BUY else -lots
        )

    def _on_canceled(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        flow = rec.session.flow
        flow.emit(
            flow.events.canceled(
                rec.order,
                venue_order_id=self._vid_if_acked(rec),
                account_id=rec.session.account_id,
                ts_event=ev[1],
            )
        )
        self._finish(rec)

    @staticmethod
    def _vid_if_acked(rec: _Rec) -> VenueOrderId | None:
        """The venue order id, or ``None`` for an order never acknowledged (a held OTO
        child): it ends canceled without an implied ``OrderAccepted``."""
        return rec.vid if rec.order.ts_accepted is not None else None

    def _on_expired(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        flow = rec.session.flow
        flow.emit(
            flow.events.expired(
                rec.order,
                venue_order_id=self._vid_if_acked(rec),
                account_id=rec.session.account_id,
                ts_event=ev[1],
            )
        )
        self._finish(rec)

    def _on_triggered(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        flow = rec.session.flow
        flow.emit(
            flow.events.triggered(
                rec.order,
                venue_order_id=rec.vid,
                account_id=rec.session.account_id,
                ts_event=ev[1],
            )
        )

    def _on_updated(self, ev: tuple[int, ...]) -> None:
        """The engine changed the order itself (OUO reduction, OTO child growth, trailing
        stop moved, market-to-limit priced): ``price`` the limit, ``qty`` the new total,
        ``aux`` the trigger (0: none)."""
        rec = self._rec_at(ev)
        if rec is None:
            return
        self._emit_updated(rec, ev, None, None)
        if not rec.order.is_closed:
            self._relock(rec)

    def _emit_updated(
        self,
        rec: _Rec,
        ev: tuple[int, ...],
        price: Price | None,
        trigger: Price | None,
    ) -> None:
        inst = rec.inst
        assert inst is not None
        order = rec.order
        instrument = inst.instrument
        otype = order.order_type
        if otype in _PRICED and ev[5]:
            price = instrument.price_from_ticks(ev[5])
        if otype in _HAS_TRIGGER and ev[7]:
            trigger = instrument.price_from_ticks(ev[7])
        if price == order.price:
            price = None
        if trigger == order.trigger_price:
            trigger = None
        flow = rec.session.flow
        flow.emit(
            flow.events.updated(
                order,
                quantity=instrument.qty_from_lots(ev[6]) if ev[6] else order.quantity,
                price=price,
                trigger_price=trigger,
                venue_order_id=rec.vid,
                account_id=rec.session.account_id,
                ts_event=ev[1],
            )
        )

    def _on_modified(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        price, trigger = rec.modifies.popleft() if rec.modifies else (None, None)
        self._emit_updated(rec, ev, price, trigger)
        order = rec.order
        if rec.lock_px is not None and order.price is not None:
            rec.lock_px = order.price
        if order.is_closed:
            self._finish(rec)
        else:
            self._relock(rec)

    def _on_modify_rejected(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        if rec.modifies:
            rec.modifies.popleft()
        text, code, _ = self._reason(ev[9], ev[7], rec.inst)
        self._emit_modify_rejected(rec, code, text, ev[1])

    def _emit_modify_rejected(self, rec: _Rec, code: RejectCode, reason: str, ts: int) -> None:
        flow = rec.session.flow
        flow.emit(
            flow.events.modify_rejected(
                rec.order,
                reason,
                code,
                venue_order_id=rec.order.venue_order_id,
                account_id=rec.session.account_id,
                ts_event=ts,
            )
        )

    def _on_cancel_rejected(self, ev: tuple[int, ...]) -> None:
        rec = self._rec_at(ev)
        if rec is None:
            return
        text, code, _ = self._reason(ev[9], ev[7], rec.inst)
        self._emit_cancel_rejected(rec, code, text, ev[1])

    def _emit_cancel_rejected(self, rec: _Rec, code: RejectCode, reason: str, ts: int) -> None:
        flow = rec.session.flow
        flow.emit(
            flow.events.cancel_rejected(
                rec.order,
                reason,
                code,
                venue_order_id=rec.order.venue_order_id,
                account_id=rec.session.account_id,
                ts_event=ts,
            )
        )

    def _on_released(self, ev: tuple[int, ...]) -> None:
        """A held OTO child entered the book with ``qty``: acknowledged now (the venue
        holds it unacknowledged until then, as the venue contract allows), resized to what
        the parent filled, and its funds reserved (children are not balance-checked while
        held)."""
        rec = self._rec_at(ev)
        if rec is None:
            return
        order = rec.order
        if order.ts_accepted is None:
            self._on_accepted(ev)
        inst = rec.inst
        assert inst is not None
        if ev[6] and inst.instrument.qty_from_lots(ev[6]) != order.quantity:
            self._emit_updated(rec, ev, None, None)
        if rec.lock_px is None and not order.reduce_only:
            rec.lock_px = self._lock_price(order, inst)
        self._relock(rec)

    def _finish(self, rec: _Rec) -> None:
        if not rec.live:
            return
        rec.live = False
        self._live -= 1
        rec.session.live.pop(rec.oid, None)
        if rec.lock_px is not None:
            rec.session.account.release(rec.order.client_order_id)

    # -- balances ------------------------------------------------------------------------------
    def _lock_price(self, order: Order, inst: _Inst) -> Price | None:
        """The price an order's funds are reserved at: its limit, else its trigger or
        activation price, else the best opposite price now (``None``: no market)."""
        px = order.price
        if px is not None:
            return px
        px = order.trigger_price
        if px is not None:
            return px
        px = order.activation_price
        if px is not None:
            return px
        top = (
            self._core.best_ask(inst.index)
            if order.side is _BUY
            else self._core.best_bid(inst.index)
        )
        return None if top is None else inst.instrument.price_from_ticks(top[0])

    def _reserve(self, rec: _Rec, inst: _Inst) -> None:
        """Check the account can pay for the order and lock the funds (raises _Refusal)."""
        order = rec.order
        if order.reduce_only:
            return
        session = rec.session
        account = session.account
        instrument = inst.instrument
        side = order.side
        if side is _SELL and isinstance(account, CashAccount) and isinstance(instrument, Equity):
            held = self._positions.get((inst.index, session.index), 0)
            for other in session.live.values():
                o = other.order
                if (
                    other is not rec
                    and other.inst is inst
                    and o.side is OrderSide.SELL
                    and not o.reduce_only
                    and o.leaves_qty.is_positive()
                ):
                    held -= inst.lots(o.leaves_qty, "quantity")
            want = inst.lots(order.quantity, "quantity")
            if want > held:
                free_qty = instrument.qty_from_lots(max(held, 0))
                raise _Refusal(
                    RejectCode.INSUFFICIENT_BALANCE,
                    f"{self._venue}: quantity: SELL {order.quantity} {inst.id} would sell short; "
                    f"a CASH account may sell only what it holds ({free_qty} not yet offered)",
                )
            return
        px = self._lock_price(order, inst)
        if px is None:
            return
        amount = account.order_lock_amount(instrument, side, order.quantity, px)
        raw = amount.raw
        if raw > 0:
            currency = amount.currency
            free_raw = account._free_raw(currency)  # free_balance(currency).raw, or None
            if raw > (0 if free_raw is None else free_raw):
                free = account.free_balance(currency)
                shown = Money.zero(currency) if free is None else free
                raise _Refusal(
                    RejectCode.INSUFFICIENT_BALANCE,
                    f"{self._venue}: {order.side.name} {order.quantity} {inst.id} at {px} needs "
                    f"{amount} free in account {session.account_id}, which has {shown}",
                )
            account.lock(order.client_order_id, amount, inst.id)
        rec.lock_px = px

    def _relock(self, rec: _Rec) -> None:
        px = rec.lock_px
        if px is None:
            return
        order = rec.order
        account = rec.session.account
        leaves = order.leaves_qty
        if order.is_closed or not leaves.is_positive():
            account.release(order.client_order_id)
            return
        inst = rec.inst
        assert inst is not None
        amount = account.order_lock_amount(inst.instrument, order.side, leaves, px)
        account.lock(order.client_order_id, amount, inst.id)

    # -- commands ------------------------------------------------------------------------------
    def _new_rec(self, session: _Session, order: Order) -> _Rec:
        self._next_oid += 1
        oid = self._next_oid
        rec = _Rec(oid, order, session, str.__new__(VenueOrderId, f"{self._venue}-{oid}"))
        self._recs[oid] = rec
        session.by_cid[order.client_order_id] = rec
        session.live[oid] = rec
        self._live += 1
        return rec

    def _risk_denied(self, session: _Session, order: Order) -> bool:
        """Run the risk engine on a new order; on a denial publish ``OrderDenied``."""
        risk = self._risk
        if risk is None or not isinstance(order, Order):
            return False
        flow = session.flow
        if (
            order.status not in (_S.INITIALIZED, _S.RELEASED)
            or order.is_emulated
            or order.instrument_id.venue != self._venue
            or flow.get(order.client_order_id) is not None
        ):
            return False  # the flow raises or refuses these itself
        inst = self._by_id.get(order.instrument_id)
        last = None if inst is None else self._lock_price(order, inst)
        denial = risk.check_submit(order, last_price=last)
        if denial is None:
            return False
        flow.track(order)
        flow.emit(flow.events.denied(order, denial.message, str(denial.code)))
        return True

    def _submit(self, session: _Session, order: Order) -> None:
        now = self._command_time()
        if self._risk_denied(session, order):
            return
        if not session.flow.begin_submit(order):
            return
        rec = self._new_rec(session, order)
        try:
            inst, args = self._prepare(rec, now)
            self._reserve(rec, inst)
        except _Refusal as refusal:
            self._refuse_new(rec, now, refusal)
            return
        self._send(rec, inst, now, args)

    def _refuse_new(self, rec: _Rec, now: int, refusal: _Refusal) -> None:
        due = now + self._latency.submit_ns
        self._defer(due, lambda: self._emit_rejected(rec, refusal.code, refusal.reason, due))

    def _send(self, rec: _Rec, inst: _Inst, now: int, args: tuple[Any, ...]) -> None:
        self._dirty = True
        try:
            self._core.submit(now, inst.index, rec.oid, rec.session.index, *args)
        except InvalidInput as exc:  # a number beyond the engine's integer range
            if rec.lock_px is not None:
                rec.session.account.release(rec.order.client_order_id)
                rec.lock_px = None
            self._refuse_new(rec, now, _Refusal(RejectCode.INVALID_ORDER, f"{self._venue}: {exc}"))
            return
        rec.engine = True

    def _prepare(self, rec: _Rec, now: int) -> tuple[_Inst, tuple[Any, ...]]:
        """The engine's arguments for an order (raises _Refusal naming a bad field)."""
        order = rec.order
        inst = self._by_id.get(order.instrument_id)
        if inst is None:
            raise _Refusal(
                RejectCode.INVALID_ORDER,
                f"{self._venue}: instrument_id: {order.instrument_id} is not traded here",
            )
        rec.inst = inst
        try:
            return inst, self._order_args(order, inst, now)
        except _Refusal as refusal:
            raise _Refusal(refusal.code, f"{self._venue}: {refusal.reason}") from None

    def _schedule_auction(self, inst: _Inst, close: bool, now: int) -> None:
        """Hand the core the next two auctions of this kind after ``now`` (lazily, on the
        first auction order: the order arrives after a latency, so the one after the next
        covers an arrival past the next). An instrument whose session has no such auction
        gets none, and the core rejects the order (``NO_OPENING_AUCTION`` /
        ``NO_CLOSING_AUCTION``)."""
        session = inst.session
        if not isinstance(session, TradingSession):
            return
        if not (session.has_closing_auction if close else session.has_opening_auction):
            return
        nxt = session.next_close if close else session.next_open
        first = nxt(now)
        times = inst.auctions[1 if close else 0]
        added = False
        for t in (first, nxt(first)):
            if t not in times:
                times.append(t)
                added = True
        if added:
            times.sort()
            self._core.set_auctions(inst.index, *inst.auctions)

    def _order_args(self, order: Order, inst: _Inst, now: int) -> tuple[Any, ...]:
        otype = order.order_type
        init = order.init  # the fields an update cannot change are read from it directly
        quantity = order.quantity
        qty, r = divmod(quantity.raw, inst.size_inc)
        if r or qty <= 0:
            qty = inst.lots(quantity, "quantity")  # raises
        px = order.price
        price = None if px is None else inst.ticks(px, "price")
        px = order.trigger_price
        trigger = None if px is None else inst.ticks(px, "trigger_price")
        px = init.activation_price
        activation = None if px is None else inst.ticks(px, "activation_price")
        shown = init.display_qty
        display = 0 if shown is None else inst.lots(shown, "display_qty")
        tif = order.time_in_force
        expire = init.expire_time_ns or 0
        if tif in _AUCTION_TIFS:
            self._schedule_auction(inst, tif == TimeInForce.AT_THE_CLOSE, now)
        if tif == TimeInForce.DAY and otype not in _MARKET_STYLE:
            # DAY ends at the instrument's session close: the engine expires it as GTD.
            tif = TimeInForce.GTD
            expire = inst.session.next_close(now)
        trigger_type = int(order.trigger_type) or _DEFAULT_TRIGGER
        offset = 0
        offset_type = 0
        limit_offset = 0
        trailing = init.trailing_offset
        if trailing is not None:
            unit = order.trailing_offset_type
            offset_type = int(unit)
            offset = self._offset(trailing, unit, inst, "trailing_offset")
            if order.limit_offset is not None:
                if unit == TrailingOffsetType.BASIS_POINTS:
                    raise _Refusal(
                        RejectCode.INVALID_ORDER,
                        "limit_offset: in BASIS_POINTS is not supported here; give the "
                        "offsets in PRICE or TICKS",
                    )
                limit_offset = self._offset(order.limit_offset, unit, inst, "limit_offset")
        return (
            int(order.side),
            int(otype),
            int(tif),
            qty,
            price,
            trigger,
            trigger_type,
            expire,
            display,
            init.post_only,
            init.reduce_only,
            offset,
            offset_type,
            limit_offset,
            activation,
        )

    @staticmethod
    def _offset(value: Decimal, unit: TrailingOffsetType, inst: _Inst, field: str) -> int:
        if unit == TrailingOffsetType.PRICE:
            return _int_offset(value / inst.instrument.price_increment.as_decimal(), field)
        return _int_offset(value, field)

    def _submit_list(self, session: _Session, order_list: OrderList) -> None:
        now = self._command_time()
        if self._list_denied(session, order_list):
            return
        if not session.flow.begin_submit_list(order_list):
            return
        ctype = order_list.contingency_type
        parent = order_list.parent
        recs = [self._new_rec(session, o) for o in order_list]
        prepared: list[tuple[_Rec, _Inst, tuple[Any, ...]]] = []
        try:
            for i, rec in enumerate(recs):
                try:
                    inst, args = self._prepare(rec, now)
                    if parent is None or rec.order is parent:
                        self._reserve(rec, inst)
                except _Refusal as refusal:
                    raise _Refusal(
                        refusal.code,
                        f"order list {order_list.order_list_id}: orders[{i}] "
                        f"({rec.order.client_order_id}): {refusal.reason}",
                    ) from None
                prepared.append((rec, inst, args))
        except _Refusal as refusal:
            for rec in recs:
                if rec.lock_px is not None:
                    session.account.release(rec.order.client_order_id)
                    rec.lock_px = None
                self._refuse_new(rec, now, refusal)
            return
        for rec, inst, args in prepared:
            self._send(rec, inst, now, args)
        oids = [r.oid for r in recs]
        core = self._core
        if ctype == ContingencyType.OTO:
            children = oids[1:]
            core.hold_until_filled(oids[0], children)
            cc = order_list.children_contingency
            if cc in (ContingencyType.OCO, ContingencyType.OUO) and len(children) > 1:
                core.link(int(cc), children)
        else:
            core.link(int(ctype), oids)

    def _list_denied(self, session: _Session, order_list: OrderList) -> bool:
        """Run the risk engine on every member of a list; one denial denies them all."""
        risk = self._risk
        if risk is None or not isinstance(order_list, OrderList):
            return False
        flow = session.flow
        members = order_list.orders
        for order in members:
            if (
                order.status not in (_S.INITIALIZED, _S.RELEASED)
                or order.is_emulated
                or order.instrument_id.venue != self._venue
                or flow.get(order.client_order_id) is not None
            ):
                return False  # the flow raises or refuses these itself
        for order in members:
            inst = self._by_id.get(order.instrument_id)
            last = None if inst is None else self._lock_price(order, inst)
            denial = risk.check_submit(order, last_price=last)
            if denial is None:
                continue
            reason = (
                f"order list {order_list.order_list_id}: {order.client_order_id}: {denial.message}"
            )
            for member in members:
                flow.track(member)
                flow.emit(flow.events.denied(member, reason, str(denial.code)))
            return True
        return False

    def _modify(
        self,
        session: _Session,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> None:
        now = self._command_time()
        flow = session.flow
        if self._risk_refused_modify(session, order, quantity, price, trigger_price):
            return
        if not flow.begin_modify(order, quantity, price, trigger_price):
            return
        rec = session.by_cid.get(order.client_order_id)
        due = now + self._latency.modify_ns
        if rec is None or not rec.engine:
            self._defer(
                due,
                lambda: self._emit_modify_rejected_any(
                    session,
                    order,
                    RejectCode.UNKNOWN_ORDER,
                    f"{self._venue}: order {order.client_order_id} is not known here",
                    due,
                ),
            )
            return
        inst = rec.inst
        assert inst is not None
        try:
            lots = None if quantity is UNSET else inst.lots(quantity, "quantity")
            ticks = None if price is UNSET else inst.ticks(price, "price")
            trig = None if trigger_price is UNSET else inst.ticks(trigger_price, "trigger_price")
            self._check_modify_funds(rec, quantity, price)
        except _Refusal as refusal:
            why = refusal.reason
            if not why.startswith(f"{self._venue}:"):
                why = f"{self._venue}: {why}"
            rcode = refusal.code
            self._defer(due, lambda: self._emit_modify_rejected(rec, rcode, why, due))
            return
        rec.modifies.append(
            (None if price is UNSET else price, None if trigger_price is UNSET else trigger_price)
        )
        self._dirty = True
        self._core.modify(now, inst.index, rec.oid, lots, ticks, trig)

    def _risk_refused_modify(
        self,
        session: _Session,
        order: Order,
        quantity: Quantity | Unset,
        price: Price | Unset,
        trigger_price: Price | Unset,
    ) -> bool:
        """Run the risk engine on a modify; a denial is a local refusal: an
        ``OrderModifyRejected`` alone, applied then published, nothing sent."""
        risk = self._risk
        if (
            risk is None
            or not isinstance(order, Order)
            or session.flow.get(order.client_order_id) is not order
            or not order.is_open
            or order.status is _S.PENDING_CANCEL
            or (quantity is UNSET and price is UNSET and trigger_price is UNSET)
            or (quantity is not UNSET and type(quantity) is not Quantity)
            or (price is not UNSET and type(price) is not Price)
            or (trigger_price is not UNSET and type(trigger_price) is not Price)
        ):
            return False  # the flow refuses or raises for these itself
        denial = risk.check_modify(
            order,
            quantity=None if quantity is UNSET else quantity,
            price=None if price is UNSET else price,
            trigger_price=None if trigger_price is UNSET else trigger_price,
        )
        if denial is None:
            return False
        flow = session.flow
        event = flow.events.modify_rejected(
            order,
            denial.message,
            str(denial.code),
            venue_order_id=order.venue_order_id,
            account_id=session.account_id,
        )
        # OrderFlow publishes a venue's answers; this refusal answers no request it sent.
        order.apply(event)
        self._bus.publish(topics.order_events(order.strategy_id), event)
        return True

    def _emit_modify_rejected_any(
        self, session: _Session, order: Order, code: str, reason: str, ts: int
    ) -> None:
        flow = session.flow
        flow.emit(
            flow.events.modify_rejected(
                order,
                reason,
                code,
                venue_order_id=order.venue_order_id,
                account_id=session.account_id,
                ts_event=ts,
            )
        )

    def _check_modify_funds(
        self, rec: _Rec, quantity: Quantity | Unset, price: Price | Unset
    ) -> None:
        """A modify that needs more funds than are free (plus what the order holds) is
        refused."""
        if rec.lock_px is None or (quantity is UNSET and price is UNSET):
            return
        order = rec.order
        inst = rec.inst
        assert inst is not None
        account = rec.session.account
        total = order.quantity if quantity is UNSET else quantity
        leaves_raw = total.raw - order.filled_qty.raw
        if leaves_raw <= 0:
            return
        px = rec.lock_px if price is UNSET else price
        # the fill may carry more decimals than the quantity was written with ("2" - 0.4)
        leaves = Quantity.from_raw(leaves_raw, max(total.precision, order.filled_qty.precision))
        amount = account.order_lock_amount(inst.instrument, order.side, leaves, px)
        held = account.locked_for(order.client_order_id)
        free = account.free_balance(amount.currency)
        room = (0 if free is None else free.raw) + (
            held.raw if held is not None and held.currency == amount.currency else 0
        )
        if amount.raw > room:
            raise _Refusal(
                RejectCode.INSUFFICIENT_BALANCE,
                f"{self._venue}: the modified order needs {amount} in account "
                f"{rec.session.account_id}, which can give {Money.from_raw(room, amount.currency)}",
            )

    def _cancel(self, session: _Session, order: Order) -> None:
        now = self._command_time()
        if not session.flow.begin_cancel(order):
            return
        self._send_cancel(session, order, now)

    def _send_cancel(self, session: _Session, order: Order, now: int) -> None:
        rec = session.by_cid.get(order.client_order_id)
        if rec is None or not rec.engine:
            due = now + self._latency.cancel_ns
            reason = f"{self._venue}: order {order.client_order_id} is not open here"
            if rec is None:

                def answer() -> None:
                    flow = session.flow
                    flow.emit(
                        flow.events.cancel_rejected(
                            order,
                            reason,
                            RejectCode.UNKNOWN_ORDER,
                            venue_order_id=order.venue_order_id,
                            account_id=session.account_id,
                            ts_event=due,
                        )
                    )

                self._defer(due, answer)
            else:
                known = rec
                self._defer(
                    due,
                    lambda: self._emit_cancel_rejected(
                        known, RejectCode.UNKNOWN_ORDER, reason, due
                    ),
                )
            return
        inst = rec.inst
        assert inst is not None
        self._dirty = True
        self._core.cancel(now, inst.index, rec.oid)

    def _cancel_all(
        self, session: _Session, instrument_id: InstrumentId, side: OrderSide | None
    ) -> None:
        now = self._command_time()
        for order in session.flow.begin_cancel_all(instrument_id, side):
            self._send_cancel(session, order, now)

    # -- subscriptions -----------------------------------------------------------------------------
    def _subscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        iid = InstrumentId(instrument_id)
        if iid not in self._by_id:
            raise NotSupported(f"{iid} is not traded on {self._venue}", venue=self._venue)
        self._subs.add((kind, iid))
        self._bus._generation += 1  # who is published changed: a replay re-checks

    def _unsubscribe(self, kind: str, instrument_id: InstrumentId) -> None:
        self._subs.remove((kind, InstrumentId(instrument_id)))
        self._bus._generation += 1

    def _publishes(self, kind: str, inst: _Inst, topic: str) -> bool:
        return (kind, inst.id) in self._subs and self._bus.has_subscribers(topic)

    # -- market data -------------------------------------------------------------------------------
    def _data_inst(self, instrument_id: InstrumentId) -> _Inst:
        inst = self._by_id.get(instrument_id)
        if inst is None:
            raise InvalidInput("instrument_id", f"is not traded on {self._venue}", instrument_id)
        return inst

    @staticmethod
    def _data_ticks(inst: _Inst, price: Price, field: str) -> int:
        q, r = divmod(price.raw, inst.price_inc)
        if r:
            raise PrecisionError(
                field,
                f"is not a multiple of price_increment {inst.instrument.price_increment} of "
                f"{inst.id}",
                price,
            )
        return q

    @staticmethod
    def _data_lots(inst: _Inst, size: Quantity, field: str) -> int:
        q, r = divmod(size.raw, inst.size_inc)
        if r:
            raise PrecisionError(
                field,
                f"is not a multiple of size_increment {inst.instrument.size_increment} of "
                f"{inst.id}",
                size,
            )
        return q

    def _after_data(self) -> None:
        if self._core.pending_events():
            self._dispatch()

    def process_quote(self, quote: QuoteTick) -> None:
        """Feed one quote: the market moves (L1 books), orders it crosses fill, then the
        quote is published if subscribed, then commands sent meanwhile are processed."""
        inst = self._data_inst(quote.instrument_id)
        ts = quote.ts_event
        if self._deferred:
            self._catch_up(ts)
        self._core.quote(
            inst.index,
            ts,
            self._data_ticks(inst, quote.bid_price, "QuoteTick.bid_price"),
            self._data_ticks(inst, quote.ask_price, "QuoteTick.ask_price"),
            self._data_lots(inst, quote.bid_size, "QuoteTick.bid_size"),
            self._data_lots(inst, quote.ask_size, "QuoteTick.ask_size"),
        )
        self._after_data()
        if self._publishes("quotes", inst, inst.quote_topic):
            self._bus.publish(inst.quote_topic, quote)
        if self._dirty:
            self._run_until(int(self._core.now))

    def process_trade(self, trade: TradeTick) -> None:
        """Feed one trade: it sets the last price and drives queue fills of resting orders."""
        inst = self._data_inst(trade.instrument_id)
        ts = trade.ts_event
        if self._deferred:
            self._catch_up(ts)
        self._core.trade(
            inst.index,
            ts,
            self._data_ticks(inst, trade.price, "TradeTick.price"),
            self._data_lots(inst, trade.size, "TradeTick.size"),
            int(trade.aggressor_side),
        )
        self._after_data()
        if self._publishes("trades", inst, inst.trade_topic):
            self._bus.publish(inst.trade_topic, trade)
        if self._dirty:
            self._run_until(int(self._core.now))

    def process_mark(self, instrument_id: InstrumentId | str, price: Price, ts_ns: int) -> None:
        """Feed a mark price at ``ts_ns``: orders with ``MARK_PRICE`` triggers watch it (the
        market does not move otherwise)."""
        inst = self._data_inst(InstrumentId(instrument_id))
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        if self._deferred:
            self._catch_up(ts_ns)
        self._core.mark(inst.index, ts_ns, self._data_ticks(inst, price, "price"))
        self._after_data()
        if self._dirty:
            self._run_until(int(self._core.now))

    def process_book_deltas(self, deltas: BookDeltas | BookDelta) -> None:
        """Feed book deltas (one message): L2/L3 books move, orders they cross fill."""
        if isinstance(deltas, BookDelta):
            items: tuple[BookDelta, ...] | Any = (deltas,)
            iid = deltas.instrument_id
        elif isinstance(deltas, BookDeltas):
            items = deltas.deltas
            iid = deltas.instrument_id
        else:
            raise InvalidInput("deltas", "must be a BookDeltas or a BookDelta", deltas)
        inst = self._data_inst(iid)
        core = self._core
        for d in items:
            if self._deferred:
                self._catch_up(d.ts_event)
            o = d.order
            if o is None:
                core.delta(inst.index, d.ts_event, 0, int(d.action), 0, 0, 0)
            else:
                core.delta(
                    inst.index,
                    d.ts_event,
                    int(o.side),
                    int(d.action),
                    self._data_ticks(inst, o.price, "BookDelta.order.price"),
                    self._data_lots(inst, o.size, "BookDelta.order.size"),
                    o.order_id,
                )
        self._after_data()
        if self._publishes("book", inst, inst.book_topic):
            self._bus.publish(inst.book_topic, deltas)
        if self._dirty:
            self._run_until(int(core.now))

    def process(self, data: QuoteBatch | TradeBatch | BookDeltaBatch | Any) -> None:
        """Feed market data: a ``QuoteBatch``, ``TradeBatch`` or ``BookDeltaBatch`` (one call
        into the engine per batch while no order works) or a single ``QuoteTick``,
        ``TradeTick``, ``BookDeltas`` or ``BookDelta``."""
        if isinstance(data, QuoteBatch):
            self._process_quotes(data)
        elif isinstance(data, TradeBatch):
            self._process_trades(data)
        elif isinstance(data, BookDeltaBatch):
            self._process_deltas(data)
        elif isinstance(data, QuoteTick):
            self.process_quote(data)
        elif isinstance(data, TradeTick):
            self.process_trade(data)
        elif isinstance(data, (BookDeltas, BookDelta)):
            self.process_book_deltas(data)
        else:
            raise InvalidInput(
                "data",
                "must be a QuoteBatch, TradeBatch, BookDeltaBatch, QuoteTick, TradeTick, "
                "BookDeltas or BookDelta",
                type(data).__name__,
            )

    def _batch_columns(self, batch: QuoteBatch | TradeBatch | BookDeltaBatch) -> tuple[_Array, ...]:
        """A batch's columns as the engine takes them: times, then prices in ticks and
        sizes in lots (checked to lie on the instrument's grid), then codes."""
        inst = self._data_inst(batch.instrument_id)
        arr = batch.array
        iid = inst.id
        ts = np.ascontiguousarray(arr["ts_event"])
        pinc, sinc = inst.price_inc, inst.size_inc
        if isinstance(batch, QuoteBatch):
            return (
                ts,
                _grid(arr["bid_price"], pinc, "QuoteBatch.bid_price", iid, "price_increment"),
                _grid(arr["ask_price"], pinc, "QuoteBatch.ask_price", iid, "price_increment"),
                _grid(arr["bid_size"], sinc, "QuoteBatch.bid_size", iid, "size_increment"),
                _grid(arr["ask_size"], sinc, "QuoteBatch.ask_size", iid, "size_increment"),
            )
        if isinstance(batch, TradeBatch):
            return (
                ts,
                _grid(arr["price"], pinc, "TradeBatch.price", iid, "price_increment"),
                _grid(arr["size"], sinc, "TradeBatch.size", iid, "size_increment"),
                np.ascontiguousarray(arr["aggressor_side"]),
            )
        return (
            ts,
            np.ascontiguousarray(arr["side"]),
            np.ascontiguousarray(arr["action"]),
            _grid(arr["price"], pinc, "BookDeltaBatch.price", iid, "price_increment"),
            _grid(arr["size"], sinc, "BookDeltaBatch.size", iid, "size_increment"),
            np.ascontiguousarray(arr["order_id"]),
        )

    def _run_columns(self, fn: Any, index: int, cols: tuple[_Array, ...]) -> None:
        """Run ``fn`` (a batched engine method) over columns, stopping for events only while
        orders work and splitting the batch at the exchange's own deferred answers."""
        ts = cols[0]
        n = len(ts)
        i = 0
        core = self._core
        while i < n:
            args = cols
            if self._deferred:
                due = self._deferred[0][0]
                end = int(np.searchsorted(ts, due, side="left"))
                if end <= i:
                    if due <= ts[i]:
                        self._catch_up(int(ts[i]))
                        continue
                    end = i + 1  # unsorted times: go on one row at a time
                if end < n:
                    args = tuple(c[:end] for c in cols)
            i = fn(index, *args, start=i, stop_on_event=self._live > 0)
            if core.pending_events():
                self._dispatch()
                if self._dirty:
                    self._run_until(int(core.now))

    def _process_quotes(self, batch: QuoteBatch) -> None:
        inst = self._data_inst(batch.instrument_id)
        if not len(batch):
            return
        cols = self._batch_columns(batch)
        if self._publishes("quotes", inst, inst.quote_topic):
            self._rows(
                lambda i, row: self._core.quote(inst.index, *row),
                cols,
                batch.to_ticks(),
                inst.quote_topic,
            )
        else:
            self._run_columns(self._core.quotes, inst.index, cols)

    def _process_trades(self, batch: TradeBatch) -> None:
        inst = self._data_inst(batch.instrument_id)
        if not len(batch):
            return
        cols = self._batch_columns(batch)
        if self._publishes("trades", inst, inst.trade_topic):
            self._rows(
                lambda i, row: self._core.trade(inst.index, *row),
                cols,
                batch.to_ticks(),
                inst.trade_topic,
            )
        else:
            self._run_columns(self._core.trades, inst.index, cols)

    def _process_deltas(self, batch: BookDeltaBatch) -> None:
        inst = self._data_inst(batch.instrument_id)
        if not len(batch):
            return
        arr = batch.array
        iid = inst.id
        cols = self._batch_columns(batch)
        if not self._publishes("book", inst, inst.book_topic):
            self._run_columns(self._core.deltas, inst.index, cols)
            return
        # Published as BookDeltas messages: rows up to and including each F_LAST row.
        deltas = batch.to_deltas()
        flags = arr["flags"]
        core = self._core
        rows = list(zip(*(c.tolist() for c in cols), strict=True))
        start = 0
        n = len(rows)
        for i in range(n):
            if i + 1 < n and not int(flags[i]) & _F_LAST:
                continue
            for j in range(start, i + 1):
                ts = rows[j][0]
                if self._deferred:
                    self._catch_up(ts)
                core.delta(inst.index, ts, *rows[j][1:])
            self._after_data()
            group = deltas[start : i + 1]
            self._bus.publish(inst.book_topic, BookDeltas(iid, group))
            if self._dirty:
                self._run_until(int(core.now))
            start = i + 1

    def _rows(
        self,
        call: Callable[[int, tuple[Any, ...]], None],
        cols: tuple[_Array, ...],
        items: list[Any],
        topic: str,
    ) -> None:
        """Row by row, publishing each row's object (somebody listens to the data)."""
        rows = zip(*(c.tolist() for c in cols), strict=True)
        bus = self._bus
        for i, row in enumerate(rows):
            if self._deferred:
                self._catch_up(row[0])
            call(i, row)
            self._after_data()
            bus.publish(topic, items[i])
            if self._dirty:
                self._run_until(int(self._core.now))

    # -- recovery --------------------------------------------------------------------------------
    def _reconcile(
        self,
        session: _Session,
        since_ns: int,
        instrument_ids: Iterable[InstrumentId] | None,
    ) -> ReconciliationReport:
        if type(since_ns) is not int or since_ns < 0:
            raise InvalidInput("since_ns", "must be an int of nanoseconds >= 0", since_ns)
        scope = None if instrument_ids is None else {InstrumentId(i) for i in instrument_ids}
        now = int(self._core.now)
        ts_init = self._clock.timestamp_ns() if self._clock is not None else now
        aid = session.account_id
        orders: list[OrderStatusReport] = []
        fills: list[FillReport] = []
        for rec in session.by_cid.values():
            order = rec.order
            if scope is not None and order.instrument_id not in scope:
                continue
            fills.extend(
                FillReport(
                    account_id=aid,
                    instrument_id=order.instrument_id,
                    venue_order_id=event.venue_order_id,
                    client_order_id=order.client_order_id,
                    trade_id=event.trade_id,
                    order_side=order.side,
                    last_qty=event.last_qty,
                    last_px=event.last_px,
                    currency=event.currency,
                    commission=event.commission,
                    liquidity_side=event.liquidity_side,
                    position_id=event.position_id,
                    ts_event=event.ts_event,
                    ts_init=ts_init,
                )
                for event in order.events
                if type(event) is OrderFilled and event.ts_event >= since_ns
            )
            status = order.status
            if order.is_pending:
                status = order.previous_status or _S.ACCEPTED
            reported = _REPORT_AS.get(status)
            if reported is None or (order.venue_order_id is None and reported in _OPEN_REPORTED):
                continue
            if reported not in _OPEN_REPORTED and order.ts_last < since_ns:
                continue
            vid = order.venue_order_id or rec.vid
            orders.append(
                OrderStatusReport(
                    account_id=aid,
                    instrument_id=order.instrument_id,
                    venue_order_id=vid,
                    client_order_id=order.client_order_id,
                    side=order.side,
                    order_type=order.order_type,
                    time_in_force=order.time_in_force,
                    status=reported,
                    quantity=order.quantity,
                    filled_qty=order.filled_qty,
                    price=order.price,
                    trigger_price=order.trigger_price,
                    trigger_type=order.trigger_type,
                    avg_px=order.avg_px,
                    post_only=order.post_only,
                    reduce_only=order.reduce_only,
                    display_qty=order.display_qty,
                    expire_time_ns=order.expire_time_ns,
                    ts_accepted=order.ts_accepted,
                    ts_last=order.ts_last,
                    ts_init=ts_init,
                )
            )
        fills.sort(key=lambda f: (f.ts_event, int(f.trade_id.rsplit("T", 1)[-1])))
        positions: list[PositionStatusReport] = []
        for inst in self._insts:
            if scope is not None and inst.id not in scope:
                continue
            lots = self._positions.get((inst.index, session.index))
            if lots is None:
                continue
            side = (
                PositionSide.FLAT
                if not lots
                else (PositionSide.LONG if lots > 0 else PositionSide.SHORT)
            )
            positions.append(
                PositionStatusReport(
                    account_id=aid,
                    instrument_id=inst.id,
                    side=side,
                    quantity=inst.instrument.qty_from_lots(abs(lots)),
                    ts_last=now,
                    ts_init=ts_init,
                )
            )
        balances = [
            BalanceReport(
                account_id=aid,
                currency=b.currency,
                total=b.total,
                locked=b.locked,
                free=b.free,
                ts_event=now,
                ts_init=ts_init,
            )
            for b in session.account.balances().values()
        ]
        return ReconciliationReport(
            venue=self._venue,
            account_id=aid,
            since_ns=since_ns,
            instrument_ids=None if scope is None else tuple(sorted(scope)),
            orders=tuple(orders),
            fills=tuple(fills),
            positions=tuple(positions),
            balances=tuple(balances),
            ts_event=now,
            ts_init=ts_init,
        )

    def __repr__(self) -> str:
        return (
            f"SimulatedExchange({self._venue}, {len(self._insts)} instruments, "
            f"{len(self._sessions)} accounts, {self._live} orders working, "
            f"book {self._config.book_type.name})"
        )


if TYPE_CHECKING:
    from lyra.venue.protocol import Venue

    # Static contract, checked by mypy in CI: both faces are Venues.
    def _is_a_venue(exchange: SimulatedExchange, account: SimulatedVenue) -> tuple[Venue, Venue]:
        return exchange, account
