""":class:`FakeKraken`: Kraken spot (REST and websocket v2) on localhost, backed by Lyra's
simulated exchange.

It speaks Kraken's protocol closely enough that a Kraken client --
:class:`~lyra.adapters.kraken.KrakenVenue`, or one of your own -- trades against it as
against the venue:

* **REST** (``http_url``): ``GET /0/public/Time``, ``GET /0/public/AssetPairs`` (pair keys
  ``XXBTZUSD``, altnames ``XBTUSD``, websocket names ``XBT/USD``), and the private
  ``POST /0/private/GetWebSocketsToken``, ``OpenOrders``, ``ClosedOrders``,
  ``QueryOrders``, ``TradesHistory``, ``Balance``, ``BalanceEx``, ``CancelOrder`` and
  ``CancelAll``. Every answer is the ``{"error": [...], "result": ...}`` envelope with
  Kraken's error strings (``EAPI:Invalid key``, ``EOrder:Unknown order`` ...).
* **Signatures are verified as Kraken does**: ``API-Key`` and ``API-Sign``
  (base64 HMAC-SHA512 of the path and SHA-256 of nonce + body, with the base64-decoded
  secret) over the exact form body, and a ``nonce`` that must rise with every call of a key
  (``EAPI:Invalid nonce``).
* **Websockets v2** (``ws_url``): ``/v2`` is the public endpoint -- ``book`` (depth 10 to
  1000, snapshot then updates, each with the CRC32 ``checksum`` of the top ten levels;
  levels that fall out of the subscribed depth are not deleted, as on Kraken), ``trade``,
  ``ticker`` (best bid/offer), ``instrument`` and ``status``; ``/v2-auth`` is the private
  endpoint -- ``executions`` (``pending_new``, ``new``, ``trade``, ``filled``, ``amended``,
  ``canceled``, ``expired`` and ``status``/``triggered``), ``add_order``, ``amend_order``,
  ``cancel_order`` and ``cancel_all``, each needing the ``token`` from
  ``GetWebSocketsToken``. ``{"method": "ping"}`` is answered ``pong``.

The market is moved by hand: :meth:`FakeKraken.set_book`, :meth:`FakeKraken.trade`,
:meth:`FakeKraken.liquidity_order`. Faults go through :attr:`FakeKraken.faults`
(:class:`~lyra.testing.Faults`: ``skip_sequence`` takes the v2 symbol ``BTC/USD``;
``reject_next("WS add_order", "EOrder", "Insufficient funds")`` refuses the next websocket
``add_order``) plus :meth:`FakeKraken.corrupt_checksum`.

Known simplifications: one simulated account per API key; ``cash_order_qty`` (quote
quantities), conditional closes and ``validate`` are refused with ``EGeneral:Invalid
arguments``; no heartbeat frames are sent; a post-only order that would take is accepted
and then canceled with the reason ``Post only order`` (Kraken's exact wording is not
documented); a trigger that fires is reported as an ``executions`` ``status`` event with
``order_status`` ``triggered``; results are not paginated beyond ``ofs``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import msgspec

from lyra.adapters.kraken.book import CHECKSUM_DEPTH, DEPTHS, checksum
from lyra.adapters.kraken.signing import API_KEY, API_SIGN, verify_signature
from lyra.adapters.kraken.symbols import instrument_id as _kraken_iid, ws_symbol, ws_v1_symbol
from lyra.clock import Clock
from lyra.errors import InvalidInput
from lyra.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import InstrumentId
from lyra.model.instruments import CurrencyPair, Instrument
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

__all__ = ("FakeKraken", "FakeKrakenAccount", "FakeKrakenOrder", "KrakenHarness")

_NS: Final = 1_000_000_000
_SIDES: Final = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
_ORDER_TYPES: Final = frozenset(
    {
        "market",
        "limit",
        "iceberg",
        "stop-loss",
        "stop-loss-limit",
        "take-profit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
    }
)
_TRIGGERED: Final = frozenset({"stop-loss", "stop-loss-limit", "take-profit", "take-profit-limit"})
_TRAILING: Final = frozenset({"trailing-stop", "trailing-stop-limit"})
_LIMITED: Final = frozenset({"limit", "iceberg", "stop-loss-limit", "take-profit-limit"})
_OPEN: Final = frozenset({"pending", "open"})
# REST asset codes of the assets that carry Kraken's legacy X/Z prefix
_LEGACY: Final = {"BTC": "XXBT", "ETH": "XETH", "DOGE": "XXDG", "USD": "ZUSD", "EUR": "ZEUR"}
_MAX_ROWS: Final = 50


class _Reply(Exception):
    """A Kraken error string to answer with (private)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _raw(value: Any) -> Any:
    # Kraken v2 writes prices and quantities as JSON numbers, never as strings
    if isinstance(value, Decimal):
        return msgspec.Raw(format(value, "f").encode())
    if isinstance(value, (Price, Quantity)):
        return msgspec.Raw(str(value).encode())
    if isinstance(value, dict):
        return {k: _raw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_raw(v) for v in value]
    if value is None or type(value) in (str, int, float, bool) or isinstance(value, msgspec.Raw):
        return value
    return str(value)  # identifiers (a Symbol) as their text


def _dumps(payload: Any) -> str:
    return msgspec.json.encode(_raw(payload)).decode()


def _dec(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise _Reply(f"EGeneral:Invalid arguments:{name}") from None
    if not d.is_finite():
        raise _Reply(f"EGeneral:Invalid arguments:{name}")
    return d


def _rfc3339(ts_ns: int) -> str:
    from datetime import UTC, datetime

    dt = datetime.fromtimestamp(ts_ns // _NS, tz=UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ts_ns % _NS // 1000:06d}Z"


def _txid(prefix: str, n: int) -> str:
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    text = ""
    for _ in range(16):
        n, r = divmod(n, 32)
        text = digits[r] + text
    return f"{prefix}{text[:5]}-{text[5:10]}-{text[10:]}"


def _asset(code: str) -> str:
    """A Lyra currency code as Kraken's REST asset code (``BTC`` -> ``XXBT``)."""
    return _LEGACY.get(code, code)


def _rest_names(inst: Instrument) -> tuple[str, str, str]:
    """``(key, altname, wsname)`` of a pair: ``XXBTZUSD``, ``XBTUSD``, ``XBT/USD``."""
    wsname = ws_v1_symbol(str(inst.id))
    altname = wsname.replace("/", "")
    base, quote = ws_symbol(str(inst.id)).split("/")
    if base in _LEGACY and quote in _LEGACY:
        return _LEGACY[base] + _LEGACY[quote], altname, wsname
    return altname, altname, wsname


class FakeKrakenAccount:
    """One API key of a :class:`FakeKraken` (its secret), the simulated account behind it,
    its orders, fills and websocket tokens."""

    def __init__(self, api_key: str, secret: str, venue: SimulatedVenue) -> None:
        self.api_key = api_key
        self._secret = secret
        self.venue = venue
        self.orders: dict[str, FakeKrakenOrder] = {}
        #: fills by txid, in time order (TradesHistory rows)
        self.trades: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.last_nonce = 0

    def verify(self, signature: str, path: str, body: str) -> bool:
        """Check an ``API-Sign`` as Kraken does for this key."""
        try:
            return verify_signature(self._secret, signature, path, body)
        except InvalidInput:
            return False

    def open_orders(self) -> list[FakeKrakenOrder]:
        """The working orders, oldest first."""
        return [o for o in self.orders.values() if o.status in _OPEN]

    def find(self, order_id: str = "", cl_ord_id: str = "") -> FakeKrakenOrder | None:
        """An order by txid or ``cl_ord_id`` (the open one first)."""
        if order_id:
            return self.orders.get(order_id)
        if cl_ord_id:
            found = [o for o in self.orders.values() if o.cl_ord_id == cl_ord_id]
            pick = [o for o in found if o.status in _OPEN] or found
            return pick[-1] if pick else None
        return None

    def __repr__(self) -> str:
        return f"FakeKrakenAccount(...{self.api_key[-4:]}, {len(self.orders)} orders)"


class FakeKrakenOrder:
    """An order as FakeKraken keeps it: Kraken's view beside the simulated order."""

    def __init__(
        self,
        order_id: str,
        params: Mapping[str, Any],
        account: FakeKrakenAccount,
        inst: Instrument,
        now_ns: int,
    ) -> None:
        self.order_id = order_id
        self.account = account
        self.inst = inst
        self.symbol = str(inst.raw_symbol)
        self.cl_ord_id = str(params.get("cl_ord_id") or "")
        self.side = str(params["side"])
        self.order_type = str(params["order_type"])
        self.qty = Decimal(0)
        self.limit_price: Decimal | None = None
        self.limit_price_type = str(params.get("limit_price_type") or "")
        self.trigger_price: Decimal | None = None
        self.trigger_reference = "last"
        self.trigger_price_type = "static"
        self.time_in_force = str(params.get("time_in_force") or "gtc").lower()
        self.expire_time = str(params.get("expire_time") or "")
        self.post_only = params.get("post_only") is True
        self.display_qty: Decimal | None = None
        self.status = "pending"
        self.cum_qty = Decimal(0)
        self.cum_cost = Decimal(0)
        self.fee = Decimal(0)
        self.opentm = now_ns
        self.closetm = 0
        self.reason = ""
        self.order: Order | None = None
        self.in_request = False
        self.rejection = ""
        self.rejection_code = ""
        self.cancel_requested = False
        self.acked = False
        self.triggered = False

    @property
    def is_open(self) -> bool:
        """Whether the order is still working."""
        return self.status in _OPEN

    def __repr__(self) -> str:
        return (
            f"FakeKrakenOrder({self.order_id}, {self.cl_ord_id}, {self.symbol} {self.side} "
            f"{self.order_type} {self.qty} @ {self.limit_price}, {self.status})"
        )


class FakeKraken(FakeVenueServer):
    """Kraken spot on localhost; see the module docs.

    Args:
        instruments: the :class:`~lyra.model.CurrencyPair` values it trades, on venue
            ``KRAKEN`` (``raw_symbol`` is the v2 symbol). Default: :meth:`default_instruments`.
        clock: the exchange's clock (default: a :class:`~lyra.clock.LiveClock`).
        tick_s: how often time-driven events are processed.
    """

    def __init__(
        self,
        instruments: Sequence[Instrument] | None = None,
        *,
        clock: Clock | None = None,
        tick_s: float = 0.02,
    ) -> None:
        super().__init__(clock=clock, tick_s=tick_s)
        given = list(instruments) if instruments is not None else self.default_instruments()
        for inst in given:
            if not isinstance(inst, CurrencyPair) or str(inst.id.venue) != "KRAKEN":
                raise InvalidInput("instruments", "must be CurrencyPair values on KRAKEN", inst.id)
        self.market = FakeMarket("KRAKEN", given, clock=self.clock)
        self.markets.append(self.market)
        self.market.on_event = self._on_event
        self.market.on_book = self._on_book
        #: instruments by v2 symbol
        self.instruments: dict[str, Instrument] = {str(i.raw_symbol): i for i in given}
        self.accounts: dict[str, FakeKrakenAccount] = {}
        self._by_token: dict[str, FakeKrakenAccount] = {}
        self._by_internal: dict[str, FakeKrakenOrder] = {}
        self._pending_taker: dict[str, list[list[Any]]] = {}
        self._checksum_faults: dict[str, int] = {}
        self._order_ids = itertools.count(7_000_001)
        self._trade_txids = itertools.count(9_000_001)
        self._exec_ids = itertools.count(5_000_001)
        self._trade_ids: dict[str, itertools.count[int]] = {
            s: itertools.count(40_000_001) for s in self.instruments
        }
        self._tokens = itertools.count(1)
        self._conn_ids = itertools.count(1)
        self._last_top: dict[str, Any] = {}
        self._held: list[tuple[FakeConnection, str]] | None = None

    @staticmethod
    def default_instruments() -> list[Instrument]:
        """``BTC/USD.KRAKEN`` (REST ``XXBTZUSD`` / ``XBTUSD``, v1 ``XBT/USD``: tick 0.1, lot
        0.00000001, minimum 0.0001) and ``ETH/USD.KRAKEN`` (tick 0.01)."""
        return [
            CurrencyPair.simple(
                "BTC/USD.KRAKEN",
                price_increment="0.1",
                size_increment="0.00000001",
                min_quantity="0.0001",
                maker_fee="0.0025",
                taker_fee="0.004",
            ),
            CurrencyPair.simple(
                "ETH/USD.KRAKEN",
                price_increment="0.01",
                size_increment="0.00000001",
                min_quantity="0.001",
                maker_fee="0.0025",
                taker_fee="0.004",
            ),
        ]

    # -- urls and accounts ---------------------------------------------------------------------
    @property
    def urls(self) -> Any:
        """The :class:`~lyra.adapters.kraken.KrakenUrls` to give
        :class:`~lyra.adapters.kraken.KrakenVenue`."""
        from lyra.adapters.kraken.venue import KrakenUrls

        return KrakenUrls(
            rest=self.http_url, ws_public=f"{self.ws_url}/v2", ws_private=f"{self.ws_url}/v2-auth"
        )

    def add_account(
        self, api_key: str, secret: str, *, balances: Iterable[Money | str] | None = None
    ) -> FakeKrakenAccount:
        """Register an API key with its base64 secret. ``balances`` (``Money`` or
        ``"1000 USD"``) open its account; default 1,000,000 of each quote currency and 100
        of each base currency."""
        if api_key in self.accounts:
            raise InvalidInput("api_key", "is already registered", "***")
        if balances is None:
            amounts: dict[str, Money] = {}
            for inst in self.instruments.values():
                amounts[inst.quote_currency.code] = Money("1000000", inst.quote_currency)
                base = inst.base_currency
                if base is not None:
                    amounts.setdefault(base.code, Money("100", base))
            given = list(amounts.values())
        else:
            given = [b if isinstance(b, Money) else Money.from_str(b) for b in balances]
        venue = self.market.add_account(f"KRAKEN-{len(self.accounts) + 1:03d}", given)
        account = FakeKrakenAccount(api_key, secret, venue)
        self.accounts[api_key] = account
        return account

    # -- the market ----------------------------------------------------------------------------
    def instrument(self, symbol: Any) -> Instrument:
        """The instrument of a v2 (or v1 ``XBT/USD``) symbol (``EQuery:Unknown asset pair``)."""
        if not isinstance(symbol, str) or not symbol:
            raise _Reply("EGeneral:Invalid arguments:symbol")
        found = self.instruments.get(symbol)
        if found is None:
            try:
                found = self.instruments.get(ws_symbol(str(_kraken_iid(symbol))))
            except InvalidInput:
                found = None
        if found is None:
            raise _Reply("EQuery:Unknown asset pair")
        return found

    def _inst(self, instrument_id: InstrumentId | str) -> Instrument:
        iid = InstrumentId(instrument_id)
        for inst in self.instruments.values():
            if inst.id == iid:
                return inst
        raise InvalidInput("instrument_id", "is not traded on this FakeKraken", iid)

    def _rest_pair(self, name: str) -> Instrument | None:
        for inst in self.instruments.values():
            if name in _rest_names(inst) or name == inst.raw_symbol:
                return inst
        return None

    def set_book(
        self,
        instrument_id: InstrumentId | str,
        bids: Iterable[tuple[Price | str, Quantity | str]],
        asks: Iterable[tuple[Price | str, Quantity | str]],
    ) -> None:
        """Make the resting liquidity of an instrument these levels (see
        :meth:`FakeMarket.set_book`); the ``book`` channel publishes the change."""
        self.market.set_book(self._inst(instrument_id).id, bids, asks)

    def trade(
        self,
        instrument_id: InstrumentId | str,
        price: Price | str,
        quantity: Quantity | str,
        aggressor: AggressorSide = AggressorSide.NO_AGGRESSOR,
    ) -> None:
        """Print a trade: it fills resting orders it goes through and is published on the
        ``trade`` channel (the taker side is the aggressor's; ``buy`` without one)."""
        inst = self._inst(instrument_id)
        tick = self.market.trade(inst.id, price, quantity, aggressor)
        side = OrderSide.SELL if aggressor is AggressorSide.SELLER else OrderSide.BUY
        self.publish_trade(
            inst, self.next_trade_id(str(inst.raw_symbol)), tick.price, tick.size, side
        )

    def liquidity_order(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        price: Price | str | None,
        quantity: Quantity | str,
    ) -> Order:
        """Send an order for the rest of the market (LIMIT, or MARKET when ``price`` is
        ``None``)."""
        return self.market.liquidity_order(self._inst(instrument_id).id, side, price, quantity)

    def book(
        self, instrument_id: InstrumentId | str, depth: int | None = None
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The book as published (the top ``depth`` levels), as ``(price, qty)`` strings,
        best first."""
        bids, asks = self.market.displayed(self._inst(instrument_id).id)
        if depth is not None:
            bids, asks = bids[:depth], asks[:depth]
        return [(str(p), str(q)) for p, q in bids], [(str(p), str(q)) for p, q in asks]

    def order(self, api_key: str, cl_ord_id: str) -> FakeKrakenOrder | None:
        """The fake's record of an order of an account (by ``cl_ord_id``)."""
        account = self.accounts.get(api_key)
        return None if account is None else account.find(cl_ord_id=cl_ord_id)

    def corrupt_checksum(self, symbol: str, count: int = 1) -> None:
        """Send a wrong ``checksum`` with the next ``count`` ``book`` updates of ``symbol``
        (counted in ``faults.applied["checksum"]``)."""
        self._checksum_faults[symbol] = self._checksum_faults.get(symbol, 0) + count

    def now_ns(self) -> int:
        """The fake's time in nanoseconds."""
        return self.clock.timestamp_ns()

    def next_trade_id(self, symbol: str) -> int:
        """A new public trade id of ``symbol``."""
        return next(self._trade_ids[symbol])

    # -- sending -------------------------------------------------------------------------------
    def _send(self, conns: Iterable[FakeConnection], payload: Any) -> None:
        text: str | None = None
        for conn in conns:
            if text is None:
                text = _dumps(payload)
            if self._held is not None and conn.kind == "user":
                self._held.append((conn, text))
            else:
                conn.send(text)

    def _subscribers(self, key: str) -> list[FakeConnection]:
        return [c for c in self.connections if not c.closed and key in c.subscriptions]

    # -- market data ---------------------------------------------------------------------------
    def _levels(self, inst: Instrument, depth: int) -> tuple[dict[Price, Quantity], ...]:
        bids, asks = self.market.displayed(inst.id)
        return dict(bids[:depth]), dict(asks[:depth])

    def _checksum(
        self, inst: Instrument, bids: Mapping[Price, Quantity], asks: Mapping[Price, Quantity]
    ) -> int:
        top_b = sorted(bids.items(), key=lambda kv: kv[0], reverse=True)[:CHECKSUM_DEPTH]
        top_a = sorted(asks.items(), key=lambda kv: kv[0])[:CHECKSUM_DEPTH]
        return checksum(
            [(str(p), str(q)) for p, q in top_a],
            [(str(p), str(q)) for p, q in top_b],
            inst.price_precision,
            inst.size_precision,
        )

    def _book_snapshot(self, conn: FakeConnection, inst: Instrument, depth: int) -> None:
        bids, asks = self._levels(inst, depth)
        conn.meta.setdefault("books", {})[str(inst.raw_symbol)] = (depth, bids, asks)
        data = {
            "symbol": inst.raw_symbol,
            "bids": [{"price": p, "qty": q} for p, q in bids.items()],
            "asks": [{"price": p, "qty": q} for p, q in asks.items()],
            "checksum": self._checksum(inst, bids, asks),
            "timestamp": _rfc3339(self.now_ns()),
        }
        conn.send(_dumps({"channel": "book", "type": "snapshot", "data": [data]}))

    def _on_book(self, iid: InstrumentId, changes: list[tuple[int, Price, Quantity]]) -> None:
        inst = self.market.instruments[iid]
        symbol = str(inst.raw_symbol)
        conns = self._subscribers(f"book:{symbol}")
        skip = bool(conns) and self.faults.take_skip(symbol)
        full_bids, full_asks = self.market.displayed(iid)
        in_bids, in_asks = dict(full_bids), dict(full_asks)
        corrupt = False
        if conns and not skip and self._checksum_faults.get(symbol, 0):
            self._checksum_faults[symbol] -= 1
            self.faults.applied["checksum"] = self.faults.applied.get("checksum", 0) + 1
            corrupt = True
        stamp = _rfc3339(self.now_ns())
        for conn in conns:
            depth, old_bids, old_asks = conn.meta["books"][symbol]
            new_bids, new_asks = dict(full_bids[:depth]), dict(full_asks[:depth])
            conn.meta["books"][symbol] = (depth, new_bids, new_asks)
            if skip:
                continue
            sides = []
            for new, old, everything in (
                (new_bids, old_bids, in_bids),
                (new_asks, old_asks, in_asks),
            ):
                out = [{"price": p, "qty": q} for p, q in new.items() if old.get(p) != q]
                # a level that only fell out of the subscribed depth is not deleted (the
                # client truncates); one that left the book is
                out += [
                    {"price": p, "qty": Quantity.zero(q.precision)}
                    for p, q in old.items()
                    if p not in new and p not in everything
                ]
                sides.append(out)
            if not sides[0] and not sides[1]:
                continue
            check = self._checksum(inst, new_bids, new_asks)
            if corrupt:
                check = (check + 1) % 2**32
            data = {
                "symbol": symbol,
                "bids": sides[0],
                "asks": sides[1],
                "checksum": check,
                "timestamp": stamp,
            }
            conn.send(_dumps({"channel": "book", "type": "update", "data": [data]}))
        self._publish_top(inst)

    def _ticker_data(self, inst: Instrument) -> dict[str, Any]:
        bids, asks = self.market.displayed(inst.id)
        data: dict[str, Any] = {"symbol": inst.raw_symbol}
        if bids:
            data.update(bid=bids[0][0], bid_qty=bids[0][1])
        if asks:
            data.update(ask=asks[0][0], ask_qty=asks[0][1])
        data["timestamp"] = _rfc3339(self.now_ns())
        return data

    def _publish_top(self, inst: Instrument) -> None:
        symbol = str(inst.raw_symbol)
        bids, asks = self.market.displayed(inst.id)
        top = (bids[0] if bids else None, asks[0] if asks else None)
        if self._last_top.get(symbol) == top:
            return
        self._last_top[symbol] = top
        conns = self._subscribers(f"ticker:{symbol}")
        if conns:
            self._send(
                conns, {"channel": "ticker", "type": "update", "data": [self._ticker_data(inst)]}
            )

    def publish_trade(
        self, inst: Instrument, trade_id: int, px: Price, qty: Quantity, side: OrderSide
    ) -> None:
        """Publish one public trade on ``trade`` (``side`` is the taker's)."""
        conns = self._subscribers(f"trade:{inst.raw_symbol}")
        if not conns:
            return
        data = {
            "symbol": inst.raw_symbol,
            "side": "buy" if side is OrderSide.BUY else "sell",
            "price": inst.make_price(px.as_decimal()),
            "qty": inst.make_qty(qty.as_decimal()),
            "ord_type": "limit",
            "trade_id": trade_id,
            "timestamp": _rfc3339(self.now_ns()),
        }
        self._send(conns, {"channel": "trade", "type": "update", "data": [data]})

    # -- executions ------------------------------------------------------------------------------
    def _order_json(self, rec: FakeKrakenOrder) -> dict[str, Any]:
        out: dict[str, Any] = {
            "order_id": rec.order_id,
            "symbol": rec.symbol,
            "side": rec.side,
            "order_type": rec.order_type,
            "order_qty": rec.qty,
            "time_in_force": rec.time_in_force.upper(),
            "post_only": rec.post_only,
            "reduce_only": False,
            "order_status": _EXEC_STATUS.get(rec.status, rec.status),
            "cum_qty": rec.cum_qty,
            "cum_cost": rec.cum_cost,
        }
        if rec.cl_ord_id:
            out["cl_ord_id"] = rec.cl_ord_id
        if rec.limit_price is not None:
            out["limit_price"] = rec.limit_price
            if rec.limit_price_type:
                out["limit_price_type"] = rec.limit_price_type
        if rec.trigger_price is not None:
            out["trigger_price"] = rec.trigger_price
        if rec.display_qty is not None:
            out["display_qty"] = rec.display_qty
        if rec.expire_time:
            out["expire_time"] = rec.expire_time
        if rec.cum_qty:
            out["avg_price"] = rec.cum_cost / rec.cum_qty
        return out

    def _push(self, rec: FakeKrakenOrder, exec_type: str, **extra: Any) -> None:
        conns = [
            c
            for c in self.connections
            if not c.closed and c.account is rec.account and "executions" in c.subscriptions
        ]
        if not conns:
            return
        data = self._order_json(rec)
        data.update(exec_type=exec_type, exec_id=_txid("L", next(self._exec_ids)))
        data["timestamp"] = _rfc3339(self.now_ns())
        data.update(extra)
        for conn in conns:
            seq = conn.meta["sequence"] = conn.meta.get("sequence", 0) + 1
            self._send(
                [conn], {"channel": "executions", "type": "update", "data": [data], "sequence": seq}
            )

    def _on_event(self, event: OrderEvent) -> None:
        rec = self._by_internal.get(event.client_order_id)
        if isinstance(event, OrderFilled):
            tid = self._trade_id_for(event, rec)
            if rec is not None:
                self._on_fill(rec, event, tid)
            return
        if rec is None:
            return
        now = event.ts_event or self.now_ns()
        if isinstance(event, (OrderRejected, OrderDenied)):
            code = str(event.code)
            if code == "POST_ONLY_WOULD_TAKE":
                # Kraken takes the order, then cancels it: it would have taken liquidity
                rec.status = "canceled"
                rec.reason = "Post only order"
                rec.closetm = now
                self._push(rec, "pending_new", order_status="pending_new")
                self._push(rec, "canceled", reason=rec.reason)
                return
            rec.status = "canceled"
            rec.closetm = now
            rec.rejection = event.reason
            rec.rejection_code = code
            if not rec.in_request:
                rec.reason = event.reason
                self._push(rec, "canceled", reason=event.reason)
            return
        if isinstance(event, OrderAccepted):
            if not rec.acked:
                rec.acked = True
                rec.status = "open"
                self._push(rec, "pending_new", order_status="pending_new")
                self._push(rec, "new")
            return
        if isinstance(event, OrderTriggered):
            rec.triggered = True
            self._push(rec, "status", order_status="triggered")
            return
        if isinstance(event, OrderUpdated):
            if event.quantity is not None:
                rec.qty = event.quantity.as_decimal()
            if event.price is not None and rec.order_type in _LIMITED:
                rec.limit_price = event.price.as_decimal()
            if event.trigger_price is not None and rec.order_type in _TRIGGERED:
                rec.trigger_price = event.trigger_price.as_decimal()
            self._push(rec, "amended" if rec.in_request else "restated", amended=True)
            return
        if isinstance(event, OrderModifyRejected):
            rec.rejection = event.reason
            return
        if isinstance(event, (OrderCanceled, OrderExpired)):
            if not rec.is_open:
                return
            expired = isinstance(event, OrderExpired)
            rec.status = "expired" if expired else "canceled"
            rec.closetm = now
            if rec.cancel_requested:
                rec.reason = "User requested"
            elif rec.time_in_force == "ioc" or rec.order_type == "market":
                rec.reason = "Unfilled IOC remainder"
            else:
                rec.reason = "Expired" if expired else "Canceled by the venue"
            self._push(rec, rec.status, reason=rec.reason)

    def _trade_id_for(self, event: OrderFilled, rec: FakeKrakenOrder | None) -> int:
        """The public trade id of a fill: a taker fill prints a new trade; the makers it
        met share its id."""
        inst = self.market.instruments[event.instrument_id]
        symbol = str(inst.raw_symbol)
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        pending = self._pending_taker.setdefault(symbol, [])
        if event.liquidity_side is LiquiditySide.TAKER:
            tid = self.next_trade_id(symbol)
            pending.append([tid, px, qty])
            side = _SIDES[rec.side] if rec is not None else event.order_side
            self.publish_trade(inst, tid, event.last_px, event.last_qty, side)
            return tid
        for entry in pending:
            if entry[1] == px and entry[2] >= qty:
                entry[2] -= qty
                pending[:] = [e for e in pending if e[2] > 0]
                return int(entry[0])
        return self.next_trade_id(symbol)

    def _on_fill(self, rec: FakeKrakenOrder, event: OrderFilled, tid: int) -> None:
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        cost = qty * px
        fee = event.commission.as_decimal()
        rec.cum_qty += qty
        rec.cum_cost += cost
        rec.fee += fee
        done = rec.cum_qty >= rec.qty
        rec.status = "closed" if done else "open"
        rec.acked = True
        now = event.ts_event or self.now_ns()
        if done:
            rec.closetm = now
        maker = event.liquidity_side is LiquiditySide.MAKER
        txid = _txid("T", next(self._trade_txids))
        rec.account.trades[txid] = {
            "ordertxid": rec.order_id,
            "postxid": _txid("T", 0),
            "pair": _rest_names(rec.inst)[1],
            "time": now / _NS,
            "type": rec.side,
            "ordertype": rec.order_type,
            "price": str(event.last_px),
            "cost": format(cost, "f"),
            "fee": format(fee, "f"),
            "vol": str(event.last_qty),
            "margin": "0",
            "misc": "",
            "trade_id": tid,
            "maker": maker,
        }
        quote = rec.inst.quote_currency.code
        self._push(
            rec,
            "trade",
            order_status="filled" if done else "partially_filled",
            trade_id=tid,
            last_qty=event.last_qty,
            last_price=event.last_px,
            liquidity_ind="m" if maker else "t",
            cost=cost,
            fees=[{"asset": quote, "qty": abs(fee)}],
            fee_usd_equiv=abs(fee),
        )
        if done:
            self._push(rec, "filled", order_status="filled")

    # -- REST ----------------------------------------------------------------------------------
    def add_routes(self, app: Any) -> None:
        public: dict[str, Any] = {"Time": self._time, "AssetPairs": self._asset_pairs}
        private: dict[str, Any] = {
            "GetWebSocketsToken": self._token,
            "OpenOrders": self._open_orders,
            "ClosedOrders": self._closed_orders,
            "QueryOrders": self._query_orders,
            "TradesHistory": self._trades_history,
            "Balance": self._balance,
            "BalanceEx": self._balance_ex,
            "CancelOrder": self._rest_cancel,
            "CancelAll": self._rest_cancel_all,
        }
        for name, fn in public.items():
            for method in ("GET", "POST"):
                app.router.add_route(method, f"/0/public/{name}", self._endpoint(False, fn))
        for name, fn in private.items():
            app.router.add_route("POST", f"/0/private/{name}", self._endpoint(True, fn))
        app.router.add_route("*", "/{tail:.*}", self._not_found)

    def _json(self, payload: Any, status: int = 200) -> Any:
        from aiohttp import web

        return web.Response(status=status, text=_dumps(payload), content_type="application/json")

    async def _not_found(self, request: Any) -> Any:
        return self._json({"error": ["EGeneral:Unknown method"]}, 404)

    def _endpoint(self, private: bool, fn: Any) -> Any:
        async def handler(request: Any) -> Any:
            raw = (await request.read()).decode() if request.can_read_body else ""
            rejection = self.faults.take_rejection(request.method, request.path)
            if rejection is not None:
                text = f"{rejection.code}:{rejection.message}"
                return self._json({"error": [text]}, rejection.status)
            try:
                from urllib.parse import parse_qsl

                form = dict(parse_qsl(raw, keep_blank_values=True))
                form.update(request.query)
                account = self._authenticate(request, raw, form) if private else None
                result = fn(account, form)
            except _Reply as reply:
                return self._json({"error": [reply.error]})
            return self._json({"error": [], "result": result})

        return handler

    def _authenticate(self, request: Any, raw: str, form: Mapping[str, str]) -> FakeKrakenAccount:
        key = request.headers.get(API_KEY)
        signature = request.headers.get(API_SIGN)
        if not key or not signature:
            raise _Reply("EAPI:Invalid key")
        account = self.accounts.get(key)
        if account is None:
            raise _Reply("EAPI:Invalid key")
        if not account.verify(signature, request.path, raw):
            raise _Reply("EAPI:Invalid signature")
        try:
            nonce = int(form.get("nonce", ""))
        except ValueError:
            raise _Reply("EAPI:Invalid nonce") from None
        if nonce <= account.last_nonce:
            raise _Reply("EAPI:Invalid nonce")
        account.last_nonce = nonce
        return account

    def _time(self, a: Any, form: Mapping[str, str]) -> Any:
        now = self.now_ns()
        return {"unixtime": now // _NS, "rfc1123": ""}

    def _pair_json(self, inst: Instrument) -> dict[str, Any]:
        _, altname, wsname = _rest_names(inst)
        base = inst.base_currency.code if inst.base_currency is not None else ""
        out: dict[str, Any] = {
            "altname": altname,
            "wsname": wsname,
            "aclass_base": "currency",
            "base": _asset(base),
            "aclass_quote": "currency",
            "quote": _asset(inst.quote_currency.code),
            "lot": "unit",
            "cost_decimals": 5,
            "pair_decimals": inst.price_precision,
            "lot_decimals": inst.size_precision,
            "lot_multiplier": 1,
            "fees": [[0, inst.taker_fee * 100]],
            "fees_maker": [[0, inst.maker_fee * 100]],
            "fee_volume_currency": "ZUSD",
            "margin_call": 80,
            "margin_stop": 40,
            "ordermin": str(inst.min_quantity or inst.size_increment),
            "costmin": "0.5",
            "tick_size": str(inst.price_increment),
            "status": "online",
        }
        return out

    def _asset_pairs(self, a: Any, form: Mapping[str, str]) -> Any:
        wanted = [p for p in form.get("pair", "").split(",") if p]
        out = {}
        for inst in self.instruments.values():
            key, altname, wsname = _rest_names(inst)
            if wanted and not {key, altname, wsname, str(inst.raw_symbol)} & set(wanted):
                continue
            out[key] = self._pair_json(inst)
        if wanted and not out:
            raise _Reply("EQuery:Unknown asset pair")
        return out

    def _token(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        token = f"kraken-fake-token-{next(self._tokens):06d}"
        account.tokens.add(token)
        self._by_token[token] = account
        return {"token": token, "expires": 900}

    def _info(self, rec: FakeKrakenOrder) -> dict[str, Any]:
        inst = rec.inst
        altname = _rest_names(inst)[1]
        trig = rec.order_type in _TRIGGERED or rec.order_type in _TRAILING
        price = rec.trigger_price if trig else rec.limit_price
        price2 = rec.limit_price if trig else None
        price_text = format(price, "f") if price is not None else "0"
        if rec.order_type in _TRAILING:
            suffix = "%" if rec.trigger_price_type == "pct" else ""
            price_text = f"+{price_text}{suffix}"
        descr = {
            "pair": altname,
            "type": rec.side,
            "ordertype": "limit" if rec.order_type == "iceberg" else rec.order_type,
            "price": price_text,
            "price2": format(price2, "f") if price2 is not None else "0",
            "leverage": "none",
            "order": f"{rec.side} {rec.qty} {altname} @ {rec.order_type} {price_text}",
            "close": "",
        }
        flags = ["fciq"]
        if rec.post_only:
            flags.append("post")
        out: dict[str, Any] = {
            "refid": None,
            "userref": 0,
            "status": rec.status,
            "opentm": rec.opentm / _NS,
            "starttm": 0,
            "expiretm": 0,
            "descr": descr,
            "vol": str(inst.make_qty(rec.qty, check_bounds=False)),
            "vol_exec": str(inst.make_qty(rec.cum_qty, check_bounds=False)),
            "cost": format(rec.cum_cost, "f"),
            "fee": format(rec.fee, "f"),
            "price": format(rec.cum_cost / rec.cum_qty, "f") if rec.cum_qty else "0",
            "stopprice": "0",
            "limitprice": "0",
            "misc": "",
            "oflags": ",".join(flags),
        }
        if rec.cl_ord_id:
            out["cl_ord_id"] = rec.cl_ord_id
        if not rec.is_open:
            out["closetm"] = rec.closetm / _NS
            out["reason"] = rec.reason or None
        return out

    def _visible(self, account: FakeKrakenAccount) -> list[FakeKrakenOrder]:
        # an order still inside its add_order request is not visible yet
        return [o for o in account.orders.values() if o.acked or not o.is_open]

    def _open_orders(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        cid = form.get("cl_ord_id", "")
        return {
            "open": {
                o.order_id: self._info(o)
                for o in self._visible(account)
                if o.is_open and (not cid or o.cl_ord_id == cid)
            }
        }

    def _closed_orders(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        start = Decimal(form.get("start", "0") or "0")
        ofs = int(form.get("ofs", "0") or "0")
        rows = [
            o
            for o in reversed(self._visible(account))  # newest first, as Kraken
            if not o.is_open and Decimal(o.closetm) / _NS > start
        ]
        page = rows[ofs : ofs + _MAX_ROWS]
        return {"closed": {o.order_id: self._info(o) for o in page}, "count": len(rows)}

    def _query_orders(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        ids = [t for t in form.get("txid", "").split(",") if t]
        if not ids:
            raise _Reply("EGeneral:Invalid arguments:txid")
        out = {}
        for txid in ids:
            rec = account.orders.get(txid)
            if rec is None:
                raise _Reply("EOrder:Invalid order")
            out[txid] = self._info(rec)
        return out

    def _trades_history(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        start = Decimal(form.get("start", "0") or "0")
        ofs = int(form.get("ofs", "0") or "0")
        rows = [
            (txid, t)
            for txid, t in reversed(list(account.trades.items()))
            if Decimal(str(t["time"])) > start
        ]
        page = rows[ofs : ofs + _MAX_ROWS]
        return {"trades": dict(page), "count": len(rows)}

    def _balances(self, account: FakeKrakenAccount) -> dict[str, tuple[Decimal, Decimal]]:
        out = {}
        for cur, bal in account.venue.account.balances().items():
            out[_asset(cur.code)] = (bal.total.as_decimal(), bal.locked.as_decimal())
        return out

    def _balance(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        return {k: format(total, "f") for k, (total, _) in self._balances(account).items()}

    def _balance_ex(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        return {
            k: {"balance": format(total, "f"), "hold_trade": format(held, "f")}
            for k, (total, held) in self._balances(account).items()
        }

    def _rest_cancel(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        txid = form.get("txid", "")
        rec = account.find(order_id=txid) or account.find(cl_ord_id=form.get("cl_ord_id", ""))
        if rec is None or not rec.is_open:
            raise _Reply("EOrder:Unknown order")
        self._cancel(rec)
        return {"count": 1}

    def _rest_cancel_all(self, account: FakeKrakenAccount, form: Mapping[str, str]) -> Any:
        return {"count": self._cancel_all(account)}

    # -- orders ------------------------------------------------------------------------------
    def _build(self, account: FakeKrakenAccount, p: Mapping[str, Any]) -> FakeKrakenOrder:
        """Validate ``add_order`` params as Kraken does and make the record (not sent)."""
        inst = self.instrument(p.get("symbol"))
        if p.get("side") not in _SIDES:
            raise _Reply("EGeneral:Invalid arguments:side")
        kind = p.get("order_type")
        if kind not in _ORDER_TYPES:
            raise _Reply("EGeneral:Invalid arguments:order_type")
        for unsupported in ("cash_order_qty", "conditional", "reduce_only", "margin"):
            if p.get(unsupported):
                raise _Reply(f"EGeneral:Invalid arguments:{unsupported} (not in this fake)")
        tif = str(p.get("time_in_force") or "gtc").lower()
        if tif not in ("gtc", "ioc", "gtd"):
            raise _Reply("EGeneral:Invalid arguments:time_in_force")
        if tif == "ioc" and kind not in ("market", "limit"):
            raise _Reply("EGeneral:Invalid arguments:time_in_force")
        if tif == "gtd" and not p.get("expire_time"):
            raise _Reply("EGeneral:Invalid arguments:expire_time")
        cid = str(p.get("cl_ord_id") or "")
        if cid and (len(cid) > 36 or not cid.isascii()):
            raise _Reply("EGeneral:Invalid arguments:cl_ord_id")
        if cid and any(o.cl_ord_id == cid for o in account.open_orders()):
            raise _Reply("EOrder:Duplicate cl_ord_id")
        rec = FakeKrakenOrder(_txid("O", next(self._order_ids)), p, account, inst, self.now_ns())
        rec.time_in_force = tif
        qty = _dec(p.get("order_qty", ""), "order_qty")
        if qty <= 0 or qty % inst.size_increment.as_decimal():
            raise _Reply("EGeneral:Invalid arguments:volume")
        if inst.min_quantity is not None and qty < inst.min_quantity.as_decimal():
            raise _Reply("EOrder:Order minimum not met")
        rec.qty = qty
        tick = inst.price_increment.as_decimal()
        if kind in _LIMITED:
            if p.get("limit_price") is None:
                raise _Reply("EGeneral:Invalid arguments:limit_price")
            rec.limit_price = _dec(p["limit_price"], "limit_price")
            if rec.limit_price <= 0 or rec.limit_price % tick:
                raise _Reply("EOrder:Invalid price")
        elif kind == "trailing-stop-limit":
            rec.limit_price = _dec(p.get("limit_price", ""), "limit_price")
        if kind in _TRIGGERED or kind in _TRAILING:
            triggers = p.get("triggers")
            if not isinstance(triggers, dict) or triggers.get("price") is None:
                raise _Reply("EGeneral:Invalid arguments:triggers")
            rec.trigger_price = _dec(triggers["price"], "triggers.price")
            rec.trigger_reference = str(triggers.get("reference") or "last")
            rec.trigger_price_type = str(triggers.get("price_type") or "static")
            if rec.trigger_reference not in ("last", "index"):
                raise _Reply("EGeneral:Invalid arguments:triggers.reference")
            if kind in _TRIGGERED and (
                rec.trigger_price_type != "static" or rec.trigger_price <= 0
            ):
                raise _Reply("EGeneral:Invalid arguments:triggers.price")
            if kind in _TRAILING and rec.trigger_price_type not in ("quote", "pct"):
                raise _Reply("EGeneral:Invalid arguments:triggers.price_type")
        if p.get("post_only") and kind not in ("limit", "iceberg"):
            raise _Reply("EGeneral:Invalid arguments:post_only")
        if kind == "iceberg":
            if p.get("display_qty") is None:
                raise _Reply("EGeneral:Invalid arguments:display_qty")
            rec.display_qty = _dec(p["display_qty"], "display_qty")
            if rec.display_qty <= 0 or rec.display_qty * 15 < qty:
                raise _Reply("EGeneral:Invalid arguments:display_qty")
        rec.order = self._lyra_order(rec)
        return rec

    def _lyra_order(self, rec: FakeKrakenOrder) -> Order:
        inst = rec.inst
        f = self.market.factory
        iid = inst.id
        side = _SIDES[rec.side]
        qty = inst.make_qty(rec.qty, check_bounds=False)
        cid = self.market.new_client_order_id("C")
        tif = {"ioc": TimeInForce.IOC, "gtd": TimeInForce.GTD}.get(rec.time_in_force)
        tif = tif or TimeInForce.GTC
        expire = None
        if tif is TimeInForce.GTD:
            from lyra.adapters.kraken.messages import parse_timestamp

            try:
                expire = parse_timestamp(rec.expire_time)
            except InvalidInput:
                raise _Reply("EGeneral:Invalid arguments:expire_time") from None
        trig = (
            TriggerType.INDEX_PRICE if rec.trigger_reference == "index" else TriggerType.LAST_PRICE
        )
        kind = rec.order_type

        def px(value: Decimal | None) -> Price:
            assert value is not None
            return inst.make_price(value, check_bounds=False)

        common: dict[str, Any] = {"client_order_id": cid}
        if kind == "market":
            return f.market(iid, side, qty, **common)
        if kind in ("limit", "iceberg"):
            display = None
            if rec.display_qty is not None:
                display = inst.make_qty(rec.display_qty, check_bounds=False)
            return f.limit(
                iid,
                side,
                qty,
                px(rec.limit_price),
                time_in_force=tif,
                expire_time_ns=expire,
                post_only=rec.post_only,
                display_qty=display,
                **common,
            )
        timing: dict[str, Any] = {"time_in_force": tif, "expire_time_ns": expire, **common}
        if kind == "stop-loss":
            return f.stop_market(iid, side, qty, px(rec.trigger_price), trigger_type=trig, **timing)
        if kind == "take-profit":
            return f.market_if_touched(
                iid, side, qty, px(rec.trigger_price), trigger_type=trig, **timing
            )
        if kind == "stop-loss-limit":
            return f.stop_limit(
                iid,
                side,
                qty,
                px(rec.limit_price),
                px(rec.trigger_price),
                trigger_type=trig,
                **timing,
            )
        if kind == "take-profit-limit":
            return f.limit_if_touched(
                iid,
                side,
                qty,
                px(rec.limit_price),
                px(rec.trigger_price),
                trigger_type=trig,
                **timing,
            )
        assert rec.trigger_price is not None
        pct = rec.trigger_price_type == "pct"
        offset_type = TrailingOffsetType.BASIS_POINTS if pct else TrailingOffsetType.PRICE
        offset = rec.trigger_price * 100 if pct else rec.trigger_price
        if kind == "trailing-stop":
            return f.trailing_stop_market(
                iid, side, qty, trailing_offset=offset, trailing_offset_type=offset_type, **timing
            )
        assert rec.limit_price is not None
        lpct = rec.limit_price_type == "pct"
        return f.trailing_stop_limit(
            iid,
            side,
            qty,
            trailing_offset=offset,
            limit_offset=rec.limit_price * 100 if lpct else rec.limit_price,
            trailing_offset_type=offset_type,
            **timing,
        )

    def _add_order(self, account: FakeKrakenAccount, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("validate"):
            raise _Reply("EGeneral:Invalid arguments:validate (not in this fake)")
        rec = self._build(account, params)
        order = rec.order
        assert order is not None
        account.orders[rec.order_id] = rec
        self._by_internal[order.client_order_id] = rec
        rec.in_request = True
        try:
            account.venue.submit_order(order)
            self.market.settle()
        finally:
            rec.in_request = False
        if rec.rejection_code:
            del account.orders[rec.order_id]
            raise _Reply(_rejection(rec.rejection_code, rec.rejection))
        result = {"order_id": rec.order_id}
        if rec.cl_ord_id:
            result["cl_ord_id"] = rec.cl_ord_id
        return result

    def _cancel(self, rec: FakeKrakenOrder) -> None:
        assert rec.order is not None
        rec.cancel_requested = True
        rec.account.venue.cancel_order(rec.order)
        self.market.settle()

    def _cancel_all(self, account: FakeKrakenAccount) -> int:
        targets = account.open_orders()
        for rec in targets:
            rec.cancel_requested = True
            assert rec.order is not None
            account.venue.cancel_order(rec.order)
        self.market.settle()
        return len(targets)

    def _amend(self, account: FakeKrakenAccount, p: Mapping[str, Any]) -> dict[str, Any]:
        rec = account.find(str(p.get("order_id") or ""), str(p.get("cl_ord_id") or ""))
        if rec is None or not rec.is_open or rec.order is None:
            raise _Reply("EOrder:Unknown order")
        inst = rec.inst
        qty: Any = UNSET
        price: Any = UNSET
        trigger: Any = UNSET
        if p.get("order_qty") is not None:
            d = _dec(p["order_qty"], "order_qty")
            if d <= 0 or d % inst.size_increment.as_decimal():
                raise _Reply("EGeneral:Invalid arguments:order_qty")
            if d <= rec.cum_qty:
                raise _Reply("EOrder:Invalid order:order_qty is not above the filled quantity")
            qty = inst.make_qty(d, check_bounds=False)
        if p.get("limit_price") is not None:
            if rec.order_type not in _LIMITED:
                raise _Reply("EGeneral:Invalid arguments:limit_price")
            d = _dec(p["limit_price"], "limit_price")
            if d <= 0 or d % inst.price_increment.as_decimal():
                raise _Reply("EOrder:Invalid price")
            price = inst.make_price(d, check_bounds=False)
        if p.get("trigger_price") is not None:
            if rec.order_type not in _TRIGGERED:
                raise _Reply("EGeneral:Invalid arguments:trigger_price")
            trigger = inst.make_price(_dec(p["trigger_price"], "trigger_price"), check_bounds=False)
        if qty is UNSET and price is UNSET and trigger is UNSET:
            raise _Reply("EGeneral:Invalid arguments:nothing to amend")
        rec.rejection = ""
        rec.in_request = True
        try:
            account.venue.modify_order(rec.order, qty, price, trigger)
            self.market.settle()
        finally:
            rec.in_request = False
        if rec.rejection:
            raise _Reply(f"EOrder:Invalid order:{rec.rejection}")
        return {"amend_id": _txid("A", next(self._exec_ids)), "order_id": rec.order_id}

    # -- websockets ---------------------------------------------------------------------------
    async def serve(self, conn: FakeConnection) -> None:
        path = conn.path.split("?", 1)[0].rstrip("/")
        if path not in ("/v2", "/v2-auth"):
            await conn.ws.close(code=1008, reason="unknown path")
            return
        private = path == "/v2-auth"
        conn.kind = "user" if private else "market"
        conn.meta["connection_id"] = 10_000 + next(self._conn_ids)
        status = {
            "system": "online",
            "api_version": "v2",
            "connection_id": conn.meta["connection_id"],
            "version": "2.0.10",
        }
        conn.send(_dumps({"channel": "status", "type": "update", "data": [status]}))
        async for frame in conn.ws:
            self._on_frame(conn, private, frame)

    def _reply(
        self,
        conn: FakeConnection,
        method: str,
        req_id: Any,
        *,
        result: Any = None,
        error: str = "",
    ) -> None:
        now = _rfc3339(self.now_ns())
        payload: dict[str, Any] = {"method": method}
        if error:
            payload.update(success=False, error=error)
        else:
            payload.update(success=True)
            if result is not None:
                payload["result"] = result
        payload.update(time_in=now, time_out=now)
        if isinstance(req_id, int):
            payload["req_id"] = req_id
        conn.send(_dumps(payload))

    def _on_frame(self, conn: FakeConnection, private: bool, frame: Any) -> None:
        try:
            msg = json.loads(frame, parse_float=Decimal)
            method = msg["method"]
            params = msg.get("params") or {}
            req_id = msg.get("req_id")
            if not isinstance(method, str) or not isinstance(params, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            conn.send(_dumps({"error": "EGeneral:Invalid arguments", "success": False}))
            return
        if method == "ping":
            now = _rfc3339(self.now_ns())
            payload: dict[str, Any] = {"method": "pong", "time_in": now, "time_out": now}
            if isinstance(req_id, int):
                payload["req_id"] = req_id
            conn.send(_dumps(payload))
            return
        if method in ("subscribe", "unsubscribe"):
            self._subscription(conn, private, method, params, req_id)
            return
        if method not in ("add_order", "amend_order", "cancel_order", "cancel_all"):
            self._reply(conn, method, req_id, error="EGeneral:Invalid arguments:method")
            return
        if not private:
            self._reply(conn, method, req_id, error="EGeneral:Permission denied")
            return
        account = self._by_token.get(str(params.get("token", "")))
        if account is None:
            self._reply(conn, method, req_id, error="EAPI:Invalid token")
            return
        rejection = self.faults.take_rejection("WS", method)
        if rejection is not None:
            self._reply(conn, method, req_id, error=f"{rejection.code}:{rejection.message}")
            return
        self._held = []
        try:
            self._order_method(conn, account, method, params, req_id)
        finally:
            held, self._held = self._held, None
            for target, text in held:
                target.send(text)

    def _order_method(
        self,
        conn: FakeConnection,
        account: FakeKrakenAccount,
        method: str,
        params: Mapping[str, Any],
        req_id: Any,
    ) -> None:
        try:
            if method == "add_order":
                self._reply(conn, method, req_id, result=self._add_order(account, params))
            elif method == "amend_order":
                self._reply(conn, method, req_id, result=self._amend(account, params))
            elif method == "cancel_all":
                self._reply(conn, method, req_id, result={"count": self._cancel_all(account)})
            else:
                ids = [("order_id", str(i)) for i in params.get("order_id") or ()]
                ids += [("cl_ord_id", str(i)) for i in params.get("cl_ord_id") or ()]
                if not ids:
                    raise _Reply("EGeneral:Invalid arguments:order_id")
                for field, value in ids:
                    rec = (
                        account.find(order_id=value)
                        if field == "order_id"
                        else account.find(cl_ord_id=value)
                    )
                    if rec is None or not rec.is_open:
                        self._reply(conn, method, req_id, error="EOrder:Unknown order")
                        continue
                    self._cancel(rec)
                    self._reply(conn, method, req_id, result={field: value})
        except _Reply as reply:
            self._reply(conn, method, req_id, error=reply.error)

    def _subscription(
        self,
        conn: FakeConnection,
        private: bool,
        method: str,
        params: Mapping[str, Any],
        req_id: Any,
    ) -> None:
        channel = str(params.get("channel", ""))
        if channel == "executions":
            account = self._by_token.get(str(params.get("token", "")))
            if not private or account is None:
                self._reply(conn, method, req_id, error="EAPI:Invalid token")
                return
            conn.account = account
            if method == "unsubscribe":
                conn.subscriptions.discard("executions")
            else:
                conn.subscriptions.add("executions")
                if params.get("snap_orders", True):
                    rows = [
                        {**self._order_json(o), "exec_type": "new"} for o in account.open_orders()
                    ]
                    conn.send(
                        _dumps(
                            {
                                "channel": "executions",
                                "type": "snapshot",
                                "data": rows,
                                "sequence": 1,
                            }
                        )
                    )
                    conn.meta["sequence"] = 1
            self._reply(conn, method, req_id, result={"channel": "executions"})
            return
        if channel == "instrument":
            if method == "subscribe":
                conn.send(_dumps(self._instrument_message()))
            self._reply(conn, method, req_id, result={"channel": channel})
            return
        if channel not in ("book", "trade", "ticker"):
            self._reply(conn, method, req_id, error="EGeneral:Invalid arguments:channel")
            return
        symbols = params.get("symbol")
        if not isinstance(symbols, list) or not symbols:
            self._reply(conn, method, req_id, error="EGeneral:Invalid arguments:symbol")
            return
        depth = params.get("depth", 10)
        if channel == "book" and depth not in DEPTHS:
            self._reply(conn, method, req_id, error="EGeneral:Invalid arguments:depth")
            return
        for symbol in symbols:
            try:
                inst = self.instrument(symbol)
            except _Reply as reply:
                self._reply(conn, method, req_id, error=reply.error)
                continue
            key = f"{channel}:{inst.raw_symbol}"
            result: dict[str, Any] = {"channel": channel, "symbol": inst.raw_symbol}
            if method == "unsubscribe":
                if key not in conn.subscriptions:
                    self._reply(conn, method, req_id, error="Subscription Not Found")
                    continue
                conn.subscriptions.discard(key)
                conn.meta.get("books", {}).pop(str(inst.raw_symbol), None)
                self._reply(conn, method, req_id, result=result)
                continue
            if key in conn.subscriptions:
                self._reply(conn, method, req_id, error="Already subscribed")
                continue
            conn.subscriptions.add(key)
            snapshot = params.get("snapshot", True) is not False
            if channel == "book":
                result["depth"] = depth
            result["snapshot"] = snapshot
            self._reply(conn, method, req_id, result=result)
            if channel == "book":
                self._book_snapshot(conn, inst, int(depth))
            elif channel == "ticker" and snapshot:
                conn.send(
                    _dumps(
                        {"channel": "ticker", "type": "snapshot", "data": [self._ticker_data(inst)]}
                    )
                )
            elif channel == "trade" and snapshot:
                conn.send(_dumps({"channel": "trade", "type": "snapshot", "data": []}))

    def _instrument_message(self) -> dict[str, Any]:
        assets: dict[str, dict[str, Any]] = {}
        pairs = []
        for inst in self.instruments.values():
            base = inst.base_currency.code if inst.base_currency is not None else ""
            for code in (base, inst.quote_currency.code):
                assets[code] = {"id": code, "status": "enabled", "precision": 8}
            pairs.append(
                {
                    "symbol": inst.raw_symbol,
                    "base": base,
                    "quote": inst.quote_currency.code,
                    "status": "online",
                    "qty_precision": inst.size_precision,
                    "qty_increment": inst.size_increment,
                    "price_precision": inst.price_precision,
                    "price_increment": inst.price_increment,
                    "cost_precision": 5,
                    "qty_min": inst.min_quantity or inst.size_increment,
                    "marginable": False,
                    "has_index": True,
                }
            )
        data = {"assets": list(assets.values()), "pairs": pairs}
        return {"channel": "instrument", "type": "snapshot", "data": data}

    def malformed(self, frame: str) -> str:
        """A frame of the right envelope whose data does not decode (levels that are not
        lists), or half a frame."""
        if frame.startswith('{"channel":"book"'):
            return '{"channel":"book","type":"update","data":[{"symbol":7,"bids":"broken"}]}'
        if frame.startswith('{"channel":"executions"'):
            return '{"channel":"executions","type":"update","data":[{"exec_type":5}]}'
        return frame[: max(1, len(frame) // 2)]


_EXEC_STATUS: Final = {"pending": "pending_new", "open": "new", "closed": "filled"}


def _rejection(code: str, reason: str) -> str:
    """Kraken's error string for a simulated exchange's rejection."""
    if code == "INSUFFICIENT_BALANCE":
        return "EOrder:Insufficient funds"
    return f"EOrder:Invalid order:{reason}"


class KrakenHarness:
    """The adapter conformance harness of :class:`~lyra.adapters.kraken.KrakenVenue`
    against a running :class:`FakeKraken` (see :mod:`lyra.testing.conformance`).

    Every :meth:`make_venue` opens a new API key on the fake and resets ``BTC/USD`` to the
    standard book: bids 99.0 .. 95.0, asks 101.0 .. 105.0, last trade 100.
    """

    def __init__(self, fake: FakeKraken, *, timeout_s: float = 5.0) -> None:
        self.fake = fake
        inst = fake.instruments["BTC/USD"]
        self.instrument = inst
        self.instrument_id = inst.id
        self.name = "kraken-spot"
        self.quantity = inst.make_qty("0.1")
        self.resting_buy_price = inst.make_price("90")
        self.resting_sell_price = inst.make_price("110")
        self.modify_price = inst.make_price("91")
        self.modify_quantity = inst.make_qty("0.2")
        self.timeout_s = timeout_s
        self._keys = itertools.count(1)

    # -- venues ------------------------------------------------------------------------------
    def reset_book(self) -> None:
        """Cancel what earlier accounts left working and put the standard book back."""
        fake, iid = self.fake, self.instrument_id
        for account in fake.accounts.values():
            account.venue.cancel_all_orders(iid)
        fake.market.settle()
        fake.set_book(
            iid,
            bids=[(f"{99 - i}.0", "2") for i in range(5)],
            asks=[(f"{101 + i}.0", "2") for i in range(5)],
        )
        fake.trade(iid, "100.0", self.quantity, AggressorSide.NO_AGGRESSOR)

    def make_venue(self, bus: Any) -> Any:
        """A fresh adapter on a fresh account."""
        import base64

        from lyra.adapters.kraken.signing import KrakenCredentials
        from lyra.adapters.kraken.venue import KrakenVenue
        from lyra.adapters.ratelimit import Backoff

        n = next(self._keys)
        key = f"{self.name}-key-{n}"
        secret = base64.b64encode(f"{self.name}-secret-{n}".encode()).decode()
        self.fake.add_account(key, secret)
        self.reset_book()
        return KrakenVenue(
            bus,
            credentials=KrakenCredentials(key, secret),
            urls=self.fake.urls,
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
        """The fake's published book (the adapter subscribes at depth 100)."""
        return self.fake.book(self.instrument_id, 100)

    def venue_book(self, venue: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        """The adapter's synced book, once in sync."""
        sync = venue.book_sync(self.instrument_id)
        if sync is None or not sync.is_synced:
            return None
        from lyra.book import BUY, SELL

        book = sync.book
        out = []
        for side, count in ((BUY, book.bid_levels()), (SELL, book.ask_levels())):
            out.append(
                [(str(sync.price(p)), str(sync.size(s))) for p, s in book.depth(side, count)]
            )
        return out[0], out[1]

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
        mq = self.instrument.make_qty
        buy, sell = OrderSide.BUY, OrderSide.SELL
        ioc, gtd = TimeInForce.IOC, TimeInForce.GTD
        later = self.fake.now_ns() + 3600 * _NS
        return [
            OrderRecipe("LIMIT GTC", lambda f: f.limit(iid, buy, q, p("90")), "rest"),
            OrderRecipe(
                "LIMIT GTD",
                lambda f: f.limit(iid, buy, q, p("90"), time_in_force=gtd, expire_time_ns=later),
                "rest",
            ),
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
            OrderRecipe(
                "LIMIT iceberg (display_qty)",
                lambda f: f.limit(iid, sell, mq("1.5"), p("110"), display_qty=q),
                "rest",
            ),
            OrderRecipe("MARKET BUY", lambda f: f.market(iid, buy, q), "fill"),
            OrderRecipe("MARKET SELL", lambda f: f.market(iid, sell, q), "fill"),
            OrderRecipe(
                "STOP_MARKET (stop-loss)", lambda f: f.stop_market(iid, sell, q, p("95")), "rest"
            ),
            OrderRecipe(
                "STOP_LIMIT (stop-loss-limit)",
                lambda f: f.stop_limit(iid, sell, q, p("94"), p("95")),
                "rest",
            ),
            OrderRecipe(
                "MARKET_IF_TOUCHED (take-profit)",
                lambda f: f.market_if_touched(iid, sell, q, p("105")),
                "rest",
            ),
            OrderRecipe(
                "LIMIT_IF_TOUCHED (take-profit-limit)",
                lambda f: f.limit_if_touched(iid, sell, q, p("106"), p("105")),
                "rest",
            ),
            OrderRecipe(
                "TRAILING_STOP_MARKET (trailing-stop, pct)",
                lambda f: f.trailing_stop_market(
                    iid,
                    sell,
                    q,
                    trailing_offset=Decimal(100),
                    trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                ),
                "rest",
            ),
            OrderRecipe(
                "LIMIT too small (order minimum)",
                lambda f: f.limit(iid, buy, mq("0.00001", check_bounds=False), p("90")),
                "reject",
                "INVALID_ORDER",
            ),
        ]

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
        """None: Kraken spot has no native OCO, and its conditional close (one close order
        per fill of the entry) is not a Lyra OTO."""
        return []

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
        """Skip the next ``book`` update of ``BTC/USD`` (Kraken has no sequence numbers:
        the next checksum cannot match)."""
        self.fake.faults.skip_sequence(str(self.instrument.raw_symbol))

    def malformed(self) -> None:
        """Break the next public frame."""
        self.fake.faults.malformed_frame("market")

    def delay_user(self, seconds: float) -> None:
        """Hold the next private frame."""
        self.fake.faults.delay(seconds, "user")

    def rejection(self) -> tuple[str, int | str, str, str]:
        """An insufficient-funds refusal of the next websocket ``add_order``."""
        return ("WS add_order", "EOrder", "Insufficient funds", "INSUFFICIENT_BALANCE")

    def reject_next(self, endpoint: str, code: int | str, message: str) -> None:
        """Answer the next request to ``endpoint`` with that error."""
        self.fake.faults.reject_next(endpoint, code, message)

    def __repr__(self) -> str:
        return f"KrakenHarness({self.name})"
