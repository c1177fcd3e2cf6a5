"""The portfolio: accounts and positions, fed by fills, valued by marks.

A :class:`Portfolio` does not care where fills come from (a simulated exchange, a live
adapter, a replay, a test): give it :class:`~lyra.orders.OrderFilled` events with
:meth:`Portfolio.apply_fill` (or subscribe :meth:`Portfolio.on_event` to the bus) and prices
with :meth:`Portfolio.update_mark` / :meth:`Portfolio.update_quote`. Each fill:

1. is ignored if its ``(instrument_id, trade_id)`` was applied before (a set lookup);
2. goes to a position: in NETTING mode the one position of its (instrument, strategy), id
   ``"{instrument_id}-{strategy_id}"``, reopened (with a snapshot of the closed cycle) when
   flat; in HEDGING mode the position named by ``fill.position_id``, a new one when the fill
   names none (``"P-{instrument_id}-{strategy_id}-{n}"``) or an unknown id. A hedging
   position, once closed, never reopens (a fill naming one raises); a fill that would flip it
   closes it and opens ``"{position_id}F"`` with the rest;
3. moves the balances of its account: the one named by ``fill.account_id`` if registered,
   else the account registered for the instrument's venue, else none (positions only). When
   a cash account refuses a fill, the portfolio is left exactly as it was;
4. returns the position events (:mod:`lyra.portfolio.events`); with a ``bus``, publishes
   them on :func:`lyra.topics.position_events` of the fill's strategy and the account's new
   :class:`~lyra.portfolio.AccountState` on :func:`lyra.topics.account_events`.

Every fill costs O(1) and every query O(1), O(instruments) or O(open positions): the
portfolio keeps per-instrument running sums (long and short quantity and cost basis,
realized PnL), never a history to scan. Unrealized PnL values longs at the bid and shorts at
the ask (both at the mark after :meth:`Portfolio.update_mark`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final, overload

import msgspec
import msgspec.structs

from lyra import topics
from lyra.errors import InsufficientBalance, InvalidInput
from lyra.model.codec import register_struct
from lyra.model.currency import Currency
from lyra.model.data import QuoteTick, TradeTick
from lyra.model.enums import OmsType, OrderSide
from lyra.model.identifiers import AccountId, InstrumentId, PositionId, StrategyId, TradeId, Venue
from lyra.model.instruments import CurrencyPair, Equity, Instrument
from lyra.model.values import Money, Price
from lyra.orders.events import OrderFilled
from lyra.portfolio._fixed import (
    FINE_PER_RAW,
    money,
    money_from_fine,
    quantity,
    raw_to_decimal,
    rdiv,
)
from lyra.portfolio.account import Account, AccountState, MarginAccount
from lyra.portfolio.events import PositionEvent
from lyra.portfolio.position import Position, PositionState, _events, _split_commission

if TYPE_CHECKING:
    from lyra.bus import EventBus

__all__ = ("Portfolio", "PortfolioState")

_SPOT: Final = 0
_SHARE: Final = 1
_DERIVATIVE: Final = 2
_INV_NUM: Final = FINE_PER_RAW


class PortfolioState(msgspec.Struct, frozen=True, tag=True, kw_only=True):
    """Everything a :class:`Portfolio` knows, for persistence and exact restore."""

    oms_type: OmsType
    venue_oms_types: tuple[tuple[Venue, OmsType], ...] = ()
    accounts: tuple[AccountState, ...] = ()
    venue_accounts: tuple[tuple[Venue, AccountId], ...] = ()
    positions: tuple[PositionState, ...] = ()
    """Every position (open and closed), with its netting snapshots."""
    trade_ids: tuple[tuple[InstrumentId, tuple[TradeId, ...]], ...] = ()
    """Applied trade ids per instrument (duplicates stay ignored after a restore)."""
    marks: tuple[tuple[InstrumentId, Price, Price], ...] = ()
    """Last bid and ask (equal for a mark) per instrument."""
    position_seq: int = 0


register_struct(PortfolioState)


class _Book:
    """Running sums of one instrument (private)."""

    __slots__ = (
        "acct_net",
        "comm_settle",
        "currency",
        "instrument",
        "inverse",
        "kind",
        "long_basis",
        "long_qty",
        "m",
        "netting",
        "oms",
        "realized",
        "short_basis",
        "short_qty",
        "size_prec",
        "trade_ids",
        "venue",
    )

    def __init__(self, instrument: Instrument, oms: OmsType) -> None:
        self.instrument = instrument
        self.venue = instrument.id.venue
        self.kind = (
            _SPOT
            if isinstance(instrument, CurrencyPair)
            else _SHARE
            if isinstance(instrument, Equity)
            else _DERIVATIVE
        )
        self.m = instrument.multiplier.raw
        self.inverse = instrument.is_inverse
        self.currency = instrument.settlement_currency
        self.size_prec = instrument.size_precision
        self.oms = oms
        self.long_qty = 0
        self.long_basis = 0
        self.short_qty = 0
        self.short_basis = 0
        self.realized = 0  # fine units, settlement-currency commissions subtracted
        self.comm_settle = 0
        self.trade_ids: set[str] = set()
        self.netting: dict[StrategyId, Position] = {}
        self.acct_net: dict[AccountId | None, int] = {}

    def move(self, q0: int, b0: int, q1: int, b1: int) -> None:
        if q0 > 0:
            self.long_qty -= q0
            self.long_basis -= b0
        elif q0 < 0:
            self.short_qty -= q0
            self.short_basis -= b0
        if q1 > 0:
            self.long_qty += q1
            self.long_basis += b1
        elif q1 < 0:
            self.short_qty += q1
            self.short_basis += b1

    def value(self, qty: int, price_raw: int) -> int:
        """Signed value of a signed quantity (fine units)."""
        if self.inverse:
            v = rdiv(abs(qty) * self.m * _INV_NUM, price_raw)
            return v if qty >= 0 else -v
        return qty * self.m * price_raw

    def unrealized(self, bid: int, ask: int) -> int:
        total = 0
        if self.long_qty:
            v = self.value(self.long_qty, bid)
            total += self.long_basis - v if self.inverse else v - self.long_basis
        if self.short_qty:
            v = self.value(self.short_qty, ask)
            total += self.short_basis - v if self.inverse else v - self.short_basis
        return total


class Portfolio:
    """Accounts and positions fed by fills; see the module docs.

    ``instruments`` is the registry :meth:`on_event` and :meth:`apply_fill` (without an
    instrument) look fills up in; ``accounts`` are registered by id only (use
    :meth:`add_account` with ``venue=`` to route a venue's fills by default). ``oms_type``
    applies to venues without their own (:meth:`set_oms_type`).
    """

    __slots__ = (
        "_accounts",
        "_books",
        "_bus",
        "_commissions",
        "_instruments",
        "_marks",
        "_oms_type",
        "_open",
        "_position_seq",
        "_positions",
        "_realized_ccy",
        "_topics",
        "_venue_accounts",
        "_venue_oms",
    )

    def __init__(
        self,
        *,
        instruments: Iterable[Instrument] = (),
        accounts: Iterable[Account] = (),
        oms_type: OmsType = OmsType.NETTING,
        bus: EventBus | None = None,
    ) -> None:
        self._oms_type = self._check_oms(oms_type)
        self._bus = bus
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._accounts: dict[AccountId, Account] = {}
        self._venue_accounts: dict[Venue, Account] = {}
        self._venue_oms: dict[Venue, OmsType] = {}
        self._books: dict[InstrumentId, _Book] = {}
        self._positions: dict[PositionId, Position] = {}
        self._open: dict[PositionId, Position] = {}
        self._marks: dict[InstrumentId, tuple[Price, Price]] = {}
        self._realized_ccy: dict[Currency, int] = {}
        self._commissions: dict[Currency, Money] = {}
        self._topics: dict[str, str] = {}
        self._position_seq = 0
        for instrument in instruments:
            self.add_instrument(instrument)
        for account in accounts:
            self.add_account(account)

    @staticmethod
    def _check_oms(oms_type: OmsType) -> OmsType:
        if oms_type not in (OmsType.NETTING, OmsType.HEDGING):
            raise InvalidInput("oms_type", "must be NETTING or HEDGING", oms_type)
        return OmsType(oms_type)

    # -- registry ---------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        """Register (or update) an instrument, so fills of it need no instrument argument."""
        if not isinstance(instrument, Instrument):
            raise InvalidInput("Portfolio.add_instrument", "must be an Instrument", instrument)
        self._instruments[instrument.id] = instrument
        book = self._books.get(instrument.id)
        if book is not None:
            book.instrument = instrument

    def instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        """The registered instrument, or ``None``."""
        return self._instruments.get(instrument_id)

    def add_account(self, account: Account, *, venue: Venue | str | None = None) -> None:
        """Register an account; with ``venue``, it also books that venue's fills that name
        no registered account."""
        if not isinstance(account, Account):
            raise InvalidInput("Portfolio.add_account", "must be an Account", account)
        self._accounts[account.account_id] = account
        if venue is not None:
            self._venue_accounts[Venue(venue)] = account

    def account(self, account_id: AccountId | str) -> Account | None:
        """The account registered under ``account_id``, or ``None``."""
        return self._accounts.get(AccountId(account_id))

    def accounts(self) -> tuple[Account, ...]:
        """Every registered account, in registration order."""
        return tuple(self._accounts.values())

    def set_oms_type(self, venue: Venue | str, oms_type: OmsType) -> None:
        """Use ``oms_type`` for the instruments of ``venue`` (fills from now on)."""
        v = Venue(venue)
        oms = self._check_oms(oms_type)
        self._venue_oms[v] = oms
        for book in self._books.values():
            if book.instrument.venue == v:
                book.oms = oms

    def oms_type(self, venue: Venue | str | None = None) -> OmsType:
        """The OMS type of ``venue`` (the default one without a venue)."""
        if venue is None:
            return self._oms_type
        return self._venue_oms.get(Venue(venue), self._oms_type)

    def _book(self, instrument_id: InstrumentId, instrument: Instrument | None) -> _Book:
        if instrument is None:
            instrument = self._instruments.get(instrument_id)
            if instrument is None:
                raise InvalidInput(
                    "OrderFilled.instrument_id",
                    "is not a registered instrument; add_instrument() it or pass it",
                    instrument_id,
                )
        elif not isinstance(instrument, Instrument) or instrument.id != instrument_id:
            raise InvalidInput(
                "instrument", f"must be the Instrument of the fill ({instrument_id})", instrument
            )
        else:
            self._instruments.setdefault(instrument_id, instrument)
        return _Book(instrument, self._venue_oms.get(instrument.venue, self._oms_type))

    def _add_book(self, book: _Book) -> _Book:
        self._books[book.instrument.id] = book
        self._realized_ccy.setdefault(book.currency, 0)
        return book

    # -- fills ------------------------------------------------------------------------------
    def on_event(self, event: object) -> None:
        """Bus handler: applies :class:`~lyra.orders.OrderFilled`, takes quotes and trades as
        marks, ignores everything else."""
        if type(event) is OrderFilled:
            self.apply_fill(event)
        elif type(event) is QuoteTick:
            self.update_quote(event)
        elif type(event) is TradeTick:
            self.update_mark(event.instrument_id, event.price)

    def apply_fill(
        self, fill: OrderFilled, instrument: Instrument | None = None
    ) -> tuple[PositionEvent, ...]:
        """Apply a fill to its position and account; return the position events.

        ``instrument`` may be left out when it is registered. A duplicate trade id returns
        ``()``. Raises :class:`~lyra.errors.InvalidInput` for a malformed fill or an unknown
        instrument, and :class:`~lyra.portfolio.InsufficientBalance` when a cash account
        refuses the fill; either way nothing changes.
        """
        return self._apply_fill(fill, instrument, False)

    def replay_fill(self, fill: OrderFilled) -> None:
        """Book a fill recorded earlier (rebuilding state after a restart): the same state
        change as :meth:`apply_fill`, but no position or account events are made or
        published."""
        self._apply_fill(fill, None, True, publish=False)

    @property
    def instrument_ids(self) -> tuple[InstrumentId, ...]:
        """The ids of the instruments the portfolio knows, in the order added."""
        return tuple(self._instruments)

    def _apply_fill(
        self,
        fill: OrderFilled,
        instrument: Instrument | None,
        quiet: bool,
        publish: bool = True,
    ) -> tuple[PositionEvent, ...]:
        """:meth:`apply_fill`; ``quiet``: the caller discards the position events and none
        will be published (no bus, or ``publish`` false), so none are built (the state
        changes all the same); ``publish`` false: nothing goes to the bus."""
        quiet = quiet and (self._bus is None or not publish)
        if type(fill) is not OrderFilled:
            raise InvalidInput("fill", "must be an OrderFilled", fill)
        iid = fill.instrument_id
        book = self._books.get(iid)
        created = book is None
        if book is None:
            # Registered only once the fill is applied: a refused fill leaves no trace.
            book = self._book(iid, instrument)
        if fill.trade_id in book.trade_ids:
            return ()
        side = fill.order_side
        if side == OrderSide.BUY:
            sign = 1
        elif side == OrderSide.SELL:
            sign = -1
        else:
            raise InvalidInput("OrderFilled.order_side", "must be BUY or SELL", side)
        q = fill.last_qty.raw
        if q <= 0:
            raise InvalidInput("OrderFilled.last_qty", "must be positive", fill.last_qty)
        if book.inverse and fill.last_px.raw <= 0:
            raise InvalidInput(
                "OrderFilled.last_px", "must be positive for an inverse contract", fill.last_px
            )
        account = self._accounts.get(fill.account_id) if fill.account_id is not None else None
        if account is None:
            account = self._venue_accounts.get(book.venue)
        account_id = account.account_id if account is not None else fill.account_id

        # Resolve the position(s) first: nothing below may fail after the account moved.
        if book.oms is OmsType.HEDGING:
            pos, is_new, flip = self._hedging_target(fill, book, sign, q, account_id)
        else:
            strategy = fill.strategy_id
            found = book.netting.get(strategy)
            is_new = found is None
            pos = (
                Position(
                    book.instrument,
                    f"{iid}-{strategy}",
                    strategy,
                    account_id,
                    track_trade_ids=False,
                )
                if found is None
                else found
            )
            flip = None

        q0, b0 = pos._qty, pos._basis
        life0 = pos._snap_realized + pos._realized
        if book.kind != _DERIVATIVE:
            if account is not None:
                if book.kind == _SHARE and sign < 0 and account._refuses_negative():
                    # A cash account cannot sell shares it does not hold.
                    held = book.acct_net.get(account_id, 0)
                    if held < q:
                        raise InsufficientBalance(
                            account.account_id,
                            str(iid),
                            str(raw_to_decimal(q, fill.last_qty.precision)),
                            str(raw_to_decimal(max(held, 0), book.size_prec)),
                        )
                account.apply_fill(fill, book.instrument)
            events = self._apply_position(pos, flip, sign, q, fill, book, quiet)
        else:
            saved = None
            if account is not None and account._refuses_negative() and not is_new:
                saved = pos._save()
            events = self._apply_position(pos, flip, sign, q, fill, book, quiet)
            if account is not None:
                delta = rdiv(pos._snap_realized + pos._realized, FINE_PER_RAW) - rdiv(
                    life0, FINE_PER_RAW
                )
                if flip is not None:
                    delta += rdiv(flip._realized, FINE_PER_RAW)
                try:
                    account.apply_fill(
                        fill, book.instrument, money(delta, book.currency) if delta else None
                    )
                except BaseException:
                    if saved is not None:
                        pos._restore(saved)
                    raise

        # Commit the running sums.
        if created:
            self._add_book(book)
        book.trade_ids.add(fill.trade_id)
        q1 = pos._qty
        book.move(q0, b0, q1, pos._basis)
        dq = q1 - q0
        realized = pos._snap_realized + pos._realized - life0
        if flip is not None:
            book.move(0, 0, flip._qty, flip._basis)
            dq += flip._qty
            realized += flip._realized
            self._register(flip)
        commission = fill.commission
        craw = commission.raw
        if craw:
            ccy = commission.currency
            if ccy is book.currency or ccy == book.currency:
                book.comm_settle += craw
                realized -= craw * FINE_PER_RAW
            else:
                prev = self._commissions.get(ccy)
                self._commissions[ccy] = commission if prev is None else prev + commission
        if realized:
            book.realized += realized
            self._realized_ccy[book.currency] = self._realized_ccy.get(book.currency, 0) + realized
        if dq:
            book.acct_net[account_id] = book.acct_net.get(account_id, 0) + dq
        if is_new:
            self._register(pos)
            if book.oms is not OmsType.HEDGING:
                book.netting[fill.strategy_id] = pos
        elif q1:
            self._open[pos._id] = pos
        else:
            self._open.pop(pos._id, None)
        if book.kind == _DERIVATIVE and isinstance(account, MarginAccount):
            self._update_margin(book, account, fill.last_px)
        bus = self._bus
        if bus is not None and publish:
            topic = self._topics.get(fill.strategy_id)
            if topic is None:
                topic = self._topics[fill.strategy_id] = topics.position_events(fill.strategy_id)
            for event in events:
                bus.publish(topic, event)
            if account is not None:
                bus.publish(
                    topics.account_events(account.account_id),
                    account.to_state(fill.ts_event, fill.ts_init),
                )
        return events

    def _register(self, pos: Position) -> None:
        self._positions[pos._id] = pos
        if pos._qty:
            self._open[pos._id] = pos
        else:
            self._open.pop(pos._id, None)

    def _hedging_target(
        self, fill: OrderFilled, book: _Book, sign: int, q: int, account_id: AccountId | None
    ) -> tuple[Position, bool, Position | None]:
        pid = fill.position_id
        if pid is None:
            self._position_seq += 1
            pid = PositionId(f"P-{fill.instrument_id}-{fill.strategy_id}-{self._position_seq}")
        pos = self._positions.get(pid)
        if pos is None:
            pos = Position(
                book.instrument, pid, fill.strategy_id, account_id, track_trade_ids=False
            )
            return pos, True, None
        if pos._instrument_id != fill.instrument_id:
            raise InvalidInput(
                "OrderFilled.position_id",
                f"names a position of another instrument ({pos._instrument_id})",
                pid,
            )
        held = pos._qty
        if held == 0:
            raise InvalidInput(
                "OrderFilled.position_id",
                "names a closed position; in HEDGING mode a closed position never reopens",
                pid,
            )
        flip = None
        if (held > 0) != (sign > 0) and q > abs(held):
            flip_id = f"{pid}F"
            while flip_id in self._positions:
                flip_id += "F"
            flip = Position(
                book.instrument, flip_id, fill.strategy_id, account_id, track_trade_ids=False
            )
        return pos, False, flip

    @staticmethod
    def _apply_position(
        pos: Position,
        flip: Position | None,
        sign: int,
        q: int,
        fill: OrderFilled,
        book: _Book,
        quiet: bool = False,
    ) -> tuple[PositionEvent, ...]:
        if book.oms is not OmsType.HEDGING:
            return pos._apply(sign, fill, quiet)
        if flip is None:
            return _events(pos._part(sign, q, fill, fill.commission, quiet))
        held = abs(pos._qty)
        first_c, second_c = _split_commission(fill.commission, held, q)
        first = pos._part(sign, held, fill, first_c, quiet)
        return _events(first, flip._part(sign, q - held, fill, second_c, quiet))

    # -- prices -----------------------------------------------------------------------------
    def update_mark(self, instrument_id: InstrumentId, price: Price) -> None:
        """Value ``instrument_id`` at ``price`` (longs and shorts alike)."""
        if type(price) is not Price:
            raise InvalidInput("price", "must be a Price", price)
        self._marks[instrument_id] = (price, price)
        self._after_mark(instrument_id, price)

    def update_quote(self, quote: QuoteTick) -> None:
        """Value longs at ``quote.bid_price`` and shorts at ``quote.ask_price``."""
        self._marks[quote.instrument_id] = (quote.bid_price, quote.ask_price)
        self._after_mark(quote.instrument_id, None)

    def update_bid_ask(self, instrument_id: InstrumentId, bid: Price, ask: Price) -> None:
        """Value longs at ``bid`` and shorts at ``ask`` (:meth:`update_quote` without a
        quote object)."""
        if type(bid) is not Price or type(ask) is not Price:
            raise InvalidInput("bid/ask", "must be Prices", (bid, ask))
        self._marks[instrument_id] = (bid, ask)
        self._after_mark(instrument_id, None)

    def mark(self, instrument_id: InstrumentId) -> tuple[Price, Price] | None:
        """The (bid, ask) the instrument is valued at (equal after :meth:`update_mark`)."""
        return self._marks.get(instrument_id)

    def _mid(self, instrument_id: InstrumentId) -> Price | None:
        marks = self._marks.get(instrument_id)
        if marks is None:
            return None
        bid, ask = marks
        if bid is ask or bid.raw == ask.raw:
            return bid
        total = bid.raw + ask.raw
        raw = total // 2 if total % 2 == 0 else rdiv(total, 2)
        precision = max(bid.precision, ask.precision)
        if raw % 10 ** (9 - precision):
            precision = min(9, precision + 1)
        return Price.from_raw(raw, precision)

    def _after_mark(self, instrument_id: InstrumentId, price: Price | None) -> None:
        book = self._books.get(instrument_id)
        if book is None or book.kind != _DERIVATIVE:
            return
        for account_id, net in book.acct_net.items():
            if not net or account_id is None:
                continue
            account = self._accounts.get(account_id)
            if isinstance(account, MarginAccount):
                self._update_margin(book, account, price)

    def _update_margin(self, book: _Book, account: MarginAccount, fallback: Price | None) -> None:
        net = book.acct_net.get(account.account_id, 0)
        iid = book.instrument.id
        if not net:
            account.update_margin_maint(iid, None)
            return
        price = self._mid(iid) or fallback
        if price is None:
            return
        qty = quantity(abs(net), book.size_prec)
        account.update_margin_maint(
            iid, account.calculate_margin_maint(book.instrument, qty, price)
        )

    # -- queries ----------------------------------------------------------------------------
    def net_position(self, instrument_id: InstrumentId) -> Decimal:
        """Signed net quantity of ``instrument_id`` over every position (long minus short)."""
        book = self._books.get(instrument_id)
        if book is None:
            return Decimal(0)
        return raw_to_decimal(book.long_qty + book.short_qty, book.size_prec)

    def is_flat(self, instrument_id: InstrumentId | None = None) -> bool:
        """Whether nothing is held in ``instrument_id`` (in anything, without one)."""
        if instrument_id is None:
            return not self._open
        book = self._books.get(instrument_id)
        return book is None or (book.long_qty == 0 and book.short_qty == 0)

    def position(self, position_id: PositionId | str) -> Position | None:
        """The position with this id (open or closed), or ``None``."""
        return self._positions.get(PositionId(position_id))

    def positions(
        self,
        *,
        open_only: bool = False,
        instrument_id: InstrumentId | None = None,
        strategy_id: StrategyId | str | None = None,
    ) -> list[Position]:
        """Positions, oldest first, optionally only open ones or of one instrument/strategy.

        ``open_only`` costs O(open positions); otherwise O(positions).
        """
        source = self._open if open_only else self._positions
        return [
            p
            for p in source.values()
            if (instrument_id is None or p._instrument_id == instrument_id)
            and (strategy_id is None or p._strategy_id == strategy_id)
        ]

    @overload
    def realized_pnl(self, instrument_id: InstrumentId) -> Money | None: ...
    @overload
    def realized_pnl(self, instrument_id: None = None) -> dict[Currency, Money]: ...
    def realized_pnl(
        self, instrument_id: InstrumentId | None = None
    ) -> Money | dict[Currency, Money] | None:
        """Realized PnL, settlement-currency commissions subtracted, every cycle included.

        With an instrument: its PnL in its settlement currency (``None`` if never traded).
        Without: one amount per settlement currency. Summed exactly, rounded once (half-even
        to 10**-9 when more digits are needed).
        """
        if instrument_id is not None:
            book = self._books.get(instrument_id)
            return None if book is None else money_from_fine(book.realized, book.currency)
        return {c: money_from_fine(v, c) for c, v in self._realized_ccy.items()}

    @overload
    def unrealized_pnl(self, instrument_id: InstrumentId) -> Money | None: ...
    @overload
    def unrealized_pnl(self, instrument_id: None = None) -> dict[Currency, Money]: ...
    def unrealized_pnl(
        self, instrument_id: InstrumentId | None = None
    ) -> Money | dict[Currency, Money] | None:
        """Unrealized PnL at the marks (longs at the bid, shorts at the ask).

        With an instrument: ``None`` when it is held but has no mark, zero when flat.
        Without: one amount per settlement currency over the instruments held that have a
        mark (see :meth:`unpriced` for those that have none).
        """
        if instrument_id is not None:
            book = self._books.get(instrument_id)
            if book is None:
                return None
            fine = self._unrealized_book(book)
            return None if fine is None else money_from_fine(fine, book.currency)
        totals: dict[Currency, int] = {}
        for book in self._books.values():
            if book.long_qty or book.short_qty:
                fine = self._unrealized_book(book)
                if fine is not None:
                    totals[book.currency] = totals.get(book.currency, 0) + fine
        return {c: money_from_fine(v, c) for c, v in totals.items()}

    def _unrealized_book(self, book: _Book) -> int | None:
        if not book.long_qty and not book.short_qty:
            return 0
        marks = self._marks.get(book.instrument.id)
        if marks is None:
            return None
        return book.unrealized(marks[0].raw, marks[1].raw)

    def unpriced(self) -> list[InstrumentId]:
        """Instruments held that have no mark yet."""
        return [
            iid
            for iid, book in self._books.items()
            if (book.long_qty or book.short_qty) and iid not in self._marks
        ]

    @overload
    def net_exposure(self, instrument_id: InstrumentId) -> Money | None: ...
    @overload
    def net_exposure(self, instrument_id: None = None) -> dict[Currency, Money]: ...
    def net_exposure(
        self, instrument_id: InstrumentId | None = None
    ) -> Money | dict[Currency, Money] | None:
        """Signed value of the net position at the marks (long > 0), in the settlement
        currency (the base currency for an inverse contract). ``None`` / left out when held
        without a mark."""
        if instrument_id is not None:
            book = self._books.get(instrument_id)
            if book is None:
                return None
            fine = self._exposure_book(book)
            return None if fine is None else money_from_fine(fine, book.currency)
        totals: dict[Currency, int] = {}
        for book in self._books.values():
            if book.long_qty or book.short_qty:
                fine = self._exposure_book(book)
                if fine is not None:
                    totals[book.currency] = totals.get(book.currency, 0) + fine
        return {c: money_from_fine(v, c) for c, v in totals.items()}

    def _exposure_book(self, book: _Book) -> int | None:
        if not book.long_qty and not book.short_qty:
            return 0
        marks = self._marks.get(book.instrument.id)
        if marks is None:
            return None
        return book.value(book.long_qty, marks[0].raw) + book.value(book.short_qty, marks[1].raw)

    def commissions(self) -> dict[Currency, Money]:
        """Every commission paid, per currency. Costs O(instruments)."""
        raws: dict[Currency, int] = {}
        for book in self._books.values():
            if book.comm_settle:
                raws[book.currency] = raws.get(book.currency, 0) + book.comm_settle
        out = dict(self._commissions)
        for ccy, raw in raws.items():
            prev = out.get(ccy)
            out[ccy] = money(raw, ccy) if prev is None else prev + money(raw, ccy)
        return out

    def equity(self, account_id: AccountId | str, currency: Currency) -> Money | None:
        """An account's equity in ``currency``: its total balance, plus the unrealized PnL
        of its swap and future positions settled in ``currency``, plus the market value of
        its share positions quoted in it (spot assets are balances of their own currency).

        ``None`` for an unknown account, or when a position it needs has no mark.
        Costs O(open positions).
        """
        account = self._accounts.get(AccountId(account_id))
        if account is None:
            return None
        total = account.balance_total(currency)
        fine = 0 if total is None else total.raw * FINE_PER_RAW
        for pos in self._open.values():
            if pos._account_id != account.account_id or pos._currency != currency:
                continue
            book = self._books[pos._instrument_id]
            if book.kind == _SPOT:
                continue
            marks = self._marks.get(pos._instrument_id)
            if marks is None:
                return None
            price = marks[0].raw if pos._qty > 0 else marks[1].raw
            if book.kind == _SHARE:
                fine += book.value(pos._qty, price)
            else:
                fine += pos._unrealized_fine(price)
        return money_from_fine(fine, currency)

    # -- state ------------------------------------------------------------------------------
    def to_state(self, ts_event: int = 0, ts_init: int = 0) -> PortfolioState:
        """Everything needed to rebuild this portfolio (timestamps go to account states)."""
        return PortfolioState(
            oms_type=self._oms_type,
            venue_oms_types=tuple(sorted(self._venue_oms.items())),
            accounts=tuple(a.to_state(ts_event, ts_init) for a in self._accounts.values()),
            venue_accounts=tuple(
                sorted((v, a.account_id) for v, a in self._venue_accounts.items())
            ),
            positions=tuple(p.to_state() for p in self._positions.values()),
            trade_ids=tuple(
                (iid, tuple(TradeId(t) for t in sorted(book.trade_ids)))
                for iid, book in self._books.items()
            ),
            marks=tuple((iid, bid, ask) for iid, (bid, ask) in self._marks.items()),
            position_seq=self._position_seq,
        )

    @classmethod
    def from_state(
        cls,
        state: PortfolioState,
        instruments: Iterable[Instrument] | Mapping[InstrumentId, Instrument],
        *,
        bus: EventBus | None = None,
    ) -> Portfolio:
        """Rebuild a portfolio from :meth:`to_state`'s result; ``instruments`` must include
        every instrument it holds positions in."""
        if not isinstance(state, PortfolioState):
            raise InvalidInput("Portfolio.from_state.state", "must be a PortfolioState", state)
        items = instruments.values() if isinstance(instruments, Mapping) else instruments
        portfolio = cls(instruments=items, oms_type=state.oms_type, bus=bus)
        for venue, oms in state.venue_oms_types:
            portfolio.set_oms_type(venue, oms)
        for account_state in state.accounts:
            portfolio.add_account(Account.from_state(account_state))
        for venue, account_id in state.venue_accounts:
            portfolio._venue_accounts[venue] = portfolio._accounts[account_id]
        for pos_state in state.positions:
            pos = Position.from_state(msgspec.structs.replace(pos_state, trade_ids=None))
            iid = pos._instrument_id
            book = portfolio._books.get(iid)
            if book is None:
                book = portfolio._add_book(portfolio._book(iid, None))
            portfolio._register(pos)
            if book.oms is not OmsType.HEDGING and pos._id == f"{iid}-{pos._strategy_id}":
                book.netting[pos._strategy_id] = pos
            book.move(0, 0, pos._qty, pos._basis)
            if pos._qty:
                book.acct_net[pos._account_id] = book.acct_net.get(pos._account_id, 0) + pos._qty
            realized = pos._snap_realized + pos._realized
            for commission in pos.total_commissions.values():
                ccy = commission.currency
                if ccy == book.currency:
                    book.comm_settle += commission.raw
                    realized -= commission.raw * FINE_PER_RAW
                else:
                    prev = portfolio._commissions.get(ccy)
                    portfolio._commissions[ccy] = commission if prev is None else prev + commission
            book.realized += realized
            ccy = book.currency
            portfolio._realized_ccy[ccy] = portfolio._realized_ccy.get(ccy, 0) + realized
        for iid, trade_ids in state.trade_ids:
            book = portfolio._books.get(iid)
            if book is None:
                book = portfolio._add_book(portfolio._book(iid, None))
            book.trade_ids.update(trade_ids)
        for iid, bid, ask in state.marks:
            portfolio._marks[iid] = (bid, ask)
        portfolio._position_seq = state.position_seq
        return portfolio

    def __repr__(self) -> str:
        return (
            f"Portfolio(accounts={len(self._accounts)}, positions={len(self._positions)}, "
            f"open={len(self._open)})"
        )
