"""What a backtest keeps while it runs: fills, equity samples and per-strategy PnL.

The :class:`Recorder` listens on the bus (order events of every strategy) and samples the
equity of every exchange's accounts on a clock timer. It works with any exchanges and
strategies: it reads only events and the exchanges' books and portfolios.

**Equity** of an exchange is the sum over its accounts of every balance converted to the base
currency (a currency ``C`` converts at the mid of an instrument quoting ``C`` in the base
currency on any exchange of the run), plus the unrealized PnL of derivative positions and the
value of share positions (:meth:`lyra.portfolio.Portfolio.equity`). A balance in a currency
with no such instrument cannot be valued: the recorder raises
:class:`~lyra.errors.InvalidInput` naming it, rather than dropping it.

**Per strategy** the recorder keeps a netted ledger per (venue, strategy, instrument) in
floats: position, average entry, realized PnL and fees, valued in the base currency at the
same marks. A strategy's curve is the run's starting equity plus its own PnL, so its
returns are relative to the whole capital. A *trade* (for win rate and profit factor) is a
round trip of one ledger from flat back to flat (a flip closes one and opens the next); its
PnL is net of the fees paid on it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from lyra.backtest.records import FillRecord
from lyra.errors import InvalidInput
from lyra.model.codec import encode_msgpack
from lyra.model.currency import Currency
from lyra.model.enums import OrderSide
from lyra.orders.events import OrderFilled

if TYPE_CHECKING:
    from lyra.bus import EventBus
    from lyra.clock import TestClock, TimeEvent
    from lyra.model.instruments import Instrument
    from lyra.model.values import Price
    from lyra.sim.exchange import SimulatedExchange

__all__ = ("Recorder",)

_TIMER: Final = "lyra.backtest.equity"


class _Ledger:
    """One (venue, strategy, instrument) netted position in floats."""

    __slots__ = ("avg", "fees", "instrument", "mult", "qty", "realized", "trade_fees", "trade_pnl")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.mult = float(instrument.multiplier)
        self.qty = 0.0
        self.avg = 0.0
        self.realized = 0.0  # base currency
        self.fees = 0.0  # base currency
        self.trade_pnl = 0.0
        self.trade_fees = 0.0


class Recorder:
    """Collects a run's fills, equity curve and per-strategy PnL; see the module docs."""

    def __init__(
        self,
        bus: EventBus,
        clock: TestClock,
        exchanges: list[SimulatedExchange],
        *,
        base_currency: str | None = None,
        interval_ns: int = 60_000_000_000,
        record_events: bool = False,
        initial_marks: dict[str, tuple[Price, Price]] | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._exchanges = exchanges
        self._interval = interval_ns
        self._record = record_events
        self.base = self._pick_base(base_currency)
        self.fills: list[FillRecord] = []
        self.event_log: list[bytes] = []
        self.ts: list[int] = []
        self.equity: list[float] = []
        self.group_ts: dict[str, list[int]] = {}
        self.group_equity: dict[str, list[float]] = {}
        self.group_exposure: dict[str, list[float]] = {}
        self.trade_pnls: list[float] = []
        self.trade_labels: list[tuple[str, str]] = []  # (venue, strategy)
        self.fill_labels: list[tuple[str, str]] = []
        self.notionals: list[float] = []
        self.fees: list[float] = []
        self.start_equity = math.nan
        self._ledgers: dict[tuple[str, str, str], _Ledger] = {}
        self._instruments: dict[str, tuple[SimulatedExchange, Instrument]] = {}
        for ex in exchanges:
            for inst in ex.instruments:
                self._instruments[str(inst.id)] = (ex, inst)
        self._rate_source: dict[str, Instrument | None] = {}  # code -> X/base instrument
        # per instrument id: (instrument, venue, float multiplier, quote currency)
        self._fill_consts: dict[str, tuple[Instrument, str, float, Currency]] = {}
        self._strategies: list[str] = []
        # (bid, ask) per instrument id from the first data rows: values balances before the
        # books have seen any data
        self._initial = dict(initial_marks or {})

    def _pick_base(self, given: str | None) -> Currency:
        if given is not None:
            return Currency.from_str(given)
        # the first instrument's settlement currency: what its PnL is counted in
        for ex in self._exchanges:
            for inst in ex.instruments:
                return inst.settlement_currency
        raise InvalidInput("base_currency", "must be given when no exchange has instruments", None)

    # -- wiring -----------------------------------------------------------------------------
    def start(self) -> None:
        """Subscribe to order events, take the first equity sample and arm the timer."""
        self._bus.subscribe("events.order.*", self._on_order_event)
        if self._record:
            self._bus.subscribe("events.*", self._on_any_event)
        self.sample()
        self._clock.set_timer(_TIMER, self._interval, callback=self._on_timer, replace=True)

    def finish(self) -> None:
        """Stop listening and take the last equity sample."""
        self._clock.cancel_timer(_TIMER)
        self._bus.unsubscribe("events.order.*", self._on_order_event)
        if self._record:
            self._bus.unsubscribe("events.*", self._on_any_event)
        self.sample()

    def _on_timer(self, event: TimeEvent) -> None:
        self.sample()

    def _on_any_event(self, event: Any) -> None:
        self.event_log.append(encode_msgpack(event))

    # -- fills ------------------------------------------------------------------------------
    def _on_order_event(self, event: Any) -> None:
        if type(event) is not OrderFilled:
            return
        iid = str(event.instrument_id)
        consts = self._fill_consts.get(iid)
        if consts is None:
            found = self._instruments.get(iid)
            if found is None:
                return
            ex, inst = found
            consts = self._fill_consts[iid] = (
                inst,
                str(ex.venue),
                float(inst.multiplier),
                inst.quote_currency,
            )
        inst, venue, multiplier, quote_currency = consts
        strategy = str(event.strategy_id)
        if strategy not in self._strategies:
            self._strategies.append(strategy)
        qty = float(event.last_qty)
        px = float(event.last_px)
        notional = qty * px * multiplier
        rate = self._rate(quote_currency)
        fee = float(event.commission) * self._rate(event.commission.currency)
        side = "BUY" if event.order_side == OrderSide.BUY else "SELL"
        self.fills.append(
            FillRecord(
                ts_ns=event.ts_event,
                venue=venue,
                account_id=str(event.account_id or ""),
                strategy_id=strategy,
                instrument_id=iid,
                client_order_id=str(event.client_order_id),
                venue_order_id=str(event.venue_order_id),
                trade_id=str(event.trade_id),
                side=side,
                quantity=str(event.last_qty),
                price=str(event.last_px),
                commission=str(event.commission.as_decimal()),
                commission_currency=str(event.commission.currency),
                liquidity=event.liquidity_side.name,
                notional=notional,
            )
        )
        self.fill_labels.append((venue, strategy))
        self.notionals.append(notional * rate)
        self.fees.append(fee)
        key = (venue, strategy, iid)
        led = self._ledgers.get(key)
        if led is None:
            led = self._ledgers[key] = _Ledger(inst)
        self._apply(led, qty if side == "BUY" else -qty, px, rate, fee, (venue, strategy))

    def _apply(
        self, led: _Ledger, dq: float, px: float, rate: float, fee: float, label: tuple[str, str]
    ) -> None:
        led.fees += fee
        led.trade_fees += fee
        q = led.qty
        if q == 0.0 or (q > 0) == (dq > 0):
            total = q + dq
            led.avg = (led.avg * abs(q) + px * abs(dq)) / abs(total)
            led.qty = total
            return
        closing = min(abs(q), abs(dq))
        pnl = closing * (px - led.avg) * led.mult * rate * (1.0 if q > 0 else -1.0)
        led.realized += pnl
        led.trade_pnl += pnl
        rest = q + dq
        if abs(rest) < 1e-12 * max(abs(q), 1.0) or (rest > 0) != (q > 0):
            # back to flat, or flipped: the round trip ends here
            self.trade_pnls.append(led.trade_pnl - led.trade_fees)
            self.trade_labels.append(label)
            led.trade_pnl = 0.0
            led.trade_fees = 0.0
            if abs(rest) < 1e-12 * max(abs(q), 1.0):
                led.qty = 0.0
                led.avg = 0.0
            else:
                led.qty = rest
                led.avg = px
            return
        led.qty = rest

    # -- valuation --------------------------------------------------------------------------
    def _rate(self, ccy: Currency) -> float:
        """Base-currency value of one unit of ``ccy`` now (1 for the base)."""
        if ccy == self.base:
            return 1.0
        code = str(ccy)
        if code in self._rate_source:
            src = self._rate_source[code]
        else:
            src = None
            for _, inst in self._instruments.values():
                if inst.base_currency == ccy and inst.quote_currency == self.base:
                    src = inst
                    break
            self._rate_source[code] = src
        if src is None:
            raise InvalidInput(
                "base_currency",
                f"cannot value {code} in {self.base}: no {code}/{self.base} instrument in the run",
                code,
            )
        mid = self._mid(src)
        if mid is None:
            return math.nan
        return mid

    def _bid_ask(self, inst: Instrument) -> tuple[Price, Price] | None:
        ex, _ = self._instruments[str(inst.id)]
        bid = ex.best_bid(inst.id)
        ask = ex.best_ask(inst.id)
        if bid is None and ask is None:
            return self._initial.get(str(inst.id))
        b = bid[0] if bid is not None else ask[0]  # type: ignore[index]
        a = ask[0] if ask is not None else b
        return b, a

    def _mid(self, inst: Instrument) -> float | None:
        marks = self._bid_ask(inst)
        if marks is None:
            return None
        return (float(marks[0]) + float(marks[1])) / 2.0

    def _mark(self, ex: SimulatedExchange) -> None:
        portfolio = ex.portfolio
        for inst in ex.instruments:
            marks = self._bid_ask(inst)
            if marks is not None:
                portfolio.update_bid_ask(inst.id, marks[0], marks[1])

    def venue_equity(self, ex: SimulatedExchange) -> float:
        """The exchange's accounts' equity in the base currency now (see the module docs)."""
        self._mark(ex)
        portfolio = ex.portfolio
        base = self.base
        total = 0.0
        for account in ex.accounts:
            eq = portfolio.equity(account.account_id, base)
            if eq is None:
                total += math.nan
                continue
            total += float(eq)
            for ccy, bal in account.balances().items():
                if ccy == base:
                    continue
                amount = float(bal.total)
                if amount:
                    total += amount * self._rate(ccy)
        return total

    def sample(self) -> None:
        """Record the equity of every exchange and strategy now. A sample is skipped while
        some balance or position cannot be valued yet (no price seen for it)."""
        ts = self._clock.timestamp_ns()
        venue_pos: dict[str, float] = {}
        strat_pnl: dict[str, float] = {}
        strat_pos: dict[str, float] = {}
        for (venue, strategy, iid), led in self._ledgers.items():
            _, inst = self._instruments[iid]
            pnl = led.realized - led.fees
            if led.qty:
                mid = self._mid(inst)
                if mid is not None:
                    pnl += led.qty * (mid - led.avg) * led.mult * self._rate(inst.quote_currency)
                venue_pos[venue] = venue_pos.get(venue, 0.0) + abs(led.qty)
                strat_pos[strategy] = strat_pos.get(strategy, 0.0) + abs(led.qty)
            strat_pnl[strategy] = strat_pnl.get(strategy, 0.0) + pnl
        venues = [(str(ex.venue), self.venue_equity(ex)) for ex in self._exchanges]
        total = math.fsum(eq for _, eq in venues)
        if not math.isfinite(total):
            return
        if self.ts and self.ts[-1] == ts:
            # one sample per time: a later sample at the same time replaces it
            self.ts.pop()
            self.equity.pop()
            for key, times in self.group_ts.items():
                if times and times[-1] == ts:
                    times.pop()
                    self.group_equity[key].pop()
                    self.group_exposure[key].pop()
        if not self.equity:
            self.start_equity = total
        for venue, eq in venues:
            self._group(f"venue:{venue}", ts, eq, venue_pos.get(venue, 0.0))
        for strategy in self._strategies:
            self._group(
                f"strategy:{strategy}",
                ts,
                self.start_equity + strat_pnl.get(strategy, 0.0),
                strat_pos.get(strategy, 0.0),
            )
        self.ts.append(ts)
        self.equity.append(total)

    def _group(self, key: str, ts: int, equity: float, position: float) -> None:
        if key not in self.group_ts:
            self.group_ts[key] = []
            self.group_equity[key] = []
            self.group_exposure[key] = []
        self.group_ts[key].append(ts)
        self.group_equity[key].append(equity)
        self.group_exposure[key].append(position)
