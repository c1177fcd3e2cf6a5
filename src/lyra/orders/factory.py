"""``OrderFactory``: builds valid orders and order lists for one strategy.

Every builder returns an :class:`~lyra.orders.Order` in status INITIALIZED, made from an
``OrderInitialized`` event stamped with the factory's clock and a deterministic event id.
Client order ids come from a :class:`~lyra.orders.ClientIdGenerator`: 18 characters of
``[A-Za-z0-9]`` (safe on Binance, OKX, Coinbase and Kraken), ``prefix + epoch + counter``;
see :mod:`lyra.orders.ids` for the format and the collision rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lyra.model.enums import (
    ContingencyType,
    OrderSide,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import ClientOrderId, InstrumentId, OrderListId, StrategyId
from lyra.model.values import Price, Quantity
from lyra.orders._time import TimeSource, as_time_fn
from lyra.orders.event_factory import EventFactory
from lyra.orders.events import OrderInitialized
from lyra.orders.ids import EPOCH_LIMIT, ClientIdGenerator
from lyra.orders.lists import (
    OrderList,
    ReleasePolicy,
    bracket,
    oco,
    oto,
    ouo,
)
from lyra.orders.order import Order
from lyra.orders.validation import TRIGGERABLE_TYPES

__all__ = ("OrderFactory",)

_GTC = TimeInForce.GTC
_NO_TRIGGER = TriggerType.NO_TRIGGER
_DEFAULT_TRIGGER = TriggerType.DEFAULT


def _instrument(value: InstrumentId | str) -> InstrumentId:
    return value if isinstance(value, InstrumentId) else InstrumentId(value)


class OrderFactory:
    """Builds orders and order lists for ``strategy_id``.

    Args:
        strategy_id: the owning strategy (a :class:`~lyra.model.identifiers.StrategyId` or
            its text).
        clock: a :class:`lyra.clock.Clock`, a ``() -> int`` nanosecond function, or
            ``None`` for wall time. Stamps ``ts_init``/``ts_event`` and, by default, the
            id epoch.
        id_prefix: 0-4 lower-case letters that start every client order id. Give every
            factory running at the same time its own prefix.
        epoch: the id epoch (``0 <= epoch < 36**8``). Default: the clock's time in
            milliseconds since the Unix epoch (mod 36**8), so each run gets fresh ids. Pass
            a fixed value (a seed) for reproducible ids.
        start_count: the counter of the first id (default 0). To continue an earlier run's
            ids after a restart pass its saved ``epoch`` and ``count``.

    Client order ids (and order list ids, which share the counter) are always 18 characters
    of ``[A-Za-z0-9]``: ``id_prefix``, 8 base-36 digits of the epoch, then the counter in
    base 36 zero-padded to the rest. With a fixed ``epoch`` and a
    :class:`~lyra.clock.TestClock` every id, event id and timestamp is reproducible.
    """

    __slots__ = ("_events", "_ids", "_now", "_strategy_id")

    def __init__(
        self,
        strategy_id: StrategyId | str,
        *,
        clock: TimeSource = None,
        id_prefix: str = "",
        epoch: int | None = None,
        start_count: int = 0,
    ) -> None:
        self._strategy_id = (
            strategy_id if isinstance(strategy_id, StrategyId) else StrategyId(strategy_id)
        )
        self._now = as_time_fn(clock)
        if epoch is None:
            epoch = (self._now() // 1_000_000) % EPOCH_LIMIT
        self._ids = ClientIdGenerator(epoch=epoch, id_prefix=id_prefix, start_count=start_count)
        stem = f"{id_prefix}{self._ids.epoch:x}-"
        self._events = EventFactory(self._now, id_prefix=stem)

    # -- ids --------------------------------------------------------------------------------
    @property
    def strategy_id(self) -> StrategyId:
        """The strategy every order belongs to."""
        return self._strategy_id

    @property
    def epoch(self) -> int:
        """The id epoch (save with :attr:`count` to continue ids after a restart)."""
        return self._ids.epoch

    @property
    def count(self) -> int:
        """How many client order / list ids this factory has issued in its epoch."""
        return self._ids.count

    @property
    def events(self) -> EventFactory:
        """The factory's :class:`~lyra.orders.EventFactory` (shares clock and event ids)."""
        return self._events

    def next_client_order_id(self) -> ClientOrderId:
        """A fresh client order id."""
        # the generator's output always matches ClientOrderId's pattern: skip re-checking it
        return str.__new__(ClientOrderId, self._ids.next_id())

    def next_order_list_id(self) -> OrderListId:
        """A fresh order list id (same format and counter as client order ids)."""
        return str.__new__(OrderListId, self._ids.next_id())

    # -- the common builder -------------------------------------------------------------------
    def create(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        order_type: OrderType,
        quantity: Quantity,
        *,
        price: Price | None = None,
        trigger_price: Price | None = None,
        trigger_type: TriggerType = _NO_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        display_qty: Quantity | None = None,
        trailing_offset: Decimal | None = None,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.NO_TRAILING_OFFSET,
        limit_offset: Decimal | None = None,
        activation_price: Price | None = None,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """Build any order type from explicit fields (the typed builders call this)."""
        now = self._now()
        init = OrderInitialized(
            strategy_id=self._strategy_id,
            instrument_id=_instrument(instrument_id),
            client_order_id=self.next_client_order_id()
            if client_order_id is None
            else client_order_id,
            event_id=self._events.next_event_id(),
            ts_event=now,
            ts_init=now,
            side=side,
            order_type=order_type,
            quantity=quantity,
            time_in_force=time_in_force,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            display_qty=display_qty,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            limit_offset=limit_offset,
            activation_price=activation_price,
            emulation_trigger=emulation_trigger,
            tags=tuple(tags),
        )
        return Order(init)

    # -- typed builders --------------------------------------------------------------------
    def market(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        *,
        time_in_force: TimeInForce = _GTC,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A MARKET order (any time in force but GTD)."""
        return self.create(
            instrument_id,
            side,
            OrderType.MARKET,
            quantity,
            time_in_force=time_in_force,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            tags=tags,
            client_order_id=client_order_id,
        )

    def limit(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        *,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        display_qty: Quantity | None = None,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A LIMIT order at ``price``."""
        return self.create(
            instrument_id,
            side,
            OrderType.LIMIT,
            quantity,
            price=price,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            display_qty=display_qty,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def stop_market(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A STOP_MARKET order: a market order once ``trigger_price`` is reached."""
        return self.create(
            instrument_id,
            side,
            OrderType.STOP_MARKET,
            quantity,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def stop_limit(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        display_qty: Quantity | None = None,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A STOP_LIMIT order: a limit order at ``price`` once ``trigger_price`` is reached."""
        return self.create(
            instrument_id,
            side,
            OrderType.STOP_LIMIT,
            quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            display_qty=display_qty,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def market_to_limit(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        *,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A MARKET_TO_LIMIT order: executes as market; the rest rests at the first fill's
        price (the venue reports that price with an ``OrderUpdated``)."""
        return self.create(
            instrument_id,
            side,
            OrderType.MARKET_TO_LIMIT,
            quantity,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            tags=tags,
            client_order_id=client_order_id,
        )

    def market_if_touched(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A MARKET_IF_TOUCHED order: a market order once the market touches
        ``trigger_price`` (from the favourable side, unlike a stop)."""
        return self.create(
            instrument_id,
            side,
            OrderType.MARKET_IF_TOUCHED,
            quantity,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def limit_if_touched(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        price: Price,
        trigger_price: Price,
        *,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        display_qty: Quantity | None = None,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A LIMIT_IF_TOUCHED order: a limit order at ``price`` once the market touches
        ``trigger_price``."""
        return self.create(
            instrument_id,
            side,
            OrderType.LIMIT_IF_TOUCHED,
            quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            display_qty=display_qty,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def trailing_stop_market(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        *,
        trailing_offset: Decimal,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE,
        activation_price: Price | None = None,
        trigger_price: Price | None = None,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A TRAILING_STOP_MARKET order: a stop that trails the market by
        ``trailing_offset`` (price, basis points or ticks), from ``activation_price`` on if
        given."""
        return self.create(
            instrument_id,
            side,
            OrderType.TRAILING_STOP_MARKET,
            quantity,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            activation_price=activation_price,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    def trailing_stop_limit(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        *,
        trailing_offset: Decimal,
        limit_offset: Decimal,
        trailing_offset_type: TrailingOffsetType = TrailingOffsetType.PRICE,
        price: Price | None = None,
        activation_price: Price | None = None,
        trigger_price: Price | None = None,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_quantity: bool = False,
        display_qty: Quantity | None = None,
        emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """A TRAILING_STOP_LIMIT order: a trailing stop that becomes a limit order
        ``limit_offset`` away from its trigger."""
        return self.create(
            instrument_id,
            side,
            OrderType.TRAILING_STOP_LIMIT,
            quantity,
            price=price,
            trigger_price=trigger_price,
            trigger_type=trigger_type,
            trailing_offset=trailing_offset,
            trailing_offset_type=trailing_offset_type,
            limit_offset=limit_offset,
            activation_price=activation_price,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=post_only,
            reduce_only=reduce_only,
            quote_quantity=quote_quantity,
            display_qty=display_qty,
            emulation_trigger=emulation_trigger,
            tags=tags,
            client_order_id=client_order_id,
        )

    # -- lists -----------------------------------------------------------------------------
    def oco(self, orders: Sequence[Order]) -> OrderList:
        """Link ``orders`` one-cancels-other under a new list id."""
        return oco(self.next_order_list_id(), orders, ts_init=self._now())

    def ouo(self, orders: Sequence[Order]) -> OrderList:
        """Link ``orders`` one-updates-other under a new list id."""
        return ouo(self.next_order_list_id(), orders, ts_init=self._now())

    def oto(
        self,
        parent: Order,
        children: Sequence[Order],
        *,
        release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
        children_linked: ContingencyType = ContingencyType.NO_CONTINGENCY,
    ) -> OrderList:
        """Link ``parent`` one-triggers-other to ``children`` under a new list id."""
        return oto(
            self.next_order_list_id(),
            parent,
            children,
            release=release,
            children_linked=children_linked,
            ts_init=self._now(),
        )

    def bracket_from(
        self,
        entry: Order,
        stop_loss: Order,
        take_profit: Order,
        *,
        exits_linked: ContingencyType = ContingencyType.OUO,
        release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
    ) -> OrderList:
        """Link three orders you built yourself as a bracket (see :func:`lyra.orders.bracket`
        for the rules), e.g. with a trailing stop-loss."""
        return bracket(
            self.next_order_list_id(),
            entry,
            stop_loss,
            take_profit,
            exits_linked=exits_linked,
            release=release,
            ts_init=self._now(),
        )

    def bracket(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: Quantity,
        *,
        stop_loss_trigger_price: Price,
        take_profit_price: Price,
        entry_type: OrderType = OrderType.MARKET,
        entry_price: Price | None = None,
        entry_trigger_price: Price | None = None,
        stop_loss_price: Price | None = None,
        take_profit_trigger_price: Price | None = None,
        trigger_type: TriggerType = _DEFAULT_TRIGGER,
        time_in_force: TimeInForce = _GTC,
        expire_time_ns: int | None = None,
        exits_time_in_force: TimeInForce = _GTC,
        exits_expire_time_ns: int | None = None,
        entry_post_only: bool = False,
        take_profit_post_only: bool = False,
        entry_emulation_trigger: TriggerType = _NO_TRIGGER,
        exits_emulation_trigger: TriggerType = _NO_TRIGGER,
        tags: Sequence[str] = (),
        exits_linked: ContingencyType = ContingencyType.OUO,
        release: ReleasePolicy = ReleasePolicy.ON_FIRST_FILL,
    ) -> OrderList:
        """An entry with a stop-loss and a take-profit, as one OTO list.

        The entry is ``entry_type`` (MARKET by default; LIMIT and the stop/if-touched types
        take ``entry_price`` / ``entry_trigger_price`` as they need). The stop-loss is a
        STOP_MARKET at ``stop_loss_trigger_price``, or a STOP_LIMIT if ``stop_loss_price``
        is given; the take-profit a LIMIT at ``take_profit_price``, or a LIMIT_IF_TOUCHED if
        ``take_profit_trigger_price`` is given. Both exits are ``reduce_only``, on the
        opposite side, for the same quantity, and linked ``exits_linked`` (OUO by default,
        or OCO). Emulation triggers are set per leg, never implicitly for all three.
        """
        entry_trigger_type = trigger_type if entry_type in TRIGGERABLE_TYPES else _NO_TRIGGER
        entry = self.create(
            instrument_id,
            side,
            entry_type,
            quantity,
            price=entry_price,
            trigger_price=entry_trigger_price,
            trigger_type=entry_trigger_type,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            post_only=entry_post_only,
            emulation_trigger=entry_emulation_trigger,
            tags=tags,
        )
        exit_side = OrderSide(side).opposite
        stop_loss = self.create(
            instrument_id,
            exit_side,
            OrderType.STOP_MARKET if stop_loss_price is None else OrderType.STOP_LIMIT,
            quantity,
            price=stop_loss_price,
            trigger_price=stop_loss_trigger_price,
            trigger_type=trigger_type,
            time_in_force=exits_time_in_force,
            expire_time_ns=exits_expire_time_ns,
            reduce_only=True,
            emulation_trigger=exits_emulation_trigger,
            tags=tags,
        )
        take_profit = self.create(
            instrument_id,
            exit_side,
            OrderType.LIMIT if take_profit_trigger_price is None else OrderType.LIMIT_IF_TOUCHED,
            quantity,
            price=take_profit_price,
            trigger_price=take_profit_trigger_price,
            trigger_type=_NO_TRIGGER if take_profit_trigger_price is None else trigger_type,
            time_in_force=exits_time_in_force,
            expire_time_ns=exits_expire_time_ns,
            post_only=take_profit_post_only,
            reduce_only=True,
            emulation_trigger=exits_emulation_trigger,
            tags=tags,
        )
        return self.bracket_from(
            entry, stop_loss, take_profit, exits_linked=exits_linked, release=release
        )
