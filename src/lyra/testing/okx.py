""":class:`FakeOkx`: OKX API v5 (spot and perpetual swaps) on localhost, backed by Lyra's
simulated exchange.

It speaks OKX's REST API and websocket protocol closely enough that an OKX client --
:class:`~lyra.adapters.okx.OkxVenue`, or one of your own -- trades against it as against the
venue:

* **REST** (``http_url``): ``/api/v5/public/time|instruments``, ``/api/v5/market/books``,
  ``/api/v5/trade/order|cancel-order|amend-order`` (POST, JSON bodies),
  ``/api/v5/trade/order-algo|cancel-algos|amend-algos`` (``trigger``, ``oco``,
  ``move_order_stop``), the order, fill and algo queries (``orders-pending``,
  ``orders-history``, ``order``, ``fills``, ``orders-algo-pending``,
  ``orders-algo-history``) and ``/api/v5/account/balance|positions``. Every answer is the
  ``{"code","msg","data":[...]}`` envelope; an order request that fails says ``"1"`` with
  the reason in ``sCode``/``sMsg``.
* **Signatures are verified as OKX does**: the four ``OK-ACCESS-*`` headers, base64
  HMAC-SHA256 over ``timestamp + METHOD + requestPath + body`` (the query string part of a
  GET's path), a timestamp at most 30 s away (``50102``), missing headers ``50103``-
  ``50107``, an unknown key ``50111``, a wrong passphrase ``50105``, a bad signature
  ``50113``.
* **Websockets** (``ws_url``): ``/ws/v5/public`` (``books`` with ``seqId``/``prevSeqId``
  and the CRC32 ``checksum``, ``books5``, ``bbo-tbt``, ``trades``, ``tickers``),
  ``/ws/v5/private`` (``login``, then ``orders``) and ``/ws/v5/business`` (``login``, then
  ``orders-algo``); the text ``ping`` is answered ``pong``.

The market is moved by hand: :meth:`FakeOkx.set_book`, :meth:`FakeOkx.trade`,
:meth:`FakeOkx.liquidity_order`. Faults go through :attr:`FakeOkx.faults`
(:class:`~lyra.testing.Faults`; ``skip_sequence`` takes the ``instId``) plus
:meth:`FakeOkx.corrupt_checksum`.

Known simplifications: net position mode only; one account per API key holding spot and
swap balances side by side (spot in cash mode, swaps cross margin); trailing stops follow
the simulated exchange's trailing rules; ``seqId`` grows by one per book change; fills
and history are not paginated.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lyra.adapters.okx.book import checksum
from lyra.adapters.okx.signing import (
    OKX_ACCESS_KEY,
    OKX_ACCESS_PASSPHRASE,
    OKX_ACCESS_SIGN,
    OKX_ACCESS_TIMESTAMP,
    verify_rest,
    verify_ws_login,
)
from lyra.clock import Clock
from lyra.errors import InvalidInput
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, Instrument, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.order import Order
from lyra.sim.exchange import SimulatedVenue
from lyra.testing.fake_server import FakeConnection, FakeMarket, FakeVenueServer
from lyra.venue.unset import UNSET

__all__ = ("FakeOkx", "FakeOkxAccount", "FakeOkxAlgo", "FakeOkxOrder", "OkxHarness")

_MS: Final = 1_000_000
_SIDES: Final = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
_ORD_TYPES: Final = frozenset({"market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc"})
_ALGO_TYPES: Final = frozenset({"trigger", "oco", "move_order_stop"})
_OPEN: Final = frozenset({"live", "partially_filled"})
_ALGO_OPEN: Final = frozenset({"live", "partially_effective"})
_PUBLIC_CHANNELS: Final = frozenset({"books", "books5", "bbo-tbt", "trades", "tickers"})
_SKEW_MS: Final = 30_000


class _Reply(Exception):
    """An error answer (private): OKX's ``code``/``msg`` (HTTP 200 unless said)."""

    def __init__(self, code: str, msg: str, status: int = 200) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def _dec(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise _Reply("51000", f"Parameter {name} error") from None
    if not d.is_finite():
        raise _Reply("51000", f"Parameter {name} error")
    return d


def _s(d: Decimal) -> str:
    """A decimal as OKX writes it: no exponent, no trailing zeros."""
    text = format(d.normalize(), "f")
    return text if text != "-0" else "0"


def _inst_type(inst: Instrument) -> str:
    return "SPOT" if isinstance(inst, CurrencyPair) else "SWAP"


class FakeOkxAccount:
    """One API key of a :class:`FakeOkx` (secret and passphrase) and the simulated accounts
    behind it (one per market: spot and swaps)."""

    def __init__(self, api_key: str, secret: str, passphrase: str, uid: str) -> None:
        self.api_key = api_key
        self._secret = secret
        self._passphrase = passphrase
        self.uid = uid
        self.venues: dict[str, SimulatedVenue] = {}
        self.orders: dict[str, FakeOkxOrder] = {}
        self.algos: dict[str, FakeOkxAlgo] = {}
        self.fills: list[dict[str, Any]] = []
        #: position by instId: (signed contracts, average price)
        self.positions: dict[str, tuple[Decimal, Decimal]] = {}

    def verify(self, signature: str, timestamp: str, method: str, path: str, body: str) -> bool:
        """Check a REST signature as OKX does for this key."""
        return verify_rest(self._secret, signature, timestamp, method, path, body)

    def verify_login(self, args: dict[str, Any]) -> bool:
        """Check a websocket login's ``args`` entry (key, passphrase and signature)."""
        return (
            args.get("apiKey") == self.api_key
            and args.get("passphrase") == self._passphrase
            and verify_ws_login(self._secret, args)
        )

    def passphrase_ok(self, passphrase: str) -> bool:
        """Whether ``passphrase`` is this key's."""
        return passphrase == self._passphrase

    def open_orders(self, inst_id: str | None = None) -> list[FakeOkxOrder]:
        """The working regular orders (of one instrument), oldest first."""
        return [
            o
            for o in self.orders.values()
            if o.state in _OPEN and (inst_id is None or o.inst_id == inst_id)
        ]

    def find(self, ord_id: str | None, cl_ord_id: str | None) -> FakeOkxOrder | None:
        """A regular order by ``ordId`` or ``clOrdId`` (the open one first)."""
        if ord_id:
            return self.orders.get(ord_id)
        if cl_ord_id:
            found = [o for o in self.orders.values() if o.cl_ord_id == cl_ord_id]
            open_ = [o for o in found if o.state in _OPEN]
            pick = open_ or found
            return pick[-1] if pick else None
        return None

    def find_algo(self, algo_id: str | None, algo_cl_ord_id: str | None) -> FakeOkxAlgo | None:
        """An algo order by ``algoId`` or ``algoClOrdId``."""
        if algo_id:
            return self.algos.get(algo_id)
        if algo_cl_ord_id:
            found = [a for a in self.algos.values() if a.algo_cl_ord_id == algo_cl_ord_id]
            return found[-1] if found else None
        return None

    def __repr__(self) -> str:
        return f"FakeOkxAccount(uid={self.uid}, {len(self.orders)} orders)"


class FakeOkxOrder:
    """A regular order as FakeOkx keeps it: OKX's view beside the simulated order."""

    def __init__(
        self,
        ord_id: str,
        cl_ord_id: str,
        account: FakeOkxAccount,
        inst: Instrument,
        side: str,
        ord_type: str,
        td_mode: str,
        sz: Decimal,
        px: Decimal | None,
        now_ms: int,
    ) -> None:
        self.ord_id = ord_id
        self.cl_ord_id = cl_ord_id
        self.account = account
        self.inst = inst
        self.inst_id = inst.raw_symbol
        self.inst_type = _inst_type(inst)
        self.side = side
        self.ord_type = ord_type
        self.td_mode = td_mode
        self.sz = sz
        self.px = px
        self.tgt_ccy = ""
        self.reduce_only = False
        self.state = "live"
        self.acc_fill_sz = Decimal(0)
        self.notional = Decimal(0)
        self.fee = Decimal(0)
        self.fee_ccy = ""
        self.cancel_source = ""
        self.c_time = now_ms
        self.u_time = now_ms
        self.order: Order | None = None
        self.algo: FakeOkxAlgo | None = None
        self.in_request = False
        self.rejection = ""
        self.rejection_code = ""
        self.cancel_requested = False
        self.acked = False

    @property
    def is_open(self) -> bool:
        """Whether the order is still working."""
        return self.state in _OPEN

    def __repr__(self) -> str:
        return (
            f"FakeOkxOrder({self.ord_id}, {self.cl_ord_id}, {self.inst_id} {self.side} "
            f"{self.ord_type} {self.sz} @ {self.px}, {self.state})"
        )


class FakeOkxAlgo:
    """An algo order (``trigger``, ``oco``, ``move_order_stop``) as FakeOkx keeps it; its
    simulated orders wait for their trigger and become :attr:`child` when it fires."""

    def __init__(
        self,
        algo_id: str,
        algo_cl_ord_id: str,
        account: FakeOkxAccount,
        inst: Instrument,
        body: Mapping[str, Any],
        now_ms: int,
    ) -> None:
        self.algo_id = algo_id
        self.algo_cl_ord_id = algo_cl_ord_id
        self.account = account
        self.inst = inst
        self.inst_id = inst.raw_symbol
        self.inst_type = _inst_type(inst)
        self.body = dict(body)
        self.ord_type = str(body.get("ordType", ""))
        self.side = str(body.get("side", ""))
        self.sz = Decimal(str(body.get("sz", "0")))
        self.state = "live"
        self.actual_side = ""
        self.legs: dict[str, Order] = {}
        self.child: FakeOkxOrder | None = None
        self.fail_code = ""
        self.c_time = now_ms
        self.u_time = now_ms
        self.trigger_time = 0
        self.in_request = False
        self.rejection = ""

    @property
    def is_open(self) -> bool:
        """Whether the algo order is still waiting for its trigger."""
        return self.state in _ALGO_OPEN

    def __repr__(self) -> str:
        return f"FakeOkxAlgo({self.algo_id}, {self.algo_cl_ord_id}, {self.ord_type}, {self.state})"


class _Market:
    """One simulated market inside the fake (spot or swaps; private)."""

    def __init__(self, server: FakeOkx, market: FakeMarket, inst_type: str) -> None:
        self.server = server
        self.market = market
        self.inst_type = inst_type
        self.by_internal: dict[str, tuple[FakeOkxOrder | None, FakeOkxAlgo | None, str]] = {}
        self.pending_taker: dict[str, list[list[Any]]] = {}
        market.on_event = self.on_event
        market.on_book = self.on_book

    # -- simulated exchange events --------------------------------------------------------------
    def on_event(self, event: OrderEvent) -> None:
        server = self.server
        found = self.by_internal.get(event.client_order_id)
        rec, algo, leg = found if found is not None else (None, None, "")
        if isinstance(event, OrderFilled):
            tid = self.trade_id_for(event, rec)
            if rec is not None:
                server.on_fill(rec, event, tid)
            return
        now = event.ts_event // _MS or server.now_ms()
        if algo is not None and rec is None:
            server.on_algo_event(algo, leg, event, now)
            return
        if rec is None:
            return
        if isinstance(event, (OrderRejected, OrderDenied)):
            code = str(event.code)
            rec.u_time = now
            if code == "POST_ONLY_WOULD_TAKE":
                rec.state = "canceled"
                rec.cancel_source = "31"
                server.push_order(rec)
                return
            rec.state = "canceled"
            rec.rejection = event.reason
            rec.rejection_code = code
            if not rec.in_request:
                rec.cancel_source = "0"
                server.push_order(rec)
            return
        if isinstance(event, OrderAccepted):
            if not rec.acked:
                rec.acked = True
                rec.u_time = now
                server.push_order(rec)
            return
        if isinstance(event, OrderUpdated):
            rec.sz = event.quantity.as_decimal() if event.quantity is not None else rec.sz
            if event.price is not None:
                rec.px = event.price.as_decimal()
            rec.u_time = now
            server.push_order(rec, amendResult="0", reqId=server.amend_req_ids.pop(rec.ord_id, ""))
            return
        if isinstance(event, OrderModifyRejected):
            rec.rejection = event.reason
            return
        if isinstance(event, (OrderCanceled, OrderExpired)):
            if not rec.is_open:
                return
            rec.state = "canceled"
            if rec.cancel_requested:
                rec.cancel_source = "1"
            elif rec.ord_type == "fok":
                rec.cancel_source = "13"
            elif rec.ord_type in ("ioc", "optimal_limit_ioc", "market"):
                rec.cancel_source = "14"
            else:
                rec.cancel_source = "0"
            rec.u_time = now
            server.push_order(rec)
            server.dirty.add(rec.account)

    def trade_id_for(self, event: OrderFilled, rec: FakeOkxOrder | None) -> str:
        """The public trade id of a fill: a taker fill prints a new trade; the makers it
        met share its id."""
        inst = self.market.instruments[event.instrument_id]
        inst_id = inst.raw_symbol
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        pending = self.pending_taker.setdefault(inst_id, [])
        if event.liquidity_side is LiquiditySide.TAKER:
            tid = self.server.next_trade_id(inst_id)
            pending.append([tid, px, qty])
            side = event.order_side
            if rec is not None:
                side = _SIDES[rec.side]
            self.server.publish_trade(inst, tid, px, qty, side, event.ts_event // _MS)
            return tid
        for entry in pending:
            if entry[1] == px and entry[2] >= qty:
                entry[2] -= qty
                pending[:] = [e for e in pending if e[2] > 0]
                return str(entry[0])
        return self.server.next_trade_id(inst_id)

    def on_book(self, iid: InstrumentId, changes: list[tuple[int, Price, Quantity]]) -> None:
        self.server.on_book(self.market, iid, changes)


class FakeOkx(FakeVenueServer):
    """OKX on localhost; see the module docs.

    Args:
        instruments: what it trades: :class:`~lyra.model.CurrencyPair` values become SPOT
            instruments, :class:`~lyra.model.PerpetualSwap` values SWAP instruments (their
            ``raw_symbol`` is the ``instId``). Default: :meth:`default_instruments`.
        clock: the exchange's clock (default: a :class:`~lyra.clock.LiveClock`).
        checksums: send the ``books`` CRC32 checksum (``False``: always ``0``, as OKX does
            from mid-2026).
        tick_s: how often time-driven events are processed.
    """

    def __init__(
        self,
        instruments: Sequence[Instrument] | None = None,
        *,
        clock: Clock | None = None,
        checksums: bool = True,
        tick_s: float = 0.02,
    ) -> None:
        super().__init__(clock=clock, tick_s=tick_s)
        given = list(instruments) if instruments is not None else self.default_instruments()
        spot = [i for i in given if isinstance(i, CurrencyPair)]
        swaps = [i for i in given if isinstance(i, PerpetualSwap)]
        other = [i for i in given if not isinstance(i, (CurrencyPair, PerpetualSwap))]
        if other:
            raise InvalidInput(
                "instruments", "must be CurrencyPair or PerpetualSwap values", other[0].id
            )
        self.checksums = checksums
        self._markets: dict[str, _Market] = {}
        self.instruments: dict[str, Instrument] = {}
        for kind, group, acct in (
            ("SPOT", spot, AccountType.CASH),
            ("SWAP", swaps, AccountType.MARGIN),
        ):
            if not group:
                continue
            market = FakeMarket(group[0].venue, group, clock=self.clock, account_type=acct)
            self.markets.append(market)
            self._markets[kind] = _Market(self, market, kind)
            for inst in group:
                self.instruments[inst.raw_symbol] = inst
        self.accounts: dict[str, FakeOkxAccount] = {}
        self.seq_ids: dict[str, int] = {s: 1000 for s in self.instruments}
        self.amend_req_ids: dict[str, str] = {}
        self.dirty: set[FakeOkxAccount] = set()
        self._checksum_faults: dict[str, int] = {}
        self._ord_ids = itertools.count(600_000_000_000_000_001)
        self._algo_ids = itertools.count(700_000_000_000_000_001)
        self._trade_ids: dict[str, itertools.count[int]] = {
            s: itertools.count(1) for s in self.instruments
        }
        self._last_top: dict[str, Any] = {}
        self._conn_ids = itertools.count(1)

    @staticmethod
    def default_instruments() -> list[Instrument]:
        """``BTC-USDT.OKX`` (spot: tick 0.1, lot 0.0001) and ``BTC-USDT-SWAP.OKX`` (linear
        perpetual: tick 0.1, lot 0.01 contracts of 0.01 BTC)."""
        return [
            CurrencyPair.simple(
                "BTC-USDT.OKX",
                price_increment="0.1",
                size_increment="0.0001",
                min_quantity="0.0001",
                max_quantity="1000",
                maker_fee="0.0008",
                taker_fee="0.001",
            ),
            PerpetualSwap.simple(
                "BTC-USDT-SWAP.OKX",
                price_increment="0.1",
                size_increment="0.01",
                min_quantity="0.01",
                max_quantity="10000",
                multiplier="0.01",
                maker_fee="0.0002",
                taker_fee="0.0005",
            ),
        ]

    # -- urls and accounts ---------------------------------------------------------------------
    @property
    def urls(self) -> Any:
        """The :class:`~lyra.adapters.okx.OkxUrls` to give :class:`~lyra.adapters.okx.OkxVenue`."""
        from lyra.adapters.okx.venue import OkxUrls

        ws = self.ws_url
        return OkxUrls(
            rest=self.http_url,
            ws_public=f"{ws}/ws/v5/public",
            ws_private=f"{ws}/ws/v5/private",
            ws_business=f"{ws}/ws/v5/business",
        )

    def add_account(
        self,
        api_key: str,
        secret: str,
        passphrase: str,
        *,
        balances: Iterable[Money | str] | None = None,
        swap_balances: Iterable[Money | str] | None = None,
    ) -> FakeOkxAccount:
        """Register an API key with its secret and passphrase.

        ``balances`` (``Money`` or ``"1000 USDT"``) open the spot account (the swap account
        when the fake runs no spot market); ``swap_balances`` open the swap account. Given
        balances are never copied into a second market, so ``/account/balance``, which adds
        the markets up, reports exactly what was given. Without either, every market gets
        1,000,000 of each quote currency and spot also 100 of each base currency."""
        if api_key in self.accounts:
            raise InvalidInput("api_key", "is already registered", "***")
        account = FakeOkxAccount(api_key, secret, passphrase, str(100_000 + len(self.accounts)))
        explicit = balances is not None or swap_balances is not None
        first = next(iter(self._markets), None)
        for kind, m in self._markets.items():
            if not explicit:
                amounts: dict[str, Money] = {}
                for inst in m.market.instruments.values():
                    quote = inst.quote_currency
                    amounts[quote.code] = Money("1000000", quote)
                    base = inst.base_currency
                    if base is not None and kind == "SPOT":
                        amounts.setdefault(base.code, Money("100", base))
                given = list(amounts.values())
            else:
                if kind == "SPOT" or (kind == first and "SPOT" not in self._markets):
                    source = balances if balances is not None else ()
                else:
                    source = swap_balances if swap_balances is not None else ()
                given = [b if isinstance(b, Money) else Money.from_str(b) for b in source]
            n = len(self.accounts) + 1
            account.venues[kind] = m.market.add_account(f"OKX-{kind}-{n:03d}", given)
        self.accounts[api_key] = account
        return account

    # -- the market ----------------------------------------------------------------------------
    def _market_of(self, inst: Instrument) -> _Market:
        return self._markets[_inst_type(inst)]

    def instrument(self, inst_id: str | None) -> Instrument:
        """The instrument of an ``instId`` (``51001`` when it does not exist)."""
        if not inst_id:
            raise _Reply("50014", "Parameter instId can not be empty")
        found = self.instruments.get(inst_id)
        if found is None:
            raise _Reply("51001", "Instrument ID does not exist")
        return found

    def _inst(self, instrument_id: InstrumentId | str) -> Instrument:
        iid = InstrumentId(instrument_id)
        for inst in self.instruments.values():
            if inst.id == iid:
                return inst
        raise InvalidInput("instrument_id", "is not traded on this FakeOkx", iid)

    def set_book(
        self,
        instrument_id: InstrumentId | str,
        bids: Iterable[tuple[Price | str, Quantity | str]],
        asks: Iterable[tuple[Price | str, Quantity | str]],
    ) -> None:
        """Make the resting liquidity of an instrument these levels (see
        :meth:`FakeMarket.set_book`); the book channels publish the change."""
        inst = self._inst(instrument_id)
        self._market_of(inst).market.set_book(inst.id, bids, asks)

    def trade(
        self,
        instrument_id: InstrumentId | str,
        price: Price | str,
        quantity: Quantity | str,
        aggressor: AggressorSide = AggressorSide.NO_AGGRESSOR,
    ) -> None:
        """Print a trade: it fills resting orders it goes through and is published on the
        ``trades`` channel (the taker side is the aggressor's; ``buy`` without one)."""
        inst = self._inst(instrument_id)
        tick = self._market_of(inst).market.trade(inst.id, price, quantity, aggressor)
        side = OrderSide.SELL if aggressor is AggressorSide.SELLER else OrderSide.BUY
        self.publish_trade(
            inst,
            self.next_trade_id(inst.raw_symbol),
            tick.price.as_decimal(),
            tick.size.as_decimal(),
            side,
            tick.ts_event // _MS,
        )
        self.flush_accounts()

    def liquidity_order(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        price: Price | str | None,
        quantity: Quantity | str,
    ) -> Order:
        """Send an order for the rest of the market (LIMIT, or MARKET when ``price`` is
        ``None``)."""
        inst = self._inst(instrument_id)
        return self._market_of(inst).market.liquidity_order(inst.id, side, price, quantity)

    def book(
        self, instrument_id: InstrumentId | str
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The book as published, as ``(price, size)`` strings, best first."""
        inst = self._inst(instrument_id)
        bids, asks = self._market_of(inst).market.displayed(inst.id)
        return [(str(p), str(q)) for p, q in bids], [(str(p), str(q)) for p, q in asks]

    def order(self, api_key: str, cl_ord_id: str) -> FakeOkxOrder | None:
        """The fake's record of a regular order of an account (by ``clOrdId``)."""
        account = self.accounts.get(api_key)
        return None if account is None else account.find(None, cl_ord_id)

    def corrupt_checksum(self, inst_id: str, count: int = 1) -> None:
        """Send a wrong ``checksum`` with the next ``count`` ``books`` updates of
        ``inst_id`` (counted in ``faults.applied["checksum"]``)."""
        self._checksum_faults[inst_id] = self._checksum_faults.get(inst_id, 0) + count

    def now_ms(self) -> int:
        """The fake's time in milliseconds."""
        return self.clock.timestamp_ns() // _MS

    def next_trade_id(self, inst_id: str) -> str:
        """A new public trade id of ``inst_id``."""
        return str(next(self._trade_ids[inst_id]))

    # -- publishing ----------------------------------------------------------------------------
    def _send(self, conns: Iterable[FakeConnection], payload: dict[str, Any]) -> None:
        text: str | None = None
        for conn in conns:
            if text is None:
                text = json.dumps(payload, separators=(",", ":"))
            conn.send(text)

    def _subscribers(self, channel: str, inst_id: str) -> list[FakeConnection]:
        key = f"{channel}:{inst_id}"
        return [c for c in self.connections if not c.closed and key in c.subscriptions]

    def _book_levels(self, inst: Instrument, depth: int) -> tuple[list[list[str]], list[list[str]]]:
        bids, asks = self._market_of(inst).market.displayed(inst.id)
        return (
            [[str(p), str(q), "0", "1"] for p, q in bids[:depth]],
            [[str(p), str(q), "0", "1"] for p, q in asks[:depth]],
        )

    def _checksum(self, inst: Instrument) -> int:
        if not self.checksums:
            return 0
        bids, asks = self._book_levels(inst, 25)
        value = checksum([(b[0], b[1]) for b in bids], [(a[0], a[1]) for a in asks])
        return value or 1  # 0 means "no checksum" on OKX

    def book_snapshot(self, inst: Instrument, channel: str = "books") -> dict[str, Any]:
        """The ``books`` snapshot push of an instrument now."""
        depth = {"books": 400, "books5": 5, "bbo-tbt": 1}.get(channel, 400)
        bids, asks = self._book_levels(inst, depth)
        data: dict[str, Any] = {"asks": asks, "bids": bids, "ts": str(self.now_ms())}
        msg: dict[str, Any] = {"arg": {"channel": channel, "instId": inst.raw_symbol}}
        if channel == "books":
            msg["action"] = "snapshot"
            data.update(
                checksum=self._checksum(inst), prevSeqId=-1, seqId=self.seq_ids[inst.raw_symbol]
            )
        else:
            data["seqId"] = self.seq_ids[inst.raw_symbol]
            if channel == "books5":
                data["instId"] = inst.raw_symbol
        msg["data"] = [data]
        return msg

    def on_book(
        self, market: FakeMarket, iid: InstrumentId, changes: list[tuple[int, Price, Quantity]]
    ) -> None:
        inst = market.instruments[iid]
        inst_id = inst.raw_symbol
        prev = self.seq_ids[inst_id]
        seq = prev + 1
        self.seq_ids[inst_id] = seq
        self.flush_accounts()
        if not self.faults.take_skip(inst_id):
            conns = self._subscribers("books", inst_id)
            if conns:
                check = self._checksum(inst)
                bad = self._checksum_faults.get(inst_id, 0)
                if bad and check:
                    self._checksum_faults[inst_id] = bad - 1
                    self.faults.applied["checksum"] = self.faults.applied.get("checksum", 0) + 1
                    check = check + 1 if check != -1 else 5
                data = {
                    "asks": [
                        [str(p), str(q), "0", "1" if q else "0"] for s, p, q in changes if s == 2
                    ],
                    "bids": [
                        [str(p), str(q), "0", "1" if q else "0"] for s, p, q in changes if s == 1
                    ],
                    "ts": str(self.now_ms()),
                    "checksum": check,
                    "prevSeqId": prev,
                    "seqId": seq,
                }
                self._send(
                    conns,
                    {
                        "arg": {"channel": "books", "instId": inst_id},
                        "action": "update",
                        "data": [data],
                    },
                )
        for channel in ("books5",):
            conns = self._subscribers(channel, inst_id)
            if conns:
                self._send(conns, self.book_snapshot(inst, channel))
        self._publish_top(inst)

    def _publish_top(self, inst: Instrument, force: Iterable[FakeConnection] | None = None) -> None:
        inst_id = inst.raw_symbol
        bids, asks = self._book_levels(inst, 1)
        top = (tuple(bids[0][:2]) if bids else None, tuple(asks[0][:2]) if asks else None)
        if force is None:
            if self._last_top.get(inst_id) == top:
                return
            self._last_top[inst_id] = top
        now = str(self.now_ms())
        bbo = {
            "arg": {"channel": "bbo-tbt", "instId": inst_id},
            "data": [{"asks": asks, "bids": bids, "ts": now, "seqId": self.seq_ids[inst_id]}],
        }
        ticker = {
            "arg": {"channel": "tickers", "instId": inst_id},
            "data": [
                {
                    "instType": _inst_type(inst),
                    "instId": inst_id,
                    "last": "",
                    "lastSz": "",
                    "askPx": asks[0][0] if asks else "",
                    "askSz": asks[0][1] if asks else "",
                    "bidPx": bids[0][0] if bids else "",
                    "bidSz": bids[0][1] if bids else "",
                    "ts": now,
                }
            ],
        }
        for channel, msg in (("bbo-tbt", bbo), ("tickers", ticker)):
            conns = self._subscribers(channel, inst_id)
            if force is not None:
                conns = [c for c in conns if c in force]
            if conns:
                self._send(conns, msg)

    def publish_trade(
        self, inst: Instrument, tid: str, px: Decimal, qty: Decimal, side: OrderSide, ts_ms: int
    ) -> None:
        """Publish one public trade on ``trades`` (``side`` is the taker's)."""
        inst_id = inst.raw_symbol
        conns = self._subscribers("trades", inst_id)
        if not conns:
            return
        self._send(
            conns,
            {
                "arg": {"channel": "trades", "instId": inst_id},
                "data": [
                    {
                        "instId": inst_id,
                        "tradeId": tid,
                        "px": str(inst.make_price(px)),
                        "sz": str(inst.make_qty(qty)),
                        "side": "buy" if side is OrderSide.BUY else "sell",
                        "ts": str(ts_ms),
                        "count": "1",
                    }
                ],
            },
        )

    def _private(
        self, account: FakeOkxAccount, channel: str, inst_type: str, inst_id: str
    ) -> list[FakeConnection]:
        out = []
        for conn in self.connections:
            if conn.closed or conn.account is not account:
                continue
            for sub in conn.meta.get("private", ()):
                ch, kind, iid = sub
                if ch == channel and kind in (inst_type, "ANY") and iid in ("", inst_id):
                    out.append(conn)
                    break
        return out

    def order_json(self, rec: FakeOkxOrder, **extra: Any) -> dict[str, Any]:
        """OKX's JSON of a regular order (``extra`` adds the fill and amend fields)."""
        avg = rec.notional / rec.acc_fill_sz if rec.acc_fill_sz else Decimal(0)
        algo = rec.algo
        out = {
            "instType": rec.inst_type,
            "instId": rec.inst_id,
            "ordId": rec.ord_id,
            "clOrdId": rec.cl_ord_id,
            "tag": "",
            "px": _s(rec.px) if rec.px is not None else "",
            "sz": _s(rec.sz),
            "ordType": rec.ord_type,
            "side": rec.side,
            "posSide": "net" if rec.inst_type != "SPOT" else "",
            "tdMode": rec.td_mode,
            "tgtCcy": rec.tgt_ccy,
            "state": rec.state,
            "accFillSz": _s(rec.acc_fill_sz),
            "avgPx": _s(avg) if rec.acc_fill_sz else "",
            "fillPx": "",
            "fillSz": "",
            "fillTime": "",
            "fillFee": "",
            "fillFeeCcy": "",
            "tradeId": "",
            "execType": "",
            "fee": _s(rec.fee),
            "feeCcy": rec.fee_ccy,
            "rebate": "0",
            "pnl": "0",
            "reduceOnly": "true" if rec.reduce_only else "false",
            "cancelSource": rec.cancel_source,
            "amendResult": "",
            "reqId": "",
            "algoId": algo.algo_id if algo is not None else "",
            "algoClOrdId": algo.algo_cl_ord_id if algo is not None else "",
            "code": "0",
            "msg": "",
            "cTime": str(rec.c_time),
            "uTime": str(rec.u_time),
        }
        out.update(extra)
        return out

    def push_order(self, rec: FakeOkxOrder, **extra: Any) -> None:
        """Push an ``orders`` update of ``rec`` to its account's subscribed connections."""
        conns = self._private(rec.account, "orders", rec.inst_type, rec.inst_id)
        if not conns:
            return
        arg = {"channel": "orders", "instType": "ANY", "uid": rec.account.uid}
        self._send(conns, {"arg": arg, "data": [self.order_json(rec, **extra)]})

    def algo_json(self, algo: FakeOkxAlgo) -> dict[str, Any]:
        """OKX's JSON of an algo order."""
        b = algo.body
        child = algo.child
        return {
            "instType": algo.inst_type,
            "instId": algo.inst_id,
            "algoId": algo.algo_id,
            "algoClOrdId": algo.algo_cl_ord_id,
            "clOrdId": "",
            "ordId": child.ord_id if child is not None else "",
            "ordIdList": [child.ord_id] if child is not None else [],
            "state": algo.state,
            "side": algo.side,
            "ordType": algo.ord_type,
            "sz": _s(algo.sz),
            "tdMode": str(b.get("tdMode", "")),
            "posSide": "net" if algo.inst_type != "SPOT" else "",
            "reduceOnly": "true" if _flag(b.get("reduceOnly")) else "false",
            "triggerPx": str(b.get("triggerPx", "")),
            "triggerPxType": str(b.get("triggerPxType", "")),
            "orderPx": str(b.get("orderPx", "")),
            "ordPx": str(b.get("orderPx", "")),
            "tpTriggerPx": str(b.get("tpTriggerPx", "")),
            "tpTriggerPxType": str(b.get("tpTriggerPxType", "")),
            "tpOrdPx": str(b.get("tpOrdPx", "")),
            "slTriggerPx": str(b.get("slTriggerPx", "")),
            "slTriggerPxType": str(b.get("slTriggerPxType", "")),
            "slOrdPx": str(b.get("slOrdPx", "")),
            "callbackRatio": str(b.get("callbackRatio", "")),
            "callbackSpread": str(b.get("callbackSpread", "")),
            "activePx": str(b.get("activePx", "")),
            "actualSide": algo.actual_side,
            "actualSz": _s(child.sz) if child is not None else "",
            "actualPx": _s(child.px) if child is not None and child.px is not None else "",
            "triggerTime": str(algo.trigger_time) if algo.trigger_time else "",
            "failCode": algo.fail_code,
            "cTime": str(algo.c_time),
            "uTime": str(algo.u_time),
        }

    def push_algo(self, algo: FakeOkxAlgo) -> None:
        """Push an ``orders-algo`` update to the account's subscribed connections."""
        conns = self._private(algo.account, "orders-algo", algo.inst_type, algo.inst_id)
        if not conns:
            return
        arg = {"channel": "orders-algo", "instType": "ANY", "uid": algo.account.uid}
        self._send(conns, {"arg": arg, "data": [self.algo_json(algo)]})

    def flush_accounts(self) -> None:
        """Balance pushes are not modelled (OKX's ``account`` channel): reconcile reads the
        balances; this only clears the changed-account set."""
        self.dirty.clear()

    # -- fills and algo events -----------------------------------------------------------------
    def on_fill(self, rec: FakeOkxOrder, event: OrderFilled, tid: str) -> None:
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        rec.acc_fill_sz += qty
        rec.notional += qty * px
        fee = event.commission
        rec.fee -= fee.as_decimal()
        rec.fee_ccy = fee.currency.code
        rec.state = "filled" if rec.acc_fill_sz >= rec.sz else "partially_filled"
        now = event.ts_event // _MS
        rec.u_time = now
        rec.acked = True
        maker = event.liquidity_side is LiquiditySide.MAKER
        fill = {
            "instType": rec.inst_type,
            "instId": rec.inst_id,
            "tradeId": tid,
            "ordId": rec.ord_id,
            "clOrdId": rec.cl_ord_id,
            "billId": str(len(rec.account.fills) + 1),
            "tag": "",
            "fillPx": _s(px),
            "fillSz": _s(qty),
            "side": rec.side,
            "posSide": "net" if rec.inst_type != "SPOT" else "",
            "execType": "M" if maker else "T",
            "feeCcy": fee.currency.code,
            "fee": _s(-fee.as_decimal()),
            "ts": str(now),
            "fillTime": str(now),
        }
        rec.account.fills.append(fill)
        if rec.inst_type != "SPOT":
            delta = qty if rec.side == "buy" else -qty
            held, entry = rec.account.positions.get(rec.inst_id, (Decimal(0), Decimal(0)))
            new = held + delta
            if held == 0 or (held > 0) == (delta > 0):
                entry = (abs(held) * entry + abs(delta) * px) / abs(new) if new else Decimal(0)
            elif new == 0:
                entry = Decimal(0)
            elif (new > 0) != (held > 0):
                entry = px
            rec.account.positions[rec.inst_id] = (new, entry)
        self.push_order(
            rec,
            fillPx=_s(px),
            fillSz=_s(qty),
            fillTime=str(now),
            fillFee=_s(-fee.as_decimal()),
            fillFeeCcy=fee.currency.code,
            tradeId=tid,
            execType="M" if maker else "T",
        )
        self.dirty.add(rec.account)

    def on_algo_event(self, algo: FakeOkxAlgo, leg: str, event: OrderEvent, now: int) -> None:
        """An event of an algo order's simulated order, before it triggered."""
        if isinstance(event, (OrderRejected, OrderDenied)):
            if algo.state in _ALGO_OPEN:
                algo.state = "order_failed"
                algo.fail_code = "51000"
                algo.rejection = event.reason
                algo.u_time = now
                if not algo.in_request:
                    self.push_algo(algo)
            return
        if isinstance(event, OrderAccepted):
            if not algo.legs or leg != next(iter(algo.legs)):
                return  # one push for the algo, not one per leg
            algo.u_time = now
            if not algo.in_request:
                self.push_algo(algo)
            else:
                algo.body["_acked"] = True
            return
        if isinstance(event, OrderUpdated):
            algo.u_time = now
            if event.trigger_price is not None:
                algo.body["triggerPx"] = str(event.trigger_price)
            if event.price is not None:
                algo.body["orderPx"] = str(event.price)
            if event.quantity is not None:
                algo.sz = event.quantity.as_decimal()
            self.push_algo(algo)
            return
        if isinstance(event, OrderTriggered):
            self._algo_triggered(algo, leg, now)
            return
        if (
            isinstance(event, (OrderCanceled, OrderExpired))
            and algo.state in _ALGO_OPEN
            and not algo.body.get("_sibling_cancel")
        ):
            algo.state = "canceled"
            algo.u_time = now
            self.push_algo(algo)

    def _algo_triggered(self, algo: FakeOkxAlgo, leg: str, now: int) -> None:
        """The trigger fired: the algo becomes ``effective`` and its simulated order goes on
        as a regular OKX order (a new ``ordId``) whose fills arrive on ``orders``."""
        order = algo.legs[leg]
        market = self._market_of(algo.inst)
        for other_leg, other in algo.legs.items():
            if other_leg != leg and not other.is_closed:
                algo.body["_sibling_cancel"] = True
                algo.account.venues[algo.inst_type].cancel_order(other)
        algo.state = "effective"
        algo.actual_side = leg if algo.ord_type == "oco" else ""
        algo.trigger_time = now
        algo.u_time = now
        px = order.price.as_decimal() if order.price is not None else None
        child = FakeOkxOrder(
            str(next(self._ord_ids)),
            "",
            algo.account,
            algo.inst,
            algo.side,
            "limit" if px is not None else "market",
            str(algo.body.get("tdMode", "cash")),
            algo.sz,
            px,
            now,
        )
        child.algo = algo
        child.order = order
        child.acked = True
        child.reduce_only = _flag(algo.body.get("reduceOnly"))
        algo.child = child
        algo.account.orders[child.ord_id] = child
        market.by_internal[order.client_order_id] = (child, algo, leg)
        self.push_algo(algo)
        self.push_order(child)

    # -- REST ---------------------------------------------------------------------------------
    def add_routes(self, app: Any) -> None:
        routes: list[tuple[str, str, bool, Any]] = [
            ("GET", "/api/v5/public/time", False, self._time),
            ("GET", "/api/v5/public/instruments", False, self._instruments),
            ("GET", "/api/v5/market/books", False, self._books),
            ("POST", "/api/v5/trade/order", True, self._place),
            ("POST", "/api/v5/trade/cancel-order", True, self._cancel),
            ("POST", "/api/v5/trade/amend-order", True, self._amend),
            ("POST", "/api/v5/trade/order-algo", True, self._place_algo),
            ("POST", "/api/v5/trade/cancel-algos", True, self._cancel_algos),
            ("POST", "/api/v5/trade/amend-algos", True, self._amend_algo),
            ("GET", "/api/v5/trade/order", True, self._get_order),
            ("GET", "/api/v5/trade/orders-pending", True, self._pending),
            ("GET", "/api/v5/trade/orders-history", True, self._history),
            ("GET", "/api/v5/trade/fills", True, self._fills),
            ("GET", "/api/v5/trade/orders-algo-pending", True, self._algo_pending),
            ("GET", "/api/v5/trade/orders-algo-history", True, self._algo_history),
            ("GET", "/api/v5/account/balance", True, self._balance),
            ("GET", "/api/v5/account/positions", True, self._positions),
        ]
        for method, path, private, fn in routes:
            app.router.add_route(method, path, self._endpoint(private, fn))
        app.router.add_route("*", "/{tail:.*}", self._not_found)

    def _json(self, payload: Any, status: int = 200) -> Any:
        from aiohttp import web

        return web.Response(
            status=status,
            text=json.dumps(payload, separators=(",", ":")),
            content_type="application/json",
        )

    async def _not_found(self, request: Any) -> Any:
        return self._json({"code": "50000", "msg": "Endpoint request timeout or not found"}, 404)

    def _endpoint(self, private: bool, fn: Any) -> Any:
        async def handler(request: Any) -> Any:
            raw_body = (await request.read()).decode() if request.can_read_body else ""
            query = dict(request.query)
            rejection = self.faults.take_rejection(request.method, request.path)
            if rejection is not None:
                return self._error_answer(
                    request.path, str(rejection.code), rejection.message, rejection.status
                )
            try:
                account = None
                if private:
                    account = self._authenticate(request, raw_body)
                body: Any = json.loads(raw_body) if raw_body else {}
                data = fn(account, query, body)
            except _Reply as reply:
                return self._error_answer(request.path, reply.code, reply.msg, reply.status)
            except (ValueError, TypeError, AttributeError):
                return self._json({"code": "50002", "msg": "Json data format error", "data": []})
            if isinstance(data, tuple):  # (envelope code, msg, data) of a failed order request
                code, msg, items = data
                return self._json({"code": code, "msg": msg, "data": items})
            return self._json({"code": "0", "msg": "", "data": data})

        return handler

    def _error_answer(self, path: str, code: str, msg: str, status: int) -> Any:
        if path in (
            "/api/v5/trade/order",
            "/api/v5/trade/cancel-order",
            "/api/v5/trade/amend-order",
            "/api/v5/trade/order-algo",
            "/api/v5/trade/cancel-algos",
            "/api/v5/trade/amend-algos",
        ) and not code.startswith("501"):
            item = {"sCode": code, "sMsg": msg, "ordId": "", "clOrdId": "", "ts": ""}
            return self._json({"code": "1", "msg": "All operations failed", "data": [item]}, status)
        return self._json({"code": code, "msg": msg, "data": []}, status)

    def _authenticate(self, request: Any, raw_body: str) -> FakeOkxAccount:
        headers = request.headers
        key = headers.get(OKX_ACCESS_KEY)
        passphrase = headers.get(OKX_ACCESS_PASSPHRASE)
        signature = headers.get(OKX_ACCESS_SIGN)
        timestamp = headers.get(OKX_ACCESS_TIMESTAMP)
        if not key:
            raise _Reply("50103", "Request header OK-ACCESS-KEY cannot be empty.", 401)
        if not passphrase:
            raise _Reply("50104", "Request header OK-ACCESS-PASSPHRASE cannot be empty.", 401)
        if not signature:
            raise _Reply("50106", "Request header OK-ACCESS-SIGN cannot be empty.", 401)
        if not timestamp:
            raise _Reply("50107", "Request header OK-ACCESS-TIMESTAMP cannot be empty.", 401)
        account = self.accounts.get(key)
        if account is None:
            raise _Reply("50111", "Invalid OK-ACCESS-KEY.", 401)
        if not account.passphrase_ok(passphrase):
            raise _Reply("50105", "Request header OK-ACCESS-PASSPHRASE incorrect.", 401)
        ts_ms = _iso_ms(timestamp)
        if ts_ms is None:
            raise _Reply("50112", "Invalid OK-ACCESS-TIMESTAMP.", 401)
        if abs(self.now_ms() - ts_ms) > _SKEW_MS:
            raise _Reply("50102", "Timestamp request expired.", 401)
        path = request.raw_path  # the query string is part of what GETs sign
        if not account.verify(signature, timestamp, request.method, path, raw_body):
            raise _Reply("50113", "Invalid Sign.", 401)
        return account

    # -- public endpoints --------------------------------------------------------------------
    def _time(self, a: Any, q: dict[str, str], b: Any) -> Any:
        return [{"ts": str(self.now_ms())}]

    def _instruments(self, a: Any, q: dict[str, str], b: Any) -> Any:
        kind = q.get("instType")
        if not kind:
            raise _Reply("50014", "Parameter instType can not be empty")
        out = []
        for inst in self.instruments.values():
            if _inst_type(inst) != kind or (q.get("instId") and q["instId"] != inst.raw_symbol):
                continue
            base = inst.base_currency.code if inst.base_currency is not None else ""
            quote = inst.quote_currency.code
            row = {
                "instType": kind,
                "instId": inst.raw_symbol,
                "uly": "",
                "instFamily": "",
                "baseCcy": base if kind == "SPOT" else "",
                "quoteCcy": quote if kind == "SPOT" else "",
                "settleCcy": "" if kind == "SPOT" else inst.settlement_currency.code,
                "ctVal": "",
                "ctMult": "",
                "ctValCcy": "",
                "ctType": "",
                "tickSz": str(inst.price_increment),
                "lotSz": str(inst.size_increment),
                "minSz": str(inst.min_quantity or inst.size_increment),
                "maxLmtSz": str(inst.max_quantity or ""),
                "maxMktSz": str(inst.max_quantity or ""),
                "lever": "" if kind == "SPOT" else "100",
                "listTime": "1606468572000",
                "expTime": "",
                "state": "live",
            }
            if kind == "SWAP":
                row.update(
                    uly=f"{base}-{quote}",
                    instFamily=f"{base}-{quote}",
                    ctVal=str(inst.multiplier),
                    ctMult="1",
                    ctValCcy=base,
                    ctType="linear",
                )
            out.append(row)
        return out

    def _books(self, a: Any, q: dict[str, str], b: Any) -> Any:
        inst = self.instrument(q.get("instId"))
        depth = int(q.get("sz", "1") or "1")
        bids, asks = self._book_levels(inst, depth)
        return [{"asks": asks, "bids": bids, "ts": str(self.now_ms())}]

    # -- orders ------------------------------------------------------------------------------
    def _build(self, account: FakeOkxAccount, body: Mapping[str, Any]) -> FakeOkxOrder:
        """Validate one order request as OKX does and make its record (not yet sent)."""
        inst = self.instrument(body.get("instId"))
        kind = _inst_type(inst)
        side = body.get("side")
        if side not in _SIDES:
            raise _Reply("51000", "Parameter side error")
        ord_type = body.get("ordType")
        if ord_type not in _ORD_TYPES:
            raise _Reply("51000", "Parameter ordType error")
        td_mode = body.get("tdMode")
        if td_mode not in (("cash",) if kind == "SPOT" else ("cross", "isolated")):
            raise _Reply("51000", "Parameter tdMode error")
        cid = str(body.get("clOrdId") or "")
        if cid and (len(cid) > 32 or not cid.isalnum() or not cid.isascii()):
            raise _Reply("51000", "Parameter clOrdId error")
        if cid and any(o.cl_ord_id == cid for o in account.open_orders()):
            raise _Reply("51016", "Duplicated clOrdId")
        sz = _dec(body.get("sz", ""), "sz")
        step = inst.size_increment.as_decimal()
        if sz <= 0 or sz % step:
            raise _Reply("51000", "Parameter sz error")
        if inst.min_quantity is not None and sz < inst.min_quantity.as_decimal():
            raise _Reply("51020", "Your order should meet or exceed the minimum order amount.")
        px: Decimal | None = None
        if ord_type != "market" and ord_type != "optimal_limit_ioc":
            if "px" not in body or body["px"] in ("", None):
                raise _Reply("51000", "Parameter px error")
            px = _dec(body["px"], "px")
            if px <= 0 or px % inst.price_increment.as_decimal():
                raise _Reply("51000", "Parameter px error")
        elif body.get("px"):
            raise _Reply("51000", "Parameter px error")
        tgt = str(body.get("tgtCcy") or "")
        if ord_type == "market" and kind == "SPOT" and not tgt:
            tgt = "quote_ccy" if side == "buy" else "base_ccy"
        if tgt == "quote_ccy":
            raise _Reply("51000", "Parameter tgtCcy error (this fake takes base_ccy sizes only)")
        reduce = _flag(body.get("reduceOnly"))
        if reduce and kind == "SPOT":
            raise _Reply("51000", "Parameter reduceOnly error")
        if reduce:
            held = account.positions.get(inst.raw_symbol, (Decimal(0), Decimal(0)))[0]
            closing = held > 0 if side == "sell" else held < 0
            if not closing or sz > abs(held):
                raise _Reply(
                    "51169",
                    "Order failed because you don't have any positions in this direction for "
                    "this contract to reduce or close.",
                )
        rec = FakeOkxOrder(
            str(next(self._ord_ids)),
            cid,
            account,
            inst,
            str(side),
            str(ord_type),
            str(td_mode),
            sz,
            px,
            self.now_ms(),
        )
        rec.tgt_ccy = tgt
        rec.reduce_only = reduce
        rec.order = self._lyra_order(rec)
        return rec

    def _lyra_order(self, rec: FakeOkxOrder) -> Order:
        inst = rec.inst
        market = self._market_of(inst).market
        f = market.factory
        side = _SIDES[rec.side]
        qty = inst.make_qty(rec.sz, check_bounds=False)
        cid = market.new_client_order_id("C")
        t = rec.ord_type
        if t in ("market", "optimal_limit_ioc"):
            return f.market(
                inst.id,
                side,
                qty,
                time_in_force=TimeInForce.IOC if t == "optimal_limit_ioc" else TimeInForce.GTC,
                reduce_only=rec.reduce_only,
                client_order_id=cid,
            )
        assert rec.px is not None
        tif = {"ioc": TimeInForce.IOC, "fok": TimeInForce.FOK}.get(t, TimeInForce.GTC)
        return f.limit(
            inst.id,
            side,
            qty,
            inst.make_price(rec.px, check_bounds=False),
            time_in_force=tif,
            post_only=t == "post_only",
            reduce_only=rec.reduce_only,
            client_order_id=cid,
        )

    def _ack(self, rec: FakeOkxOrder) -> dict[str, Any]:
        return {
            "ordId": rec.ord_id,
            "clOrdId": rec.cl_ord_id,
            "tag": "",
            "ts": str(self.now_ms()),
            "sCode": "0",
            "sMsg": "Order placed",
        }

    def _place(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        if not isinstance(body, dict):
            raise _Reply("50002", "Json data format error")
        rec = self._build(account, body)
        assert rec.order is not None
        order = rec.order
        m = self._market_of(rec.inst)
        account.orders[rec.ord_id] = rec
        m.by_internal[order.client_order_id] = (rec, None, "")
        rec.in_request = True
        try:
            account.venues[rec.inst_type].submit_order(order)
            m.market.settle()
        finally:
            rec.in_request = False
        if rec.rejection_code:
            del account.orders[rec.ord_id]
            code, msg = _rejection(rec.rejection_code, rec.rejection, rec.inst)
            return ("1", "All operations failed", [{**self._ack(rec), "sCode": code, "sMsg": msg}])
        return [self._ack(rec)]

    def _find(self, account: FakeOkxAccount, body: Mapping[str, Any]) -> FakeOkxOrder | None:
        self.instrument(body.get("instId"))
        oid = str(body.get("ordId") or "")
        cid = str(body.get("clOrdId") or "")
        if not oid and not cid:
            raise _Reply("51000", "Parameter ordId or clOrdId error")
        rec = account.find(oid or None, cid or None)
        if rec is not None and rec.inst_id != body.get("instId"):
            return None
        return rec

    def _cancel(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        rec = self._find(account, body)
        if rec is None or not rec.is_open or rec.order is None:
            raise _Reply(
                "51400",
                "Order cancellation failed as the order has been filled, canceled or does not "
                "exist.",
            )
        rec.cancel_requested = True
        account.venues[rec.inst_type].cancel_order(rec.order)
        self._market_of(rec.inst).market.settle()
        return [{**self._ack(rec), "sMsg": ""}]

    def _amend(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        rec = self._find(account, body)
        if rec is None or not rec.is_open or rec.order is None:
            raise _Reply(
                "51503",
                "Order modification failed as the order has been filled, canceled or does not "
                "exist.",
            )
        new_sz = body.get("newSz")
        new_px = body.get("newPx")
        if not new_sz and not new_px:
            raise _Reply("51000", "Parameter newSz or newPx error")
        inst = rec.inst
        qty: Any = UNSET
        price: Any = UNSET
        if new_sz:
            d = _dec(new_sz, "newSz")
            if d <= 0 or d % inst.size_increment.as_decimal():
                raise _Reply("51000", "Parameter newSz error")
            if d <= rec.acc_fill_sz:
                raise _Reply("51512", "Failed to amend: the new size is not above the filled size")
            qty = inst.make_qty(d, check_bounds=False)
        if new_px:
            d = _dec(new_px, "newPx")
            if d <= 0 or d % inst.price_increment.as_decimal():
                raise _Reply("51000", "Parameter newPx error")
            price = inst.make_price(d, check_bounds=False)
        req_id = str(body.get("reqId") or "")
        self.amend_req_ids[rec.ord_id] = req_id
        rec.rejection = ""
        account.venues[rec.inst_type].modify_order(rec.order, qty, price)
        self._market_of(inst).market.settle()
        if rec.rejection:
            self.amend_req_ids.pop(rec.ord_id, None)
            raise _Reply("51000", f"Amend failed: {rec.rejection}")
        return [{**self._ack(rec), "reqId": req_id, "sMsg": ""}]

    def _get_order(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        rec = self._find(account, q)
        if rec is None:
            raise _Reply("51603", "Order does not exist")
        return [self.order_json(rec)]

    def _orders(
        self, account: FakeOkxAccount, q: dict[str, str], *, open_: bool
    ) -> list[dict[str, Any]]:
        kind = q.get("instType", "")
        inst_id = q.get("instId", "")
        begin = int(q.get("begin", "0") or "0")
        out = []
        for rec in reversed(list(account.orders.values())):  # newest first, as OKX
            if rec.is_open != open_ or (kind and rec.inst_type != kind):
                continue
            if inst_id and rec.inst_id != inst_id:
                continue
            if not open_ and rec.u_time < begin:
                continue
            if rec.state == "live" and not rec.acked:
                continue
            out.append(self.order_json(rec))
        return out[: int(q.get("limit", "100") or "100")]

    def _pending(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        return self._orders(account, q, open_=True)

    def _history(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        if not q.get("instType"):
            raise _Reply("50014", "Parameter instType can not be empty")
        return self._orders(account, q, open_=False)

    def _fills(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        kind = q.get("instType", "")
        begin = int(q.get("begin", "0") or "0")
        out = [
            f
            for f in reversed(account.fills)
            if (not kind or f["instType"] == kind)
            and (not q.get("instId") or f["instId"] == q["instId"])
            and (not q.get("ordId") or f["ordId"] == q["ordId"])
            and int(f["ts"]) >= begin
        ]
        return out[: int(q.get("limit", "100") or "100")]

    def _balance(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        now = str(self.now_ms())
        totals: dict[str, list[Decimal]] = {}
        for venue in account.venues.values():
            for cur, bal in venue.account.balances().items():
                row = totals.setdefault(cur.code, [Decimal(0), Decimal(0)])
                row[0] += bal.free.as_decimal()
                row[1] += bal.locked.as_decimal()
        wanted = set(filter(None, q.get("ccy", "").split(",")))
        details = [
            {
                "ccy": ccy,
                "eq": _s(free + locked),
                "cashBal": _s(free + locked),
                "availBal": _s(free),
                "frozenBal": _s(locked),
                "availEq": _s(free),
                "uTime": now,
            }
            for ccy, (free, locked) in sorted(totals.items())
            if not wanted or ccy in wanted
        ]
        return [{"totalEq": "0", "uTime": now, "details": details}]

    def _positions(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        now = str(self.now_ms())
        out = []
        for inst_id, (qty, entry) in account.positions.items():
            if q.get("instId") and q["instId"] != inst_id:
                continue
            if qty == 0:
                continue
            out.append(
                {
                    "instType": "SWAP",
                    "instId": inst_id,
                    "pos": _s(qty),
                    "posSide": "net",
                    "posId": f"P{inst_id}",
                    "avgPx": _s(entry),
                    "mgnMode": "cross",
                    "upl": "0",
                    "lever": "10",
                    "uTime": now,
                }
            )
        return out

    # -- algo orders -------------------------------------------------------------------------
    def _place_algo(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        if not isinstance(body, dict):
            raise _Reply("50002", "Json data format error")
        inst = self.instrument(body.get("instId"))
        kind = _inst_type(inst)
        ord_type = body.get("ordType")
        if ord_type not in _ALGO_TYPES:
            raise _Reply("51000", "Parameter ordType error")
        side = body.get("side")
        if side not in _SIDES:
            raise _Reply("51000", "Parameter side error")
        if body.get("tdMode") not in (("cash",) if kind == "SPOT" else ("cross", "isolated")):
            raise _Reply("51000", "Parameter tdMode error")
        cid = str(body.get("algoClOrdId") or "")
        if cid and (len(cid) > 32 or not cid.isalnum()):
            raise _Reply("51000", "Parameter algoClOrdId error")
        if cid and any(a.algo_cl_ord_id == cid and a.is_open for a in account.algos.values()):
            raise _Reply("51065", "algoClOrdId already exists.")
        sz = _dec(body.get("sz", ""), "sz")
        if sz <= 0 or sz % inst.size_increment.as_decimal():
            raise _Reply("51000", "Parameter sz error")
        reduce = _flag(body.get("reduceOnly"))
        if reduce and kind == "SPOT":
            raise _Reply("51000", "Parameter reduceOnly error")
        algo = FakeOkxAlgo(str(next(self._algo_ids)), cid, account, inst, body, self.now_ms())
        m = self._market_of(inst)
        f = m.market.factory
        oside = _SIDES[str(side)]
        qty = inst.make_qty(sz, check_bounds=False)

        def px(name: str) -> Price | None:
            text = str(body.get(name) or "")
            if text in ("", "-1"):
                return None
            d = _dec(text, name)
            if d <= 0 or d % inst.price_increment.as_decimal():
                raise _Reply("51000", f"Parameter {name} error")
            return inst.make_price(d, check_bounds=False)

        def trig(name: str) -> TriggerType:
            return {"index": TriggerType.INDEX_PRICE, "mark": TriggerType.MARK_PRICE}.get(
                str(body.get(name) or "last"), TriggerType.LAST_PRICE
            )

        def leg(
            trigger: Price | None, limit: Price | None, take_profit: bool, tt: TriggerType
        ) -> Order:
            if trigger is None:
                raise _Reply("51000", "Parameter triggerPx error")
            c = m.market.new_client_order_id("A")
            if take_profit:
                if limit is None:
                    return f.market_if_touched(
                        inst.id,
                        oside,
                        qty,
                        trigger,
                        trigger_type=tt,
                        reduce_only=reduce,
                        client_order_id=c,
                    )
                return f.limit_if_touched(
                    inst.id,
                    oside,
                    qty,
                    limit,
                    trigger,
                    trigger_type=tt,
                    reduce_only=reduce,
                    client_order_id=c,
                )
            if limit is None:
                return f.stop_market(
                    inst.id,
                    oside,
                    qty,
                    trigger,
                    trigger_type=tt,
                    reduce_only=reduce,
                    client_order_id=c,
                )
            return f.stop_limit(
                inst.id,
                oside,
                qty,
                limit,
                trigger,
                trigger_type=tt,
                reduce_only=reduce,
                client_order_id=c,
            )

        if ord_type == "trigger":
            trigger = px("triggerPx")
            last = self._last_price(inst)
            # a trigger above the market fires on a rise (stop buy / take-profit sell)
            above = trigger is not None and last is not None and trigger.as_decimal() > last
            take_profit = above == (oside is OrderSide.SELL)
            algo.legs["trigger"] = leg(trigger, px("orderPx"), take_profit, trig("triggerPxType"))
        elif ord_type == "oco":
            algo.legs["tp"] = leg(px("tpTriggerPx"), px("tpOrdPx"), True, trig("tpTriggerPxType"))
            algo.legs["sl"] = leg(px("slTriggerPx"), px("slOrdPx"), False, trig("slTriggerPxType"))
        else:  # move_order_stop
            ratio = str(body.get("callbackRatio") or "")
            spread = str(body.get("callbackSpread") or "")
            if bool(ratio) == bool(spread):
                raise _Reply("51000", "Parameter callbackRatio or callbackSpread error")
            if ratio:
                offset = _dec(ratio, "callbackRatio") * 10_000
                unit = TrailingOffsetType.BASIS_POINTS
            else:
                offset = _dec(spread, "callbackSpread")
                unit = TrailingOffsetType.PRICE
            algo.legs["trail"] = f.trailing_stop_market(
                inst.id,
                oside,
                qty,
                trailing_offset=offset,
                trailing_offset_type=unit,
                activation_price=px("activePx"),
                reduce_only=reduce,
                client_order_id=m.market.new_client_order_id("A"),
            )
        account.algos[algo.algo_id] = algo
        for name, order in algo.legs.items():
            m.by_internal[order.client_order_id] = (None, algo, name)
        algo.in_request = True
        try:
            for order in algo.legs.values():
                account.venues[kind].submit_order(order)
            m.market.settle()
        finally:
            algo.in_request = False
        if algo.state == "order_failed":
            del account.algos[algo.algo_id]
            for order in algo.legs.values():
                if not order.is_closed:
                    account.venues[kind].cancel_order(order)
            m.market.settle()
            return (
                "1",
                "All operations failed",
                [{"algoId": "", "algoClOrdId": cid, "sCode": "51277", "sMsg": algo.rejection}],
            )
        if algo.body.pop("_acked", False):
            self.push_algo(algo)
        return [
            {"algoId": algo.algo_id, "algoClOrdId": cid, "clOrdId": "", "sCode": "0", "sMsg": ""}
        ]

    def _last_price(self, inst: Instrument) -> Decimal | None:
        bids, asks = self._market_of(inst).market.displayed(inst.id)
        if bids and asks:
            return (bids[0][0].as_decimal() + asks[0][0].as_decimal()) / 2
        return None

    def _cancel_algos(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        if not isinstance(body, list) or not body or len(body) > 10:
            raise _Reply("51000", "Parameter algoId error")
        out = []
        for entry in body:
            self.instrument(entry.get("instId"))
            algo = account.find_algo(entry.get("algoId"), entry.get("algoClOrdId"))
            if algo is None or not algo.is_open:
                raise _Reply(
                    "51400",
                    "Cancellation failed as the order has been filled, canceled or does not exist.",
                )
            algo.state = "canceled"
            algo.u_time = self.now_ms()
            algo.body["_sibling_cancel"] = True
            for order in algo.legs.values():
                if not order.is_closed:
                    account.venues[algo.inst_type].cancel_order(order)
            self._market_of(algo.inst).market.settle()
            self.push_algo(algo)
            out.append(
                {
                    "algoId": algo.algo_id,
                    "algoClOrdId": algo.algo_cl_ord_id,
                    "sCode": "0",
                    "sMsg": "",
                }
            )
        return out

    def _amend_algo(self, account: FakeOkxAccount, q: dict[str, str], body: Any) -> Any:
        if not isinstance(body, dict):
            raise _Reply("50002", "Json data format error")
        self.instrument(body.get("instId"))
        algo = account.find_algo(body.get("algoId"), body.get("algoClOrdId"))
        if algo is None or not algo.is_open or algo.ord_type != "trigger":
            raise _Reply("51503", "Order modification failed: the algo order does not exist.")
        inst = algo.inst
        order = algo.legs["trigger"]
        kwargs: dict[str, Any] = {}
        if body.get("newSz"):
            kwargs["quantity"] = inst.make_qty(_dec(body["newSz"], "newSz"), check_bounds=False)
        if body.get("newTriggerPx"):
            kwargs["trigger_price"] = inst.make_price(
                _dec(body["newTriggerPx"], "newTriggerPx"), check_bounds=False
            )
        if body.get("newOrdPx") and str(body["newOrdPx"]) != "-1":
            kwargs["price"] = inst.make_price(
                _dec(body["newOrdPx"], "newOrdPx"), check_bounds=False
            )
        if not kwargs:
            raise _Reply("51000", "Parameter newSz or newTriggerPx error")
        account.venues[algo.inst_type].modify_order(order, **kwargs)
        self._market_of(inst).market.settle()
        return [
            {
                "algoId": algo.algo_id,
                "algoClOrdId": algo.algo_cl_ord_id,
                "reqId": str(body.get("reqId") or ""),
                "sCode": "0",
                "sMsg": "",
            }
        ]

    def _algo_list(self, account: FakeOkxAccount, q: dict[str, str], *, open_: bool) -> Any:
        types = set(filter(None, q.get("ordType", "").split(",")))
        if not types and not q.get("algoId"):
            raise _Reply("50014", "Parameter ordType can not be empty")
        states = set(filter(None, q.get("state", "").split(",")))
        out = []
        for algo in reversed(list(account.algos.values())):
            if algo.is_open != open_ or (types and algo.ord_type not in types):
                continue
            if q.get("algoId") and algo.algo_id != q["algoId"]:
                continue
            if states and algo.state not in states:
                continue
            if q.get("instId") and algo.inst_id != q["instId"]:
                continue
            out.append(self.algo_json(algo))
        return out

    def _algo_pending(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        return self._algo_list(account, q, open_=True)

    def _algo_history(self, account: FakeOkxAccount, q: dict[str, str], b: Any) -> Any:
        if not q.get("state") and not q.get("algoId"):
            raise _Reply("50014", "Parameter state can not be empty")
        return self._algo_list(account, q, open_=False)

    # -- websockets ---------------------------------------------------------------------------
    async def serve(self, conn: FakeConnection) -> None:
        path = conn.path.split("?", 1)[0]
        routes = {
            "/ws/v5/public": "public",
            "/ws/v5/private": "private",
            "/ws/v5/business": "business",
        }
        route = routes.get(path)
        if route is None:
            await conn.ws.close(code=1008, reason="unknown path")
            return
        conn.kind = "market" if route == "public" else "user"
        conn.meta["route"] = route
        conn.meta["conn_id"] = f"{next(self._conn_ids):08x}"
        conn.meta["private"] = []
        async for frame in conn.ws:
            if frame == "ping":
                conn.send("pong")
                continue
            self._on_request(conn, route, frame)

    def _event(self, conn: FakeConnection, payload: dict[str, Any]) -> None:
        payload.setdefault("connId", conn.meta["conn_id"])
        conn.send(json.dumps(payload, separators=(",", ":")))

    def _on_request(self, conn: FakeConnection, route: str, frame: Any) -> None:
        try:
            msg = json.loads(frame)
            op = msg["op"]
            args = msg.get("args", [])
            rid = str(msg.get("id", ""))
            if not isinstance(args, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._event(
                conn,
                {"event": "error", "code": "60012", "msg": f"Invalid request: {str(frame)[:60]}"},
            )
            return
        extra = {"id": rid} if rid else {}
        if op == "login":
            arg = args[0] if args and isinstance(args[0], dict) else {}
            account = self.accounts.get(str(arg.get("apiKey", "")))
            try:
                ts = int(str(arg.get("timestamp", "")))
            except ValueError:
                ts = 0
            if route == "public" or account is None or not account.verify_login(arg):
                self._event(
                    conn, {"event": "error", "code": "60009", "msg": "Login failed.", **extra}
                )
                return
            if abs(self.now_ms() // 1000 - ts) > _SKEW_MS // 1000:
                self._event(
                    conn,
                    {
                        "event": "error",
                        "code": "60006",
                        "msg": "Timestamp request expired",
                        **extra,
                    },
                )
                return
            conn.account = account
            self._event(conn, {"event": "login", "code": "0", "msg": "", **extra})
            return
        if op not in ("subscribe", "unsubscribe"):
            self._event(
                conn,
                {
                    "event": "error",
                    "code": "60012",
                    "msg": f"Invalid request: unknown op {op}",
                    **extra,
                },
            )
            return
        for arg in args:
            if not isinstance(arg, dict) or not arg.get("channel"):
                self._event(
                    conn, {"event": "error", "code": "60013", "msg": "Invalid args", **extra}
                )
                continue
            self._channel(conn, route, op, arg, extra)

    def _channel(
        self, conn: FakeConnection, route: str, op: str, arg: dict[str, Any], extra: dict[str, str]
    ) -> None:
        channel = str(arg["channel"])
        if route == "public" and channel in _PUBLIC_CHANNELS:
            inst = self.instruments.get(str(arg.get("instId", "")))
            if inst is None:
                self._event(
                    conn,
                    {
                        "event": "error",
                        "code": "60018",
                        "msg": f"Wrong URL or channel:{channel},instId:{arg.get('instId')} "
                        "doesn't exist.",
                        **extra,
                    },
                )
                return
            key = f"{channel}:{inst.raw_symbol}"
            if op == "unsubscribe":
                conn.subscriptions.discard(key)
                self._event(conn, {"event": "unsubscribe", "arg": arg, **extra})
                return
            conn.subscriptions.add(key)
            self._event(conn, {"event": "subscribe", "arg": arg, **extra})
            if channel in ("books", "books5"):
                conn.send(json.dumps(self.book_snapshot(inst, channel), separators=(",", ":")))
            elif channel in ("bbo-tbt", "tickers"):
                self._publish_top(inst, force=[conn])
            return
        wanted = {"private": "orders", "business": "orders-algo"}.get(route)
        if channel != wanted:
            self._event(
                conn,
                {
                    "event": "error",
                    "code": "60018",
                    "msg": f"Wrong URL or channel:{channel} doesn't exist.",
                    **extra,
                },
            )
            return
        if conn.account is None:
            self._event(conn, {"event": "error", "code": "60011", "msg": "Please log in", **extra})
            return
        sub = (channel, str(arg.get("instType", "ANY")), str(arg.get("instId", "")))
        subs: list[tuple[str, str, str]] = conn.meta["private"]
        if op == "unsubscribe":
            if sub in subs:
                subs.remove(sub)
            self._event(conn, {"event": "unsubscribe", "arg": arg, **extra})
            return
        if sub not in subs:
            subs.append(sub)
        self._event(conn, {"event": "subscribe", "arg": arg, **extra})

    def malformed(self, frame: str) -> str:
        """A frame of the right envelope whose data does not decode (an ``asks`` that is
        not a list), or half a frame."""
        if frame.startswith('{"arg":'):
            try:
                arg = json.loads(frame)["arg"]
            except (ValueError, KeyError):
                return frame[: max(1, len(frame) // 2)]
            return json.dumps(
                {"arg": arg, "action": "update", "data": [{"asks": "broken", "bids": 7}]}
            )
        return frame[: max(1, len(frame) // 2)]


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _iso_ms(text: str) -> int | None:
    from datetime import datetime

    try:
        dt = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return None
    from datetime import UTC

    return int(dt.replace(tzinfo=UTC).timestamp() * 1000)


def _rejection(code: str, reason: str, inst: Instrument) -> tuple[str, str]:
    """OKX's ``sCode``/``sMsg`` for a simulated exchange's rejection."""
    if code == "INSUFFICIENT_BALANCE":
        return "51008", f"Order failed. Insufficient {inst.quote_currency.code} balance in account."
    if "REDUCE" in reason.upper():
        return "51169", "Order failed because you don't have any positions to reduce."
    return "51000", f"Order failed: {reason}"


class OkxHarness:
    """The adapter conformance harness of :class:`~lyra.adapters.okx.OkxVenue` (spot, or
    with ``swap=True`` perpetual swaps) against a running :class:`FakeOkx` (see
    :mod:`lyra.testing.conformance`).

    Every :meth:`make_venue` opens a new API key on the fake and resets the instrument's
    book to the standard one: bids 99.0 .. 95.0, asks 101.0 .. 105.0, last trade 100.
    """

    def __init__(self, fake: FakeOkx, *, swap: bool = False, timeout_s: float = 5.0) -> None:
        kind = "SWAP" if swap else "SPOT"
        self.fake = fake
        self.swap = swap
        inst = next(i for i in fake.instruments.values() if _inst_type(i) == kind)
        self.instrument = inst
        self.instrument_id = inst.id
        self.name = f"okx-{kind.lower()}"
        self.quantity = inst.make_qty("0.1")
        self.resting_buy_price = inst.make_price("90")
        self.resting_sell_price = inst.make_price("110")
        self.modify_price = inst.make_price("91")
        self.modify_quantity = inst.make_qty("0.2")
        self.timeout_s = timeout_s
        self._keys = itertools.count(1)

    # -- venues ------------------------------------------------------------------------------
    def reset_book(self) -> None:
        """Cancel what earlier accounts left working, flatten their positions' effect on
        the book, and put the standard book and last price back."""
        fake, iid = self.fake, self.instrument_id
        kind = _inst_type(self.instrument)
        for account in fake.accounts.values():
            venue = account.venues.get(kind)
            if venue is not None:
                venue.cancel_all_orders(iid)
        fake._market_of(self.instrument).market.settle()
        fake.set_book(
            iid,
            bids=[(f"{99 - i}.0", "2") for i in range(5)],
            asks=[(f"{101 + i}.0", "2") for i in range(5)],
        )
        fake.trade(iid, "100.0", self.quantity, AggressorSide.NO_AGGRESSOR)

    def make_venue(self, bus: Any) -> Any:
        """A fresh adapter on a fresh account."""
        from lyra.adapters.okx.signing import OkxCredentials
        from lyra.adapters.okx.venue import OkxVenue
        from lyra.adapters.ratelimit import Backoff

        n = next(self._keys)
        key, secret, phrase = f"{self.name}-key-{n}", f"{self.name}-secret-{n}", f"Pass{n}"
        self.fake.add_account(key, secret, phrase)
        self.reset_book()
        return OkxVenue(
            bus,
            credentials=OkxCredentials(key, secret, phrase),
            urls=self.fake.urls,
            market="swap" if self.swap else "spot",
            backoff=Backoff(initial_s=0.05, max_s=0.5),
        )

    def cross(self, venue: Any, order: Order) -> None:
        """Print a trade one tick through ``order``'s price: it fills completely."""
        price = order.price if order.price is not None else order.trigger_price
        assert price is not None
        tick = self.instrument.price_increment
        if order.side is OrderSide.BUY:
            through, aggressor = price - tick, AggressorSide.SELLER
        else:
            through, aggressor = price + tick, AggressorSide.BUYER
        self.fake.trade(self.instrument_id, through, order.leaves_qty, aggressor)

    # -- the book ------------------------------------------------------------------------------
    def fake_book(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The fake's published book."""
        return self.fake.book(self.instrument_id)

    def venue_book(self, venue: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        """The adapter's synced book (the venue's strings), once in sync."""
        sync = venue.book_sync(self.instrument_id)
        if sync is None or not sync.is_synced:
            return None
        bids, asks = sync.top(1000)
        return bids, asks

    def move_book(self, step: int) -> None:
        """A different, uncrossed book change per step."""
        k = step % 5
        bids = [(f"{99 - i}.0", f"{1 + (i + k) % 3}") for i in range(5) if i != k]
        bids.append((f"{98 - k}.5", "0.7"))
        asks = [(f"{101 + i}.0", f"{1 + (i * k) % 4}") for i in range(5) if i != (k + 1) % 5]
        self.fake.set_book(self.instrument_id, bids=bids, asks=asks)

    def print_trade(self, price: Price, quantity: Quantity, aggressor: AggressorSide) -> None:
        """Print a trade on the fake."""
        self.fake.trade(self.instrument_id, price, quantity, aggressor)

    # -- recipes --------------------------------------------------------------------------------
    def order_recipes(self) -> list[Any]:
        """Every order type / TIF / instruction the adapter sends natively."""
        from lyra.testing.conformance import OrderRecipe

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        buy, sell = OrderSide.BUY, OrderSide.SELL
        ioc, fok = TimeInForce.IOC, TimeInForce.FOK
        recipes = [
            OrderRecipe("LIMIT GTC", lambda f: f.limit(iid, buy, q, p("90")), "rest"),
            OrderRecipe(
                "LIMIT IOC crossing",
                lambda f: f.limit(iid, buy, q, p("101"), time_in_force=ioc),
                "fill",
            ),
            OrderRecipe(
                "LIMIT IOC not crossing",
                lambda f: f.limit(iid, buy, q, p("95.5"), time_in_force=ioc),
                "cancel",
            ),
            OrderRecipe(
                "LIMIT FOK too large",
                lambda f: f.limit(
                    iid, buy, self.instrument.make_qty("50"), p("101"), time_in_force=fok
                ),
                "cancel",
            ),
            OrderRecipe(
                "LIMIT post-only resting",
                lambda f: f.limit(iid, buy, q, p("90"), post_only=True),
                "rest",
            ),
            OrderRecipe(
                "LIMIT post-only would take",
                lambda f: f.limit(iid, buy, q, p("101"), post_only=True),
                "reject",
                "POST_ONLY_WOULD_TAKE",
            ),
            OrderRecipe("MARKET BUY", lambda f: f.market(iid, buy, q), "fill"),
            OrderRecipe("MARKET SELL", lambda f: f.market(iid, sell, q), "fill"),
            OrderRecipe(
                "STOP_MARKET (trigger)", lambda f: f.stop_market(iid, sell, q, p("95")), "rest"
            ),
            OrderRecipe(
                "STOP_LIMIT (trigger)",
                lambda f: f.stop_limit(iid, sell, q, p("94"), p("95")),
                "rest",
            ),
            OrderRecipe(
                "MARKET_IF_TOUCHED (trigger)",
                lambda f: f.market_if_touched(iid, sell, q, p("105")),
                "rest",
            ),
            OrderRecipe(
                "TRAILING_STOP_MARKET (move_order_stop)",
                lambda f: f.trailing_stop_market(
                    iid,
                    sell,
                    q,
                    trailing_offset=Decimal(100),
                    trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                ),
                "rest",
            ),
        ]
        if self.swap:
            recipes += [
                OrderRecipe(
                    "MARKET IOC (optimal_limit_ioc)",
                    lambda f: f.market(iid, buy, q, time_in_force=ioc),
                    "fill",
                ),
                OrderRecipe(
                    "LIMIT reduce-only that would add to the position",
                    lambda f: f.limit(iid, buy, q, p("90"), reduce_only=True),
                    "reject",
                    "VENUE_REJECTED",
                ),
            ]
        return recipes

    def trigger_recipes(self) -> list[Any]:
        """Conditional orders and the print that triggers each."""
        from lyra.testing.conformance import OrderRecipe

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        sell = OrderSide.SELL
        return [
            (
                OrderRecipe(
                    "STOP_MARKET", lambda f: f.stop_market(iid, sell, q, p("96.5")), "fill"
                ),
                p("96.0"),
                AggressorSide.BUYER,
            ),
            (
                OrderRecipe(
                    "MARKET_IF_TOUCHED",
                    lambda f: f.market_if_touched(iid, sell, q, p("100.5")),
                    "fill",
                ),
                p("100.6"),
                AggressorSide.SELLER,
            ),
        ]

    def list_recipes(self) -> list[Any]:
        """OKX's native list: an ``oco`` algo of a take-profit and a stop."""
        from lyra.testing.conformance import ListRecipe

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        sell = OrderSide.SELL

        def oco(f: Any) -> Any:
            return f.oco(
                [f.market_if_touched(iid, sell, q, p("103")), f.stop_market(iid, sell, q, p("80"))]
            )

        def take_profit(h: Any, ol: Any) -> None:
            h.print_trade(p("103.5"), q, AggressorSide.SELLER)

        def stop(h: Any, ol: Any) -> None:
            h.print_trade(p("79.0"), q, AggressorSide.BUYER)

        def won(first: int) -> Any:
            def check(ol: Any) -> str | None:
                a, b = ol.orders[first], ol.orders[1 - first]
                if a.status is not OrderStatus.FILLED:
                    return f"the triggered leg is {a.status.name}, expected FILLED"
                if b.status is not OrderStatus.CANCELED:
                    return f"the other leg is {b.status.name}, expected CANCELED"
                return None

            return check

        return [
            ListRecipe("OCO, the take-profit triggers", oco, take_profit, won(0)),
            ListRecipe("OCO, the stop triggers", oco, stop, won(1)),
        ]

    def emulated_list(self, factory: Any) -> Any:
        """An OTO whose two children are linked OCO, for the contingency manager to
        emulate: a BUY at 90, then a SELL at 110 and a SELL at 111."""
        from lyra.model.enums import ContingencyType
        from lyra.orders.lists import ReleasePolicy

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        buy, sell = OrderSide.BUY, OrderSide.SELL
        return factory.oto(
            factory.limit(iid, buy, q, p("90")),
            [factory.limit(iid, sell, q, p("110")), factory.limit(iid, sell, q, p("111"))],
            release=ReleasePolicy.ON_FULL_FILL,
            children_linked=ContingencyType.OCO,
        )

    # -- faults ----------------------------------------------------------------------------------
    def drop(self, kind: str) -> int:
        """Close the fake's connections of ``kind``."""
        return self.fake.faults.drop_connections(kind)  # type: ignore[arg-type]

    def skip_sequence(self) -> None:
        """Skip the instrument's next ``books`` update."""
        self.fake.faults.skip_sequence(self.instrument.raw_symbol)

    def malformed(self) -> None:
        """Break the next public frame."""
        self.fake.faults.malformed_frame("market")

    def delay_user(self, seconds: float) -> None:
        """Hold the next private frame."""
        self.fake.faults.delay(seconds, "user")

    def rejection(self) -> tuple[str, int | str, str, str]:
        """An insufficient-balance refusal of the next order."""
        return (
            "POST /api/v5/trade/order",
            "51008",
            "Order failed. Insufficient USDT balance in account.",
            "INSUFFICIENT_BALANCE",
        )

    def reject_next(self, endpoint: str, code: int | str, message: str) -> None:
        """Answer the next request to ``endpoint`` with that error."""
        self.fake.faults.reject_next(endpoint, code, message)

    def __repr__(self) -> str:
        return f"OkxHarness({self.name})"
