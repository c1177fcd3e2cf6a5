""":class:`FakeBinance`: Binance spot and USD-M futures on localhost, backed by Lyra's
simulated exchange.

It serves Binance's REST API and websocket protocol closely enough that a Binance client --
:class:`~lyra.adapters.binance.BinanceSpot`, :class:`~lyra.adapters.binance.BinanceFutures`,
or one of your own -- trades against it as against the venue:

* **REST** (``http_url``): ``/api/v3/...`` and ``/fapi/v1|v2/...`` -- time, exchangeInfo
  (built from the instruments: tick, step, min/max quantity and price, notional),
  depth snapshots, new/cancel/query orders, cancel-all, the spot amend
  (``order/amend/keepPriority``) and order lists (``orderList/oco|oto|otoco``), futures
  modify, open/all orders, trades, account, balances, positions, listen keys.
* **Signatures are verified as Binance does**: HMAC-SHA256 (hex, either case) or Ed25519
  (base64) over the query string followed by the body; ``timestamp``/``recvWindow`` rules
  (``-1021``), key header (``-2014``/``-2015``), signature (``-1022``).
* **Filters and limits**: ``PRICE_FILTER``, ``LOT_SIZE``, ``MARKET_LOT_SIZE``,
  ``NOTIONAL``/``MIN_NOTIONAL``, ``ICEBERG_PARTS`` (``-1013 Filter failure: ...``), request
  weight per minute per IP (``-1003``, HTTP 429 with ``Retry-After``) and new orders per
  10 seconds per account (``-1015``), with ``X-MBX-USED-WEIGHT-1M`` headers.
* **Streams** (``ws_url``): combined streams with ``SUBSCRIBE``/``UNSUBSCRIBE``
  (``/stream``; futures on the 2026 routes ``/public/stream`` for ``@depth``/``@bookTicker``
  and ``/market/stream`` for ``@aggTrade``/``@kline``): ``depthUpdate`` diffs with
  ``U``/``u`` (and ``pu`` on futures) that a snapshot-and-diff client can sync,
  ``trade``/``aggTrade``, ``bookTicker``, klines on request (:meth:`publish_kline`).
* **User data**: spot over the websocket API (``/ws-api/v3``,
  ``userDataStream.subscribe.signature``) with ``executionReport``, ``listStatus`` and
  ``outboundAccountPosition``; futures over ``/private/ws/<listenKey>`` with
  ``ORDER_TRADE_UPDATE`` and ``ACCOUNT_UPDATE``.

The market is moved by hand: :meth:`FakeBinance.set_book` places the book's resting
liquidity, :meth:`FakeBinance.trade` prints a trade through the book,
:meth:`FakeBinance.liquidity_order` sends an order for "the rest of the market". Faults are
injected through :attr:`FakeBinance.faults` (:class:`~lyra.testing.Faults`).

Known simplifications: one-way futures positions only; futures conditional orders (the
Algo service) are refused with ``-4120`` as Binance now does on ``/fapi/v1/order``; spot
trailing ``STOP_LOSS_LIMIT``/``TAKE_PROFIT_LIMIT`` orders are refused; ``PERCENT_PRICE``
and self-trade prevention modes are not enforced; depth updates are sent as they happen
rather than every 100 ms.
"""

from __future__ import annotations

import itertools
import json
import secrets as _random
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lyra.adapters.binance.signing import verify, ws_api_payload
from lyra.adapters.binance.urls import FuturesUrls, SpotUrls
from lyra.adapters.ratelimit import RateWindow, WeightLimiter
from lyra.adapters.secrets import Secret
from lyra.clock import Clock
from lyra.errors import InvalidInput
from lyra.model.enums import (
    AccountType,
    AggressorSide,
    ContingencyType,
    LiquiditySide,
    OrderSide,
    OrderStatus,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from lyra.model.identifiers import ClientOrderId, InstrumentId
from lyra.model.instruments import CurrencyPair, Instrument, PerpetualSwap
from lyra.model.values import Money, Price, Quantity
from lyra.orders.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.lists import ReleasePolicy
from lyra.orders.order import Order
from lyra.sim.exchange import SimulatedVenue
from lyra.testing.fake_server import FakeConnection, FakeMarket, FakeVenueServer

__all__ = (
    "BinanceHarness",
    "FakeBinance",
    "FakeBinanceAccount",
    "FakeBinanceOrder",
    "ed25519_public_key",
)

_MS: Final = 1_000_000
_CID_OK: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_SIDE: Final = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
_SIDE_NAME: Final = {OrderSide.BUY: "BUY", OrderSide.SELL: "SELL"}
_TIF: Final = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_SPOT_TYPES: Final = frozenset(
    {
        "LIMIT",
        "LIMIT_MAKER",
        "MARKET",
        "STOP_LOSS",
        "STOP_LOSS_LIMIT",
        "TAKE_PROFIT",
        "TAKE_PROFIT_LIMIT",
    }
)
_OCO_LEG_TYPES: Final = frozenset(
    {"STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"}
)
_ALGO_TYPES: Final = frozenset(
    {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
)
_OPEN: Final = frozenset({"NEW", "PARTIALLY_FILLED", "PENDING_NEW"})
_TEN_S: Final = 10.0
# Binance's code for a GTD time too early is not confirmed by its public docs; this one is
# the fake's choice (an INVALID_ORDER-class -4xxx code).
_GTD_TOO_EARLY: Final = -4129


class _Reply(Exception):
    """An error answer (private): ``code``/``msg`` as Binance writes them."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def _dec(value: str, name: str) -> Decimal:
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise _Reply(-1100, f"Illegal characters found in parameter '{name}'.") from None
    if not d.is_finite():
        raise _Reply(-1100, f"Illegal characters found in parameter '{name}'.")
    return d


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _fmt(d: Decimal | Price | Quantity | Money, places: int = 8) -> str:
    if not isinstance(d, Decimal):
        d = d.as_decimal()
    return f"{d:.{places}f}"


class FakeBinanceAccount:
    """One API key of a :class:`FakeBinance` and the simulated account behind it."""

    def __init__(
        self,
        api_key: str,
        secret: Secret | None,
        public_pem: str | None,
        futures: bool,
        venue: SimulatedVenue,
    ) -> None:
        self.api_key = api_key
        self._secret = secret
        self.public_pem = public_pem
        self.futures = futures
        self.venue = venue
        self.account_id = venue.account_id
        self.listen_key: str | None = None
        self.orders: dict[int, FakeBinanceOrder] = {}
        self.trades: list[dict[str, Any]] = []
        self.position: dict[str, tuple[Decimal, Decimal]] = {}
        self.order_limiter = WeightLimiter([RateWindow("ORDERS", 100, _TEN_S)])

    def verify(self, payload: bytes, signature: str) -> bool:
        """Check a signature as Binance does for this key."""
        if self._secret is not None:
            return verify(payload, signature, hmac_secret=self._secret)
        return verify(payload, signature, ed25519_public_pem=self.public_pem)

    def open_orders(self, symbol: str | None = None) -> list[FakeBinanceOrder]:
        """The account's open orders (of one symbol), oldest first."""
        return [
            o
            for o in self.orders.values()
            if o.status in _OPEN and (symbol is None or o.symbol == symbol)
        ]

    def find(self, order_id: str | None, client_order_id: str | None) -> FakeBinanceOrder | None:
        """An order by Binance id or by client id (open ones first for client ids)."""
        if order_id:
            try:
                return self.orders.get(int(order_id))
            except ValueError:
                return None
        if client_order_id:
            found = [o for o in self.orders.values() if o.client_order_id == client_order_id]
            open_ = [o for o in found if o.status in _OPEN]
            pick = open_ or found
            return pick[-1] if pick else None
        return None

    def __repr__(self) -> str:
        kind = "futures" if self.futures else "spot"
        return f"FakeBinanceAccount({self.account_id}, {kind}, {len(self.orders)} orders)"


class FakeBinanceOrder:
    """An order as FakeBinance keeps it: Binance's view (ids, type, status, cumulative
    amounts) beside the simulated order that carries it."""

    def __init__(
        self,
        order_id: int,
        client_order_id: str,
        account: FakeBinanceAccount,
        symbol: str,
        side: str,
        binance_type: str,
        tif: str,
        quantity: Decimal,
        price: Decimal,
        stop_price: Decimal,
        now_ms: int,
    ) -> None:
        self.order_id = order_id
        self.client_order_id = client_order_id
        self.account = account
        self.symbol = symbol
        self.side = side
        self.type = binance_type
        self.tif = tif
        self.quantity = quantity
        self.price = price
        self.stop_price = stop_price
        self.iceberg = Decimal(0)
        self.trailing_delta: int | None = None
        self.reduce_only = False
        self.good_till_date = 0
        self.status = "NEW"
        self.cum_qty = Decimal(0)
        self.cum_quote = Decimal(0)
        self.created_ms = now_ms
        self.updated_ms = now_ms
        self.working_ms: int | None = None
        self.order: Order | None = None
        self.order_list_id = -1
        self.contingency = ""
        self.list_client_id = ""
        self.pending_release: list[FakeBinanceOrder] = []
        self.pending_oco = False
        self.in_request = False
        self.rejection: str = ""
        self.rejection_code: str = ""
        self.cancel_requested = False
        self.request_fills: list[dict[str, Any]] = []

    @property
    def is_open(self) -> bool:
        """Whether the order is still working (or pending in a list)."""
        return self.status in _OPEN

    def __repr__(self) -> str:
        return (
            f"FakeBinanceOrder({self.order_id}, {self.client_order_id}, {self.symbol} "
            f"{self.side} {self.type} {self.quantity} @ {self.price}, {self.status})"
        )


class _Side:
    """One Binance market (spot or USD-M) inside the fake (private)."""

    def __init__(self, server: FakeBinance, market: FakeMarket, futures: bool) -> None:
        self.server = server
        self.market = market
        self.futures = futures
        self.symbols: dict[str, Instrument] = {i.raw_symbol: i for i in market.instruments.values()}
        self.accounts: dict[str, FakeBinanceAccount] = {}
        self.by_internal: dict[str, FakeBinanceOrder] = {}
        self.order_ids = itertools.count(1_000_001)
        self.list_ids = itertools.count(1)
        self.trade_ids: dict[str, itertools.count[int]] = {
            s: itertools.count(1) for s in self.symbols
        }
        self.book_ids: dict[str, int] = {s: 1000 for s in self.symbols}
        self.last_top: dict[str, tuple[Any, Any]] = {}
        self.pending_taker: dict[str, list[Any]] = {}
        self.subscribers: dict[str, set[FakeConnection]] = {}
        self.dirty: set[FakeBinanceAccount] = set()
        self.agg_ids = itertools.count(1)
        market.on_event = self.on_event
        market.on_book = self.on_book

    # -- helpers --------------------------------------------------------------------------
    def now_ms(self) -> int:
        return self.market.clock.timestamp_ns() // _MS

    def instrument(self, symbol: str | None) -> Instrument:
        if not symbol:
            raise _Reply(
                -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
            )
        found = self.symbols.get(symbol)
        if found is None:
            raise _Reply(-1121, "Invalid symbol.")
        return found

    def publish(self, stream: str, payload: dict[str, Any]) -> None:
        conns = self.subscribers.get(stream)
        if not conns:
            return
        data = json.dumps(payload, separators=(",", ":"))
        combined = None
        for conn in tuple(conns):
            if conn.meta.get("combined", True):
                if combined is None:
                    combined = f'{{"stream":"{stream}","data":{data}}}'
                conn.send(combined)
            else:
                conn.send(data)

    def user_send(self, account: FakeBinanceAccount, event: dict[str, Any]) -> None:
        for conn in self.server.connections_of("user"):
            if conn.account is not account:
                continue
            if self.futures:
                conn.send(json.dumps(event, separators=(",", ":")))
            else:
                sid = conn.meta.get("subscription_id", 0)
                conn.send(
                    json.dumps({"subscriptionId": sid, "event": event}, separators=(",", ":"))
                )

    # -- events from the simulated exchange ------------------------------------------------------
    def on_event(self, event: OrderEvent) -> None:
        rec = self.by_internal.get(event.client_order_id)
        if isinstance(event, OrderFilled):
            self.on_fill(event, rec)
        if rec is None:
            return
        now = event.ts_event // _MS or self.now_ms()
        if isinstance(event, (OrderRejected, OrderDenied)):
            rec.status = "REJECTED"
            rec.rejection = event.reason
            rec.rejection_code = str(event.code)
            rec.updated_ms = now
            if not rec.in_request:
                self.report(rec, "REJECTED", reject_reason=event.reason)
            return
        if isinstance(event, OrderAccepted):
            if rec.status == "PENDING_NEW" or (rec.working_ms is None):
                rec.status = "NEW" if rec.status in ("NEW", "PENDING_NEW") else rec.status
                rec.working_ms = now
                rec.updated_ms = now
                self.report(rec, "NEW")
            return
        if isinstance(event, OrderTriggered):
            rec.updated_ms = now
            if rec.order_list_id != -1 and not self.futures:
                self.cancel_siblings(rec)
            return
        if isinstance(event, OrderUpdated):
            order = event
            rec.quantity = order.quantity.as_decimal()
            if order.price is not None:
                rec.price = order.price.as_decimal()
            rec.updated_ms = now
            self.report(rec, "AMENDMENT" if self.futures else "REPLACED")
            return
        if isinstance(event, (OrderCanceled, OrderExpired)):
            if rec.status not in _OPEN:
                return
            requested = rec.cancel_requested
            ioc = rec.type == "MARKET" or rec.tif in ("IOC", "FOK")
            if isinstance(event, OrderExpired) or ioc or not requested:
                rec.status = "EXPIRED"
            else:
                rec.status = "CANCELED"
            rec.updated_ms = now
            self.report(rec, rec.status)
            self.dirty.add(rec.account)
            for child in rec.pending_release:
                if child.status == "PENDING_NEW":
                    child.status = "EXPIRED"
                    child.updated_ms = now
                    self.report(child, "EXPIRED")
            self.list_done(rec)

    def on_fill(self, event: OrderFilled, rec: FakeBinanceOrder | None) -> None:
        inst = self.market.instruments[event.instrument_id]
        symbol = inst.raw_symbol
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        pending = self.pending_taker.setdefault(symbol, [])
        tid = 0
        if event.liquidity_side is LiquiditySide.TAKER:
            tid = next(self.trade_ids[symbol])
            pending.append([tid, px, qty])
            side = OrderSide.BUY if (rec is None or rec.side == "BUY") else OrderSide.SELL
            if rec is None and event.order_side is not None:
                side = event.order_side
            self.publish_trade(
                symbol,
                tid,
                px,
                qty,
                buyer_is_maker=side is OrderSide.SELL,
                ts_ms=event.ts_event // _MS,
            )
        else:
            for entry in pending:
                if entry[1] == px and entry[2] >= qty:
                    tid = entry[0]
                    entry[2] -= qty
                    break
            pending[:] = [e for e in pending if e[2] > 0]
            if not tid:
                tid = next(self.trade_ids[symbol])
        if rec is None:
            return
        rec.cum_qty += qty
        rec.cum_quote += qty * px
        rec.status = "FILLED" if rec.cum_qty >= rec.quantity else "PARTIALLY_FILLED"
        now = event.ts_event // _MS
        rec.updated_ms = now
        fee = event.commission
        maker = event.liquidity_side is LiquiditySide.MAKER
        trade = {
            "symbol": symbol,
            "id": tid,
            "orderId": rec.order_id,
            "orderListId": rec.order_list_id,
            "price": _fmt(px),
            "qty": _fmt(qty),
            "quoteQty": _fmt(px * qty),
            "commission": _fmt(fee.as_decimal()),
            "commissionAsset": fee.currency.code,
            "time": now,
            "isBuyer": rec.side == "BUY",
            "isMaker": maker,
            "isBestMatch": True,
            "side": rec.side,
            "buyer": rec.side == "BUY",
            "maker": maker,
            "realizedPnl": "0",
            "positionSide": "BOTH",
        }
        rec.account.trades.append(trade)
        if rec.in_request:
            rec.request_fills.append(
                {
                    "price": _fmt(px),
                    "qty": _fmt(qty),
                    "commission": _fmt(fee.as_decimal()),
                    "commissionAsset": fee.currency.code,
                    "tradeId": tid,
                }
            )
        if self.futures:
            self.move_position(rec.account, symbol, qty if rec.side == "BUY" else -qty, px)
        self.report(
            rec,
            "TRADE",
            last_qty=qty,
            last_px=px,
            trade_id=tid,
            commission=fee,
            maker=maker,
        )
        self.dirty.add(rec.account)
        if rec.status == "FILLED":
            self.release(rec)
            self.list_done(rec)

    def move_position(
        self, account: FakeBinanceAccount, symbol: str, delta: Decimal, px: Decimal
    ) -> None:
        qty, entry = account.position.get(symbol, (Decimal(0), Decimal(0)))
        new = qty + delta
        if qty == 0 or (qty > 0) == (delta > 0):
            entry = (abs(qty) * entry + abs(delta) * px) / abs(new) if new else Decimal(0)
        elif new == 0:
            entry = Decimal(0)
        elif (new > 0) != (qty > 0):
            entry = px
        account.position[symbol] = (new, entry)

    # -- order lists -------------------------------------------------------------------------
    def release(self, rec: FakeBinanceOrder) -> None:
        """A working OTO order filled: place its pending orders."""
        children = [c for c in rec.pending_release if c.status == "PENDING_NEW"]
        rec.pending_release = []
        if not children:
            return
        orders = []
        for child in children:
            child.status = "NEW"
            child.working_ms = None
            assert child.order is not None
            orders.append(child.order)
        venue = rec.account.venue
        if len(orders) == 2 and children[0].pending_oco:
            venue.submit_order_list(self.market.factory.oco(orders))
        else:
            for order in orders:
                venue.submit_order(order)

    def cancel_siblings(self, rec: FakeBinanceOrder) -> None:
        """An OCO leg triggered: Binance cancels the other leg then, not at the first fill."""
        working = (OrderStatus.ACCEPTED, OrderStatus.TRIGGERED)
        for other in rec.account.orders.values():
            if (
                other is rec
                or other.order_list_id != rec.order_list_id
                or not other.is_open
                or other.status == "PENDING_NEW"
                or other.pending_release  # an OTO's working order is not a sibling
                or other.order is None
            ):
                continue
            if other.order.status in working:
                rec.account.venue.cancel_order(other.order)

    def list_done(self, rec: FakeBinanceOrder) -> None:
        if rec.order_list_id == -1:
            return
        members = [o for o in rec.account.orders.values() if o.order_list_id == rec.order_list_id]
        if any(o.is_open for o in members):
            return
        self.list_status(members, "ALL_DONE", "ALL_DONE")

    def list_status(self, members: list[FakeBinanceOrder], kind: str, status: str) -> None:
        first = members[0]
        now = self.now_ms()
        self.spot_user_event(
            first.account,
            {
                "e": "listStatus",
                "E": now,
                "s": first.symbol,
                "g": first.order_list_id,
                "c": first.contingency,
                "l": kind,
                "L": status,
                "r": "NONE",
                "C": first.list_client_id,
                "T": now,
                "O": [{"s": o.symbol, "i": o.order_id, "c": o.client_order_id} for o in members],
            },
        )

    def spot_user_event(self, account: FakeBinanceAccount, event: dict[str, Any]) -> None:
        if not self.futures:
            self.user_send(account, event)

    # -- outgoing user events ------------------------------------------------------------------
    def report(
        self,
        rec: FakeBinanceOrder,
        execution: str,
        *,
        last_qty: Decimal = Decimal(0),
        last_px: Decimal = Decimal(0),
        trade_id: int = -1,
        commission: Money | None = None,
        maker: bool = False,
        reject_reason: str = "NONE",
    ) -> None:
        now = self.now_ms()
        status = rec.status
        if execution == "NEW" and status == "PENDING_NEW":
            status = "PENDING_NEW"
        if self.futures:
            avg = rec.cum_quote / rec.cum_qty if rec.cum_qty else Decimal(0)
            self.user_send(
                rec.account,
                {
                    "e": "ORDER_TRADE_UPDATE",
                    "E": now,
                    "T": rec.updated_ms,
                    "o": {
                        "s": rec.symbol,
                        "c": rec.client_order_id,
                        "S": rec.side,
                        "o": rec.type,
                        "f": rec.tif,
                        "q": _fmt(rec.quantity),
                        "p": _fmt(rec.price),
                        "ap": _fmt(avg),
                        "sp": "0",
                        "x": execution,
                        "X": status,
                        "i": rec.order_id,
                        "l": _fmt(last_qty),
                        "z": _fmt(rec.cum_qty),
                        "L": _fmt(last_px),
                        "N": commission.currency.code if commission is not None else None,
                        "n": _fmt(commission.as_decimal()) if commission is not None else "0",
                        "T": rec.updated_ms,
                        "t": trade_id if trade_id > 0 else 0,
                        "b": "0",
                        "a": "0",
                        "m": maker,
                        "R": rec.reduce_only,
                        "wt": "CONTRACT_PRICE",
                        "ot": rec.type,
                        "ps": "BOTH",
                        "cp": False,
                        "rp": "0",
                        "pP": False,
                        "si": 0,
                        "ss": 0,
                        "V": "NONE",
                        "pm": "NONE",
                        "gtd": rec.good_till_date,
                    },
                },
            )
            return
        payload: dict[str, Any] = {
            "e": "executionReport",
            "E": now,
            "s": rec.symbol,
            "c": rec.client_order_id,
            "S": rec.side,
            "o": rec.type,
            "f": rec.tif,
            "q": _fmt(rec.quantity),
            "p": _fmt(rec.price),
            "P": _fmt(rec.stop_price),
            "F": _fmt(rec.iceberg),
            "g": rec.order_list_id,
            "C": rec.client_order_id if execution == "CANCELED" else "",
            "x": execution,
            "X": status,
            "r": reject_reason if execution == "REJECTED" else "NONE",
            "i": rec.order_id,
            "l": _fmt(last_qty),
            "z": _fmt(rec.cum_qty),
            "L": _fmt(last_px),
            "n": _fmt(commission.as_decimal()) if commission is not None else "0",
            "N": commission.currency.code if commission is not None else None,
            "T": rec.updated_ms,
            "t": trade_id,
            "I": 0,
            "w": status in ("NEW", "PARTIALLY_FILLED")
            and rec.type not in ("STOP_LOSS", "TAKE_PROFIT"),
            "m": maker,
            "M": False,
            "O": rec.created_ms,
            "Z": _fmt(rec.cum_quote),
            "Y": _fmt(last_qty * last_px),
            "Q": "0.00000000",
            "V": "NONE",
        }
        if execution == "CANCELED":
            payload["c"] = f"cancel{rec.order_id}"
        if rec.trailing_delta is not None:
            payload["d"] = rec.trailing_delta
        if rec.working_ms is not None:
            payload["W"] = rec.working_ms
        self.user_send(rec.account, payload)

    def flush_accounts(self) -> None:
        dirty, self.dirty = self.dirty, set()
        for account in dirty:
            now = self.now_ms()
            balances = account.venue.account.balances()
            if self.futures:
                b = [
                    {
                        "a": cur.code,
                        "wb": _fmt(bal.total.as_decimal()),
                        "cw": _fmt(bal.total.as_decimal()),
                        "bc": "0",
                    }
                    for cur, bal in balances.items()
                ]
                positions = [
                    {
                        "s": s,
                        "pa": _fmt(q, 3),
                        "ep": _fmt(e),
                        "cr": "0",
                        "up": "0",
                        "mt": "cross",
                        "iw": "0",
                        "ps": "BOTH",
                    }
                    for s, (q, e) in account.position.items()
                ]
                self.user_send(
                    account,
                    {
                        "e": "ACCOUNT_UPDATE",
                        "E": now,
                        "T": now,
                        "a": {"m": "ORDER", "B": b, "P": positions},
                    },
                )
            else:
                b = [
                    {
                        "a": cur.code,
                        "f": _fmt(bal.free.as_decimal()),
                        "l": _fmt(bal.locked.as_decimal()),
                    }
                    for cur, bal in sorted(balances.items(), key=lambda kv: kv[0].code)
                ]
                self.user_send(
                    account, {"e": "outboundAccountPosition", "E": now, "u": now, "B": b}
                )

    # -- market data ------------------------------------------------------------------------
    def on_book(self, iid: InstrumentId, changes: list[tuple[int, Price, Quantity]]) -> None:
        inst = self.market.instruments[iid]
        symbol = inst.raw_symbol
        prev = self.book_ids[symbol]
        # USD-M ranges overlap by one id so that a snapshot at the last ``u`` lies within
        # the next update's [U, u], as Binance's futures sync rule expects
        first = prev if self.futures else prev + 1
        last = prev + len(changes)
        self.book_ids[symbol] = last
        self.flush_accounts()
        if self.server.faults.take_skip(symbol):
            return
        now = self.now_ms()
        bids = [[str(p), str(q)] for side, p, q in changes if side == 1]
        asks = [[str(p), str(q)] for side, p, q in changes if side == 2]
        msg: dict[str, Any] = {"e": "depthUpdate", "E": now}
        if self.futures:
            msg["T"] = now
        msg.update({"s": symbol, "U": first, "u": last})
        if self.futures:
            msg["pu"] = prev
        msg.update({"b": bids, "a": asks})
        low = symbol.lower()
        for stream in (
            f"{low}@depth@100ms",
            f"{low}@depth",
            f"{low}@depth@500ms",
            f"{low}@depth@250ms",
        ):
            self.publish(stream, msg)
        self.publish_ticker(iid)

    def publish_ticker(self, iid: InstrumentId) -> None:
        inst = self.market.instruments[iid]
        symbol = inst.raw_symbol
        bids, asks = self.market.displayed(iid)
        top = (bids[0] if bids else None, asks[0] if asks else None)
        if self.last_top.get(symbol) == top:
            return
        self.last_top[symbol] = top
        zero_p, zero_q = "0", "0"
        msg: dict[str, Any] = {}
        if self.futures:
            now = self.now_ms()
            msg.update({"e": "bookTicker", "u": self.book_ids[symbol], "E": now, "T": now})
        else:
            msg["u"] = self.book_ids[symbol]
        msg.update(
            {
                "s": symbol,
                "b": str(top[0][0]) if top[0] else zero_p,
                "B": str(top[0][1]) if top[0] else zero_q,
                "a": str(top[1][0]) if top[1] else zero_p,
                "A": str(top[1][1]) if top[1] else zero_q,
            }
        )
        self.publish(f"{symbol.lower()}@bookTicker", msg)

    def publish_trade(
        self, symbol: str, tid: int, px: Decimal, qty: Decimal, *, buyer_is_maker: bool, ts_ms: int
    ) -> None:
        now = self.now_ms()
        low = symbol.lower()
        self.publish(
            f"{low}@trade",
            {
                "e": "trade",
                "E": now,
                "s": symbol,
                "t": tid,
                "p": _fmt(px),
                "q": _fmt(qty),
                "T": ts_ms,
                "m": buyer_is_maker,
                "M": True,
            },
        )
        self.publish(
            f"{low}@aggTrade",
            {
                "e": "aggTrade",
                "E": now,
                "a": next(self.agg_ids),
                "s": symbol,
                "p": _fmt(px),
                "q": _fmt(qty),
                "f": tid,
                "l": tid,
                "T": ts_ms,
                "m": buyer_is_maker,
            },
        )

    def depth_snapshot(self, symbol: str, limit: int) -> dict[str, Any]:
        inst = self.instrument(symbol)
        bids, asks = self.market.displayed(inst.id)
        now = self.now_ms()
        out: dict[str, Any] = {"lastUpdateId": self.book_ids[symbol]}
        if self.futures:
            out.update({"E": now, "T": now})
        out["bids"] = [[str(p), str(q)] for p, q in bids[:limit]]
        out["asks"] = [[str(p), str(q)] for p, q in asks[:limit]]
        return out


class FakeBinance(FakeVenueServer):
    """Binance on localhost; see the module docs.

    Args:
        instruments: what it trades: :class:`~lyra.model.CurrencyPair` values become spot
            symbols (venue ``spot_venue``), :class:`~lyra.model.PerpetualSwap` values USD-M
            symbols (venue ``futures_venue``). Default: :meth:`default_instruments`.
        clock: the exchange's clock (default: a :class:`~lyra.clock.LiveClock`).
        request_weight_per_minute: the REQUEST_WEIGHT limit per IP (exchangeInfo shows it).
        orders_per_10s: the ORDERS limit per account.
        symbol_flags: per-symbol overrides of exchangeInfo flags
            (``{"BTCUSDT": {"amendAllowed": False}}``).
        tick_s: how often time-driven events (GTD expiry) are processed.
    """

    def __init__(
        self,
        instruments: Sequence[Instrument] | None = None,
        *,
        clock: Clock | None = None,
        request_weight_per_minute: int = 6000,
        orders_per_10s: int = 100,
        symbol_flags: Mapping[str, Mapping[str, Any]] | None = None,
        tick_s: float = 0.02,
    ) -> None:
        super().__init__(clock=clock, tick_s=tick_s)
        given = list(instruments) if instruments is not None else self.default_instruments()
        spot = [i for i in given if isinstance(i, CurrencyPair)]
        futures = [i for i in given if isinstance(i, PerpetualSwap)]
        other = [i for i in given if not isinstance(i, (CurrencyPair, PerpetualSwap))]
        if other:
            raise InvalidInput(
                "instruments", "must be CurrencyPair or PerpetualSwap values", other[0].id
            )
        self.spot: _Side | None = None
        self.futures: _Side | None = None
        if spot:
            market = FakeMarket(spot[0].venue, spot, clock=self.clock)
            self.markets.append(market)
            self.spot = _Side(self, market, futures=False)
        if futures:
            market = FakeMarket(
                futures[0].venue, futures, clock=self.clock, account_type=AccountType.MARGIN
            )
            self.markets.append(market)
            self.futures = _Side(self, market, futures=True)
        self.weight_limit = request_weight_per_minute
        self.orders_per_10s = orders_per_10s
        self.symbol_flags = {k: dict(v) for k, v in (symbol_flags or {}).items()}
        self._ip_limits: dict[str, WeightLimiter] = {}

    @staticmethod
    def default_instruments() -> list[Instrument]:
        """``BTCUSDT.BINANCE`` (spot: tick 0.01, step 0.00001, min notional 5 USDT) and
        ``BTCUSDT.BINANCE_FUTURES`` (perpetual: tick 0.1, step 0.001, min notional 5)."""
        return [
            CurrencyPair.simple(
                "BTCUSDT.BINANCE",
                price_increment="0.01",
                size_increment="0.00001",
                min_quantity="0.00001",
                max_quantity="9000",
                min_notional="5 USDT",
                maker_fee="0.001",
                taker_fee="0.001",
            ),
            PerpetualSwap.simple(
                "BTCUSDT.BINANCE_FUTURES",
                price_increment="0.1",
                size_increment="0.001",
                min_quantity="0.001",
                max_quantity="1000",
                min_notional="5 USDT",
                maker_fee="0.0002",
                taker_fee="0.0005",
            ),
        ]

    # -- urls ------------------------------------------------------------------------------
    @property
    def spot_urls(self) -> SpotUrls:
        """The spot URLs to give :class:`~lyra.adapters.binance.BinanceSpot`."""
        return SpotUrls(rest=self.http_url, streams=self.ws_url, ws_api=f"{self.ws_url}/ws-api/v3")

    @property
    def futures_urls(self) -> FuturesUrls:
        """The USD-M URLs to give :class:`~lyra.adapters.binance.BinanceFutures`."""
        ws = self.ws_url
        return FuturesUrls(
            rest=self.http_url,
            ws_public=f"{ws}/public",
            ws_market=f"{ws}/market",
            ws_private=f"{ws}/private",
        )

    # -- accounts ------------------------------------------------------------------------------
    def add_account(
        self,
        api_key: str,
        api_secret: str | Secret | None = None,
        *,
        futures: bool = False,
        balances: Iterable[Money | str] | None = None,
        ed25519_public_key: str | None = None,
    ) -> FakeBinanceAccount:
        """Register an API key: an HMAC ``api_secret``, or an Ed25519 public key (PEM).

        ``balances`` are the account's opening balances (``Money`` or ``"1000 USDT"``);
        default 1,000,000 of each quote currency and 100 of each base currency.
        """
        side = self._side(futures)
        if api_key in side.accounts:
            raise InvalidInput("api_key", "is already registered", "***")
        if (api_secret is None) == (ed25519_public_key is None):
            raise InvalidInput(
                "api_secret", "give exactly one of api_secret and ed25519_public_key"
            )
        if balances is None:
            amounts: dict[str, Money] = {}
            for inst in side.market.instruments.values():
                quote = inst.quote_currency
                amounts[quote.code] = Money("1000000", quote)
                base = inst.base_currency
                if base is not None and not futures:
                    amounts.setdefault(base.code, Money("100", base))
            given = list(amounts.values())
        else:
            given = [b if isinstance(b, Money) else Money.from_str(b) for b in balances]
        n = len(side.accounts) + 1
        venue = side.market.add_account(f"{side.market.venue}-{n:03d}", given)
        secret = None if api_secret is None else Secret(api_secret)
        account = FakeBinanceAccount(api_key, secret, ed25519_public_key, futures, venue)
        account.order_limiter = WeightLimiter([RateWindow("ORDERS", self.orders_per_10s, _TEN_S)])
        side.accounts[api_key] = account
        return account

    def _side(self, futures: bool) -> _Side:
        side = self.futures if futures else self.spot
        if side is None:
            kind = "PerpetualSwap" if futures else "CurrencyPair"
            raise InvalidInput("instruments", f"hold no {kind}: this fake has no such market")
        return side

    def _side_of(self, instrument_id: InstrumentId | str) -> _Side:
        iid = InstrumentId(instrument_id)
        for side in (self.spot, self.futures):
            if side is not None and iid in side.market.instruments:
                return side
        raise InvalidInput("instrument_id", "is not traded on this FakeBinance", iid)

    def market(self, instrument_id: InstrumentId | str) -> FakeMarket:
        """The :class:`~lyra.testing.FakeMarket` that trades ``instrument_id``."""
        return self._side_of(instrument_id).market

    # -- moving the market --------------------------------------------------------------------
    def set_book(
        self,
        instrument_id: InstrumentId | str,
        bids: Iterable[tuple[Price | str, Quantity | str]],
        asks: Iterable[tuple[Price | str, Quantity | str]],
    ) -> None:
        """Make the resting liquidity of an instrument these levels (see
        :meth:`FakeMarket.set_book`); depth and ticker streams publish the change."""
        self.market(instrument_id).set_book(instrument_id, bids, asks)

    def trade(
        self,
        instrument_id: InstrumentId | str,
        price: Price | str,
        quantity: Quantity | str,
        aggressor: AggressorSide = AggressorSide.NO_AGGRESSOR,
    ) -> None:
        """Print a trade: it fills resting orders it goes through (see
        :meth:`FakeMarket.trade`) and is published on the trade streams."""
        side = self._side_of(instrument_id)
        tick = side.market.trade(instrument_id, price, quantity, aggressor)
        symbol = side.market.instruments[tick.instrument_id].raw_symbol
        side.publish_trade(
            symbol,
            next(side.trade_ids[symbol]),
            tick.price.as_decimal(),
            tick.size.as_decimal(),
            buyer_is_maker=aggressor is AggressorSide.SELLER,
            ts_ms=tick.ts_event // _MS,
        )

    def liquidity_order(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        price: Price | str | None,
        quantity: Quantity | str,
    ) -> Order:
        """Send an order for the rest of the market (LIMIT, or MARKET when ``price`` is
        ``None``); it trades with whatever it meets."""
        return self.market(instrument_id).liquidity_order(instrument_id, side, price, quantity)

    def publish_kline(
        self,
        instrument_id: InstrumentId | str,
        interval: str,
        open: str,
        high: str,
        low: str,
        close: str,
        volume: str,
        *,
        start_ms: int | None = None,
        closed: bool = True,
    ) -> None:
        """Publish one kline on ``<symbol>@kline_<interval>`` (closed by default)."""
        side = self._side_of(instrument_id)
        symbol = side.market.instruments[InstrumentId(instrument_id)].raw_symbol
        now = side.now_ms()
        start = start_ms if start_ms is not None else now - 60_000
        side.publish(
            f"{symbol.lower()}@kline_{interval}",
            {
                "e": "kline",
                "E": now,
                "s": symbol,
                "k": {
                    "t": start,
                    "T": now - 1,
                    "s": symbol,
                    "i": interval,
                    "f": 1,
                    "L": 1,
                    "o": open,
                    "c": close,
                    "h": high,
                    "l": low,
                    "v": volume,
                    "n": 1,
                    "x": closed,
                    "q": "0",
                    "V": "0",
                    "Q": "0",
                    "B": "0",
                },
            },
        )

    def book(
        self, instrument_id: InstrumentId | str
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The book as published, as ``(price, size)`` decimal strings, best first."""
        bids, asks = self.market(instrument_id).displayed(instrument_id)
        return [(str(p), str(q)) for p, q in bids], [(str(p), str(q)) for p, q in asks]

    def order(
        self, api_key: str, client_order_id: str, *, futures: bool = False
    ) -> FakeBinanceOrder | None:
        """The fake's record of an order of an account (by client order id)."""
        side = self._side(futures)
        account = side.accounts.get(api_key)
        return None if account is None else account.find(None, client_order_id)

    # -- REST --------------------------------------------------------------------------------------
    def add_routes(self, app: Any) -> None:
        from aiohttp import web

        routes: list[tuple[str, str, str, Any, bool]] = [
            # method, path, security, handler, futures
            ("GET", "/api/v3/ping", "NONE", self._ping, False),
            ("GET", "/api/v3/time", "NONE", self._time, False),
            ("GET", "/api/v3/exchangeInfo", "NONE", self._exchange_info, False),
            ("GET", "/api/v3/depth", "NONE", self._depth, False),
            ("POST", "/api/v3/order", "SIGNED", self._new_order, False),
            ("POST", "/api/v3/order/test", "SIGNED", self._test_order, False),
            ("GET", "/api/v3/order", "SIGNED", self._query_order, False),
            ("DELETE", "/api/v3/order", "SIGNED", self._cancel_order, False),
            ("PUT", "/api/v3/order/amend/keepPriority", "SIGNED", self._amend, False),
            ("DELETE", "/api/v3/openOrders", "SIGNED", self._cancel_all, False),
            ("GET", "/api/v3/openOrders", "SIGNED", self._open_orders, False),
            ("GET", "/api/v3/allOrders", "SIGNED", self._all_orders, False),
            ("POST", "/api/v3/orderList/oco", "SIGNED", self._oco, False),
            ("POST", "/api/v3/orderList/oto", "SIGNED", self._oto, False),
            ("POST", "/api/v3/orderList/otoco", "SIGNED", self._otoco, False),
            ("DELETE", "/api/v3/orderList", "SIGNED", self._cancel_list, False),
            ("GET", "/api/v3/myTrades", "SIGNED", self._my_trades, False),
            ("GET", "/api/v3/account", "SIGNED", self._account, False),
            ("GET", "/fapi/v1/ping", "NONE", self._ping, True),
            ("GET", "/fapi/v1/time", "NONE", self._time, True),
            ("GET", "/fapi/v1/exchangeInfo", "NONE", self._exchange_info, True),
            ("GET", "/fapi/v1/depth", "NONE", self._depth, True),
            ("POST", "/fapi/v1/order", "SIGNED", self._new_order, True),
            ("GET", "/fapi/v1/order", "SIGNED", self._query_order, True),
            ("PUT", "/fapi/v1/order", "SIGNED", self._modify_futures, True),
            ("DELETE", "/fapi/v1/order", "SIGNED", self._cancel_order, True),
            ("DELETE", "/fapi/v1/allOpenOrders", "SIGNED", self._cancel_all, True),
            ("GET", "/fapi/v1/openOrders", "SIGNED", self._open_orders, True),
            ("GET", "/fapi/v1/allOrders", "SIGNED", self._all_orders, True),
            ("GET", "/fapi/v1/userTrades", "SIGNED", self._my_trades, True),
            ("GET", "/fapi/v2/positionRisk", "SIGNED", self._position_risk, True),
            ("GET", "/fapi/v2/balance", "SIGNED", self._balance, True),
            ("POST", "/fapi/v1/listenKey", "USER_STREAM", self._listen_key_new, True),
            ("PUT", "/fapi/v1/listenKey", "USER_STREAM", self._listen_key_keep, True),
            ("DELETE", "/fapi/v1/listenKey", "USER_STREAM", self._listen_key_close, True),
        ]
        for method, path, security, fn, futures in routes:
            side = self.futures if futures else self.spot
            if side is None:
                continue
            app.router.add_route(method, path, self._endpoint(side, security, fn))
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        del web

    async def _not_found(self, request: Any) -> Any:
        return self._error(-1000, "Unknown endpoint.", 404)

    def _error(
        self, code: int | str, msg: str, status: int, headers: dict[str, str] | None = None
    ) -> Any:
        from aiohttp import web

        body = json.dumps({"code": code, "msg": msg})
        return web.Response(
            status=status, text=body, content_type="application/json", headers=headers
        )

    def _endpoint(self, side: _Side, security: str, fn: Any) -> Any:
        from aiohttp import web

        async def handler(request: Any) -> Any:
            # the bytes the client signed: aiohttp's query_string is already decoded
            raw_query = request.raw_path.partition("?")[2]
            raw_body = (
                (await request.read()).decode("utf-8", "replace") if request.can_read_body else ""
            )
            params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
            if raw_body and request.content_type == "application/x-www-form-urlencoded":
                params.update(urllib.parse.parse_qsl(raw_body, keep_blank_values=True))
            rejection = self.faults.take_rejection(request.method, request.path)
            if rejection is not None:
                return self._error(rejection.code, rejection.message, rejection.status)
            ip = request.remote or "127.0.0.1"
            limiter = self._ip_limits.get(ip)
            if limiter is None:
                limiter = self._ip_limits[ip] = WeightLimiter(
                    [RateWindow("REQUEST_WEIGHT", self.weight_limit, 60.0)]
                )
            weight = _weight(request.method, request.path, params)
            wait = limiter.try_acquire({"REQUEST_WEIGHT": weight})
            headers = {"X-MBX-USED-WEIGHT-1M": str(limiter.used("REQUEST_WEIGHT"))}
            if wait:
                headers["Retry-After"] = str(max(1, int(wait + 0.999)))
                return self._error(
                    -1003,
                    f"Too many requests; current limit is {self.weight_limit} request weight "
                    "per 1 MINUTE. Please use the websocket for live updates to avoid polling "
                    "the API.",
                    429,
                    headers,
                )
            try:
                account = self._authenticate(side, security, request, params, raw_query, raw_body)
                result = fn(side, params, account, request)
            except _Reply as reply:
                return self._error(reply.code, reply.msg, reply.status, headers)
            return web.Response(
                text=json.dumps(result, separators=(",", ":")),
                content_type="application/json",
                headers=headers,
            )

        return handler

    def _authenticate(
        self,
        side: _Side,
        security: str,
        request: Any,
        params: dict[str, str],
        raw_query: str,
        raw_body: str,
    ) -> FakeBinanceAccount | None:
        if security == "NONE":
            return None
        key = request.headers.get("X-MBX-APIKEY")
        if not key:
            raise _Reply(-2014, "API-key format invalid.", 401)
        account = side.accounts.get(key)
        if account is None:
            raise _Reply(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if security == "USER_STREAM":
            return account
        signature = params.get("signature")
        if not signature:
            raise _Reply(
                -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
            )
        self._check_time(params)
        payload = (_without_signature(raw_query) + _without_signature(raw_body)).encode()
        if not account.verify(payload, urllib.parse.unquote(signature)):
            raise _Reply(-1022, "Signature for this request is not valid.")
        return account

    def _check_time(self, params: Mapping[str, Any]) -> None:
        ts_text = params.get("timestamp")
        if ts_text in (None, ""):
            raise _Reply(
                -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
            )
        try:
            ts = float(str(ts_text))
            window = float(str(params.get("recvWindow", "5000")))
        except ValueError:
            raise _Reply(-1100, "Illegal characters found in parameter 'timestamp'.") from None
        if window > 60_000:
            raise _Reply(-1131, "recvWindow must be less than 60000")
        if ts > 1e14:  # microseconds
            ts /= 1000
        now = self.clock.timestamp_ns() / _MS
        if ts >= now + 1000:
            raise _Reply(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now - ts > window:
            raise _Reply(-1021, "Timestamp for this request is outside of the recvWindow.")

    # -- public endpoints --------------------------------------------------------------------
    def _ping(self, side: _Side, p: dict[str, str], a: Any, r: Any) -> Any:
        return {}

    def _time(self, side: _Side, p: dict[str, str], a: Any, r: Any) -> Any:
        return {"serverTime": self.clock.timestamp_ns() // _MS}

    def _exchange_info(self, side: _Side, p: dict[str, str], a: Any, r: Any) -> Any:
        wanted: set[str] | None = None
        if p.get("symbol"):
            wanted = {p["symbol"]}
        elif p.get("symbols"):
            try:
                wanted = set(json.loads(p["symbols"]))
            except ValueError:
                raise _Reply(-1100, "Illegal characters found in parameter 'symbols'.") from None
        symbols = []
        for name, inst in side.symbols.items():
            if wanted is not None and name not in wanted:
                continue
            symbols.append(self._symbol_info(side, inst))
        if wanted is not None and len(symbols) != len(wanted):
            raise _Reply(-1121, "Invalid symbol.")
        limits = [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": self.weight_limit,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": self.orders_per_10s,
            },
        ]
        return {
            "timezone": "UTC",
            "serverTime": self.clock.timestamp_ns() // _MS,
            "rateLimits": limits,
            "exchangeFilters": [],
            "symbols": symbols,
        }

    def _symbol_info(self, side: _Side, inst: Instrument) -> dict[str, Any]:
        tick = inst.price_increment
        step = inst.size_increment
        lo_p = inst.min_price or tick
        hi_p = inst.max_price or Price("1000000")
        filters: list[dict[str, Any]] = [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": str(lo_p),
                "maxPrice": str(hi_p),
                "tickSize": str(tick),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": str(inst.min_quantity or step),
                "maxQty": str(inst.max_quantity or Quantity("9000000")),
                "stepSize": str(step),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": str(inst.min_quantity or step),
                "maxQty": str(inst.max_quantity or Quantity("9000000")),
                "stepSize": str(step),
            },
        ]
        if inst.min_notional is not None:
            if side.futures:
                filters.append(
                    {"filterType": "MIN_NOTIONAL", "notional": str(inst.min_notional.as_decimal())}
                )
            else:
                filters.append(
                    {
                        "filterType": "NOTIONAL",
                        "minNotional": str(inst.min_notional.as_decimal()),
                        "applyMinToMarket": True,
                        "maxNotional": "9000000.00000000",
                        "applyMaxToMarket": False,
                        "avgPriceMins": 5,
                    }
                )
        base = inst.base_currency
        assert base is not None
        info: dict[str, Any] = {
            "symbol": inst.raw_symbol,
            "status": "TRADING",
            "baseAsset": base.code,
            "baseAssetPrecision": 8,
            "quoteAsset": inst.quote_currency.code,
            "quoteAssetPrecision": 8,
            "filters": filters,
        }
        if side.futures:
            info.update(
                {
                    "pair": inst.raw_symbol,
                    "contractType": "PERPETUAL",
                    "marginAsset": inst.settlement_currency.code,
                    "pricePrecision": inst.price_precision,
                    "quantityPrecision": inst.size_precision,
                    "orderTypes": [
                        "LIMIT",
                        "MARKET",
                        "STOP",
                        "STOP_MARKET",
                        "TAKE_PROFIT",
                        "TAKE_PROFIT_MARKET",
                        "TRAILING_STOP_MARKET",
                    ],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
                    "requiredMarginPercent": str(inst.margin_init * 100),
                    "maintMarginPercent": str(inst.margin_maint * 100),
                }
            )
        else:
            filters.append({"filterType": "ICEBERG_PARTS", "limit": 10})
            filters.append(
                {
                    "filterType": "TRAILING_DELTA",
                    "minTrailingAboveDelta": 10,
                    "maxTrailingAboveDelta": 2000,
                    "minTrailingBelowDelta": 10,
                    "maxTrailingBelowDelta": 2000,
                }
            )
            info.update(
                {
                    "orderTypes": [
                        "LIMIT",
                        "LIMIT_MAKER",
                        "MARKET",
                        "STOP_LOSS",
                        "STOP_LOSS_LIMIT",
                        "TAKE_PROFIT",
                        "TAKE_PROFIT_LIMIT",
                    ],
                    "icebergAllowed": True,
                    "ocoAllowed": True,
                    "otoAllowed": True,
                    "quoteOrderQtyMarketAllowed": True,
                    "allowTrailingStop": True,
                    "cancelReplaceAllowed": True,
                    "amendAllowed": True,
                    "isSpotTradingAllowed": True,
                    "permissions": ["SPOT"],
                }
            )
        info.update(self.symbol_flags.get(inst.raw_symbol, {}))
        return info

    def _depth(self, side: _Side, p: dict[str, str], a: Any, r: Any) -> Any:
        try:
            limit = int(p.get("limit", "100"))
        except ValueError:
            raise _Reply(-1100, "Illegal characters found in parameter 'limit'.") from None
        return side.depth_snapshot(p.get("symbol", ""), limit)

    # -- orders ------------------------------------------------------------------------------
    def _check_order_rate(self, account: FakeBinanceAccount) -> None:
        if account.order_limiter.try_acquire({"ORDERS": 1}):
            raise _Reply(
                -1015,
                f"Too many new orders; current limit is {self.orders_per_10s} orders per "
                "TEN_SECONDS.",
                429,
            )

    def _build(
        self,
        side: _Side,
        account: FakeBinanceAccount,
        p: Mapping[str, str],
        *,
        prefix: str = "",
        shared: Mapping[str, str] | None = None,
        test: bool = False,
    ) -> FakeBinanceOrder:
        """Validate one order's parameters (Binance's rules and filters) and make its
        record with a simulated order (not sent)."""

        def get(name: str) -> str | None:
            key = prefix + name[0].upper() + name[1:] if prefix else name
            value = p.get(key)
            if value is None and shared is not None:
                value = shared.get(name)
            return value if value not in (None, "") else None

        def need(name: str) -> str:
            value = get(name)
            if value is None:
                key = prefix + name[0].upper() + name[1:] if prefix else name
                raise _Reply(
                    -1102,
                    f"Mandatory parameter '{key}' was not sent, was empty/null, or malformed.",
                )
            return value

        symbol = p.get("symbol") or ""
        inst = side.instrument(symbol)
        side_text = need("side")
        if side_text not in _SIDE:
            raise _Reply(-1117, "Invalid side.")
        btype = need("type")
        futures = side.futures
        if futures and btype in _ALGO_TYPES:
            raise _Reply(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API "
                "endpoints instead.",
            )
        allowed = {"LIMIT", "MARKET"} if futures else _SPOT_TYPES
        if btype not in allowed:
            raise _Reply(-1116, "Invalid orderType.")
        cid = get("clientOrderId") if prefix else get("newClientOrderId")
        if cid is None:
            cid = "x-" + _random.token_urlsafe(15).replace("-", "A").replace("_", "B")[:20]
        if len(cid) > 36 or not set(cid) <= _CID_OK:
            raise _Reply(
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                "'^[a-zA-Z0-9-_]{1,36}$'.",
            )
        if any(o.client_order_id == cid for o in account.open_orders()):
            raise _Reply(-2010, "Duplicate order sent.")
        tif_text = get("timeInForce")
        price_text = get("price")
        stop_text = get("stopPrice")
        qty_text = get("quantity")
        quote_text = get("quoteOrderQty") if not prefix else None
        iceberg_text = get("icebergQty")
        trailing_text = get("trailingDelta")
        needs_price = btype in ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
        needs_tif = btype in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
        needs_stop = btype in ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
        if needs_price and price_text is None:
            need("price")
        if not needs_price and price_text is not None:
            raise _Reply(-1106, "Parameter 'price' sent when not required.")
        if needs_tif and tif_text is None:
            need("timeInForce")
        if not needs_tif and tif_text is not None and not (futures and btype == "MARKET"):
            raise _Reply(-1106, "Parameter 'timeInForce' sent when not required.")
        if needs_stop and stop_text is None and trailing_text is None:
            need("stopPrice")
        tif = tif_text or "GTC"
        tifs = {"GTC", "IOC", "FOK", "GTX", "GTD"} if futures else {"GTC", "IOC", "FOK"}
        if tif not in tifs:
            raise _Reply(-1115, "Invalid timeInForce.")
        if btype == "MARKET" and qty_text is None and quote_text is None:
            raise _Reply(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if btype != "MARKET" and qty_text is None:
            need("quantity")
        price = _dec(price_text, "price") if price_text is not None else Decimal(0)
        stop = _dec(stop_text, "stopPrice") if stop_text is not None else Decimal(0)
        if price_text is not None:
            self._price_filter(inst, price)
        if stop_text is not None:
            self._price_filter(inst, stop)
        if qty_text is not None:
            qty = _dec(qty_text, "quantity")
        else:
            assert quote_text is not None
            qty = self._quote_to_base(side, inst, side_text, _dec(quote_text, "quoteOrderQty"))
        if _places(qty) > 8:
            raise _Reply(-1111, "Parameter 'quantity' has too much precision.")
        self._lot_filter(inst, qty, market_order=btype == "MARKET")
        ref = price if needs_price else (stop if stop else self._reference(side, inst, side_text))
        if ref and inst.min_notional is not None and qty * ref < inst.min_notional.as_decimal():
            raise (
                _Reply(
                    -4164,
                    "Order's notional must be no smaller than 5 (unless you choose reduce only).",
                )
                if futures
                else _Reply(-1013, "Filter failure: NOTIONAL")
            )
        iceberg = Decimal(0)
        if iceberg_text is not None:
            if futures or btype not in (
                "LIMIT",
                "LIMIT_MAKER",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT_LIMIT",
            ):
                raise _Reply(-1106, "Parameter 'icebergQty' sent when not required.")
            if tif != "GTC":
                raise _Reply(-2010, "Iceberg orders must be GTC.")
            iceberg = _dec(iceberg_text, "icebergQty")
            self._lot_filter(inst, iceberg, market_order=False)
            if iceberg >= qty or -(-qty // iceberg) > 10:
                raise _Reply(-1013, "Filter failure: ICEBERG_PARTS")
        trailing: int | None = None
        if trailing_text is not None:
            if btype not in ("STOP_LOSS", "TAKE_PROFIT"):
                raise _Reply(-1106, "Parameter 'trailingDelta' sent when not required.")
            try:
                trailing = int(trailing_text)
            except ValueError:
                raise _Reply(
                    -1100, "Illegal characters found in parameter 'trailingDelta'."
                ) from None
            if not 10 <= trailing <= 2000:
                raise _Reply(-1013, "Filter failure: TRAILING_DELTA")
        now = side.now_ms()
        rec = FakeBinanceOrder(
            next(side.order_ids),
            cid,
            account,
            symbol,
            side_text,
            btype,
            tif,
            qty,
            price,
            stop,
            now,
        )
        rec.iceberg = iceberg
        rec.trailing_delta = trailing
        if futures:
            rec.reduce_only = (get("reduceOnly") or "false").lower() == "true"
            if rec.reduce_only:
                held, _ = account.position.get(symbol, (Decimal(0), Decimal(0)))
                closing = held > 0 if side_text == "SELL" else held < 0
                if not closing or qty > abs(held):
                    raise _Reply(-2022, "ReduceOnly Order is rejected.")
            if tif == "GTD":
                gtd = get("goodTillDate")
                if gtd is None:
                    need("goodTillDate")
                assert gtd is not None
                rec.good_till_date = int(gtd)
                if rec.good_till_date <= now + 600_000 - 5_000:
                    raise _Reply(
                        _GTD_TOO_EARLY,
                        "goodTillDate must be greater than current time plus 600 seconds.",
                    )
        rec.order = self._lyra_order(side, inst, rec, test=test)
        return rec

    def _price_filter(self, inst: Instrument, price: Decimal) -> None:
        lo = inst.min_price.as_decimal() if inst.min_price is not None else Decimal(0)
        hi = inst.max_price.as_decimal() if inst.max_price is not None else None
        tick = inst.price_increment.as_decimal()
        if price <= 0 or price < lo or (hi is not None and price > hi) or (price - lo) % tick:
            raise _Reply(-1013, "Filter failure: PRICE_FILTER")

    def _lot_filter(self, inst: Instrument, qty: Decimal, *, market_order: bool) -> None:
        lo = inst.min_quantity.as_decimal() if inst.min_quantity is not None else Decimal(0)
        hi = inst.max_quantity.as_decimal() if inst.max_quantity is not None else None
        step = inst.size_increment.as_decimal()
        name = "MARKET_LOT_SIZE" if market_order else "LOT_SIZE"
        if qty <= 0 or qty < lo or (hi is not None and qty > hi) or (qty - lo) % step:
            raise _Reply(-1013, f"Filter failure: {name}")

    def _reference(self, side: _Side, inst: Instrument, side_text: str) -> Decimal:
        bids, asks = side.market.displayed(inst.id)
        levels = asks if side_text == "BUY" else bids
        return levels[0][0].as_decimal() if levels else Decimal(0)

    def _quote_to_base(
        self, side: _Side, inst: Instrument, side_text: str, quote: Decimal
    ) -> Decimal:
        bids, asks = side.market.displayed(inst.id)
        levels = asks if side_text == "BUY" else bids
        left, base = quote, Decimal(0)
        for px, qty in levels:
            p, q = px.as_decimal(), qty.as_decimal()
            if p * q >= left:
                base += left / p
                left = Decimal(0)
                break
            base += q
            left -= p * q
        step = inst.size_increment.as_decimal()
        base = (base // step) * step
        if base <= 0:
            raise _Reply(-2010, "Order book liquidity is less than the minimum quantity.")
        return base

    def _lyra_order(
        self, side: _Side, inst: Instrument, rec: FakeBinanceOrder, *, test: bool
    ) -> Order:
        market = side.market
        f = market.factory
        iid = inst.id
        oside = _SIDE[rec.side]
        qty = inst.make_qty(rec.quantity, check_bounds=False)
        cid = ClientOrderId("T0") if test else market.new_client_order_id("C")
        price = inst.make_price(rec.price, check_bounds=False) if rec.price else None
        stop = inst.make_price(rec.stop_price, check_bounds=False) if rec.stop_price else None
        display = inst.make_qty(rec.iceberg, check_bounds=False) if rec.iceberg else None
        trig = TriggerType.LAST_PRICE
        t = rec.type
        if t == "MARKET":
            return f.market(iid, oside, qty, reduce_only=rec.reduce_only, client_order_id=cid)
        if t in ("LIMIT", "LIMIT_MAKER"):
            assert price is not None
            tif = TimeInForce.GTC if rec.tif in ("GTX", "GTD") else _TIF[rec.tif]
            expire = None
            if rec.tif == "GTD":
                tif = TimeInForce.GTD
                expire = rec.good_till_date * _MS
            return f.limit(
                iid,
                oside,
                qty,
                price,
                time_in_force=tif,
                expire_time_ns=expire,
                post_only=t == "LIMIT_MAKER" or rec.tif == "GTX",
                reduce_only=rec.reduce_only,
                display_qty=display,
                client_order_id=cid,
            )
        if rec.trailing_delta is not None:
            if t != "STOP_LOSS":
                raise _Reply(-2010, "This fake takes trailing deltas on STOP_LOSS orders only.")
            return f.trailing_stop_market(
                iid,
                oside,
                qty,
                trailing_offset=Decimal(rec.trailing_delta),
                trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                activation_price=stop,
                trigger_type=trig,
                client_order_id=cid,
            )
        assert stop is not None
        if t == "STOP_LOSS":
            return f.stop_market(iid, oside, qty, stop, trigger_type=trig, client_order_id=cid)
        if t == "TAKE_PROFIT":
            return f.market_if_touched(
                iid, oside, qty, stop, trigger_type=trig, client_order_id=cid
            )
        assert price is not None
        tif = _TIF[rec.tif]
        if t == "STOP_LOSS_LIMIT":
            return f.stop_limit(
                iid,
                oside,
                qty,
                price,
                stop,
                trigger_type=trig,
                time_in_force=tif,
                display_qty=display,
                client_order_id=cid,
            )
        return f.limit_if_touched(
            iid,
            oside,
            qty,
            price,
            stop,
            trigger_type=trig,
            time_in_force=tif,
            display_qty=display,
            client_order_id=cid,
        )

    def _register(self, side: _Side, rec: FakeBinanceOrder) -> None:
        rec.account.orders[rec.order_id] = rec
        assert rec.order is not None
        side.by_internal[rec.order.client_order_id] = rec

    def _place(self, side: _Side, recs: list[FakeBinanceOrder], submit: Any) -> None:
        """Send orders into the simulated exchange within one request and settle."""
        for rec in recs:
            self._register(side, rec)
            rec.in_request = True
        try:
            submit()
            side.market.settle()
        finally:
            for rec in recs:
                rec.in_request = False

    def _order_json(
        self, side: _Side, rec: FakeBinanceOrder, *, full: bool = False
    ) -> dict[str, Any]:
        if side.futures:
            avg = rec.cum_quote / rec.cum_qty if rec.cum_qty else Decimal(0)
            return {
                "orderId": rec.order_id,
                "symbol": rec.symbol,
                "status": rec.status,
                "clientOrderId": rec.client_order_id,
                "price": _fmt(rec.price),
                "avgPrice": _fmt(avg),
                "origQty": _fmt(rec.quantity),
                "executedQty": _fmt(rec.cum_qty),
                "cumQty": _fmt(rec.cum_qty),
                "cumQuote": _fmt(rec.cum_quote),
                "timeInForce": rec.tif,
                "type": rec.type,
                "reduceOnly": rec.reduce_only,
                "closePosition": False,
                "side": rec.side,
                "positionSide": "BOTH",
                "stopPrice": _fmt(rec.stop_price),
                "workingType": "CONTRACT_PRICE",
                "priceProtect": False,
                "origType": rec.type,
                "priceMatch": "NONE",
                "selfTradePreventionMode": "NONE",
                "goodTillDate": rec.good_till_date,
                "time": rec.created_ms,
                "updateTime": rec.updated_ms,
            }
        out: dict[str, Any] = {
            "symbol": rec.symbol,
            "orderId": rec.order_id,
            "orderListId": rec.order_list_id,
            "clientOrderId": rec.client_order_id,
            "price": _fmt(rec.price),
            "origQty": _fmt(rec.quantity),
            "executedQty": _fmt(rec.cum_qty),
            "cummulativeQuoteQty": _fmt(rec.cum_quote),
            "status": rec.status,
            "timeInForce": rec.tif,
            "type": rec.type,
            "side": rec.side,
            "stopPrice": _fmt(rec.stop_price),
            "icebergQty": _fmt(rec.iceberg),
            "time": rec.created_ms,
            "updateTime": rec.updated_ms,
            "isWorking": rec.working_ms is not None and rec.status in ("NEW", "PARTIALLY_FILLED"),
            "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "NONE",
        }
        if rec.working_ms is not None:
            out["workingTime"] = rec.working_ms
        if rec.trailing_delta is not None:
            out["trailingDelta"] = rec.trailing_delta
        return out

    def _new_order(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        self._check_order_rate(account)
        rec = self._build(side, account, p)
        assert rec.order is not None
        order = rec.order
        self._place(side, [rec], lambda: account.venue.submit_order(order))
        if rec.status == "REJECTED":
            account.orders.pop(rec.order_id, None)
            raise _Reply(*_rejection(rec.rejection_code, rec.rejection, side.futures))
        resp_type = p.get(
            "newOrderRespType", "RESULT" if rec.type in ("MARKET", "LIMIT") else "ACK"
        )
        if side.futures:
            return self._order_json(side, rec)
        ack = {
            "symbol": rec.symbol,
            "orderId": rec.order_id,
            "orderListId": rec.order_list_id,
            "clientOrderId": rec.client_order_id,
            "transactTime": rec.created_ms,
        }
        if resp_type == "ACK":
            return ack
        out = self._order_json(side, rec)
        out["transactTime"] = rec.created_ms
        for key in ("time", "updateTime", "isWorking"):
            out.pop(key, None)
        if resp_type == "FULL":
            out["fills"] = rec.request_fills
        return out

    def _test_order(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        self._build(side, account, p, test=True)
        return {}

    def _find(self, account: FakeBinanceAccount, p: Mapping[str, str]) -> FakeBinanceOrder | None:
        oid = p.get("orderId")
        cid = p.get("origClientOrderId")
        if not oid and not cid:
            raise _Reply(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        rec = account.find(oid, cid)
        if rec is not None and p.get("symbol") and rec.symbol != p["symbol"]:
            return None
        return rec

    def _query_order(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        side.instrument(p.get("symbol"))
        rec = self._find(account, p)
        if rec is None:
            raise _Reply(-2013, "Order does not exist.")
        return self._order_json(side, rec)

    def _cancel_one(self, side: _Side, account: FakeBinanceAccount, rec: FakeBinanceOrder) -> None:
        if rec.status == "PENDING_NEW":
            rec.status = "CANCELED"
            rec.updated_ms = side.now_ms()
            side.report(rec, "CANCELED")
            return
        assert rec.order is not None
        rec.cancel_requested = True
        rec.in_request = True
        try:
            account.venue.cancel_order(rec.order)
            side.market.settle()
        finally:
            rec.in_request = False
        if rec.status in _OPEN:
            rec.cancel_requested = False
            raise _Reply(-2011, "Unknown order sent.")

    def _cancel_json(self, side: _Side, rec: FakeBinanceOrder) -> dict[str, Any]:
        out = self._order_json(side, rec)
        if not side.futures:
            out["origClientOrderId"] = rec.client_order_id
            out["clientOrderId"] = f"cancel{rec.order_id}"
            out["transactTime"] = rec.updated_ms
            for key in ("time", "updateTime", "isWorking", "workingTime"):
                out.pop(key, None)
        return out

    def _cancel_order(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        side.instrument(p.get("symbol"))
        rec = self._find(account, p)
        if rec is None or not rec.is_open:
            raise _Reply(-2011, "Unknown order sent.")
        self._cancel_one(side, account, rec)
        return self._cancel_json(side, rec)

    def _cancel_all(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        inst = side.instrument(p.get("symbol"))
        targets = account.open_orders(inst.raw_symbol)
        if not targets and not side.futures:
            raise _Reply(-2011, "Unknown order sent.")
        out = []
        for rec in targets:
            if rec.is_open:
                try:
                    self._cancel_one(side, account, rec)
                except _Reply:
                    continue
            if not side.futures and rec.order_list_id == -1:
                out.append(self._cancel_json(side, rec))
        if side.futures:
            return {"code": 200, "msg": "The operation of cancel all open order is done."}
        lists: dict[int, list[FakeBinanceOrder]] = {}
        for rec in targets:
            if rec.order_list_id != -1:
                lists.setdefault(rec.order_list_id, []).append(rec)
        for list_id, members in lists.items():
            out.append(self._list_json(side, list_id, members, cancel=True))
        return out

    def _amend(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        inst = side.instrument(p.get("symbol"))
        flags = self.symbol_flags.get(inst.raw_symbol, {})
        if not flags.get("amendAllowed", True):
            raise _Reply(-2038, "Order amend is not enabled on this symbol.")
        new_text = p.get("newQty")
        if not new_text:
            raise _Reply(
                -1102, "Mandatory parameter 'newQty' was not sent, was empty/null, or malformed."
            )
        rec = self._find(account, p)
        if rec is None or not rec.is_open:
            raise _Reply(-2013, "Order does not exist.")
        new_qty = _dec(new_text, "newQty")
        if not 0 < new_qty < rec.quantity:
            raise _Reply(-2038, "Order amend (quantity increase) is not supported.")
        self._lot_filter(inst, new_qty, market_order=False)
        assert rec.order is not None
        quantity = inst.make_qty(new_qty, check_bounds=False)
        old_cid = rec.client_order_id
        rec.in_request = True
        try:
            account.venue.modify_order(rec.order, quantity=quantity)
            side.market.settle()
        finally:
            rec.in_request = False
        if rec.quantity != new_qty:
            raise _Reply(-2038, "Order amend rejected.")
        new_cid = p.get("newClientOrderId") or f"amend{rec.order_id}"
        rec.client_order_id = new_cid
        order = self._order_json(side, rec)
        order["origClientOrderId"] = old_cid
        order["qty"] = order.pop("origQty")
        order["origQty"] = order["qty"]
        return {
            "transactTime": rec.updated_ms,
            "executionId": rec.updated_ms,
            "amendedOrder": order,
        }

    def _modify_futures(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        inst = side.instrument(p.get("symbol"))
        for name in ("side", "quantity", "price"):
            if not p.get(name):
                raise _Reply(
                    -1102,
                    f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
                )
        rec = self._find(account, p)
        if rec is None or not rec.is_open:
            raise _Reply(-2013, "Order does not exist.")
        if rec.type != "LIMIT":
            raise _Reply(-1116, "Invalid orderType.")
        if p["side"] != rec.side:
            raise _Reply(-1117, "Invalid side.")
        qty = _dec(p["quantity"], "quantity")
        px = _dec(p["price"], "price")
        self._price_filter(inst, px)
        self._lot_filter(inst, qty, market_order=False)
        if qty <= rec.cum_qty:
            raise _Reply(-2038, "Order modify rejected: quantity not above the executed quantity.")
        if qty == rec.quantity and px == rec.price:
            raise _Reply(-5027, "No need to modify the order.")
        assert rec.order is not None
        rec.in_request = True
        try:
            account.venue.modify_order(
                rec.order,
                quantity=inst.make_qty(qty, check_bounds=False),
                price=inst.make_price(px, check_bounds=False),
            )
            side.market.settle()
        finally:
            rec.in_request = False
        if rec.quantity != qty or rec.price != px:
            raise (
                _Reply(
                    -5022,
                    "Due to the order could not be executed as maker, the Post Only order "
                    "will be rejected. The order will not be recorded in the order history",
                )
                if rec.tif == "GTX"
                else _Reply(-2038, "Order modify rejected.")
            )
        return self._order_json(side, rec)

    def _open_orders(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        symbol = p.get("symbol") or None
        if symbol is not None:
            side.instrument(symbol)
        return [self._order_json(side, o) for o in account.open_orders(symbol)]

    def _all_orders(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        inst = side.instrument(p.get("symbol"))
        start = int(p.get("startTime", "0") or 0)
        limit = int(p.get("limit", "500") or 500)
        rows = [
            o
            for o in account.orders.values()
            if o.symbol == inst.raw_symbol and o.updated_ms >= start
        ]
        return [self._order_json(side, o) for o in rows[:limit]]

    def _my_trades(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        inst = side.instrument(p.get("symbol"))
        start = int(p.get("startTime", "0") or 0)
        limit = int(p.get("limit", "500") or 500)
        oid = p.get("orderId")
        rows = [
            t
            for t in account.trades
            if t["symbol"] == inst.raw_symbol
            and t["time"] >= start
            and (oid is None or str(t["orderId"]) == oid)
        ]
        return rows[:limit]

    def _account(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        balances = account.venue.account.balances()
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "accountType": "SPOT",
            "updateTime": side.now_ms(),
            "balances": [
                {
                    "asset": c.code,
                    "free": _fmt(b.free.as_decimal()),
                    "locked": _fmt(b.locked.as_decimal()),
                }
                for c, b in sorted(balances.items(), key=lambda kv: kv[0].code)
            ],
            "permissions": ["SPOT"],
        }

    def _position_risk(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        out = []
        for symbol in side.symbols:
            qty, entry = account.position.get(symbol, (Decimal(0), Decimal(0)))
            out.append(
                {
                    "symbol": symbol,
                    "positionAmt": _fmt(qty, 3),
                    "entryPrice": _fmt(entry),
                    "markPrice": _fmt(entry),
                    "unRealizedProfit": "0",
                    "liquidationPrice": "0",
                    "leverage": "10",
                    "marginType": "cross",
                    "positionSide": "BOTH",
                    "updateTime": side.now_ms(),
                }
            )
        return out

    def _balance(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        balances = account.venue.account.balances()
        return [
            {
                "accountAlias": "fake",
                "asset": c.code,
                "balance": _fmt(b.total.as_decimal()),
                "crossWalletBalance": _fmt(b.total.as_decimal()),
                "crossUnPnl": "0",
                "availableBalance": _fmt(b.free.as_decimal()),
                "maxWithdrawAmount": _fmt(b.free.as_decimal()),
                "marginAvailable": True,
                "updateTime": side.now_ms(),
            }
            for c, b in balances.items()
        ]

    # -- order lists (spot) ---------------------------------------------------------------------
    def _list_json(
        self, side: _Side, list_id: int, members: list[FakeBinanceOrder], *, cancel: bool = False
    ) -> dict[str, Any]:
        first = members[0]
        done = all(not o.is_open for o in members)
        reports = [
            self._cancel_json(side, o) if cancel else self._order_json(side, o) for o in members
        ]
        return {
            "orderListId": list_id,
            "contingencyType": first.contingency,
            "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
            "listOrderStatus": "ALL_DONE" if done else "EXECUTING",
            "listClientOrderId": first.list_client_id,
            "transactionTime": side.now_ms(),
            "symbol": first.symbol,
            "orders": [
                {"symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id}
                for o in members
            ],
            "orderReports": reports,
        }

    def _tag_list(
        self, side: _Side, recs: list[FakeBinanceOrder], p: Mapping[str, str], kind: str
    ) -> int:
        list_id = next(side.list_ids)
        list_cid = p.get("listClientOrderId") or f"list{list_id}"
        for rec in recs:
            rec.order_list_id = list_id
            rec.contingency = kind
            rec.list_client_id = list_cid
        return list_id

    def _oco_pair(
        self,
        side: _Side,
        account: FakeBinanceAccount,
        p: Mapping[str, str],
        above: str,
        below: str,
        shared: Mapping[str, str],
    ) -> tuple[FakeBinanceOrder, FakeBinanceOrder]:
        legs = []
        for prefix in (above, below):
            kind = p.get(prefix + "Type")
            if kind not in _OCO_LEG_TYPES:
                raise _Reply(
                    -1102,
                    f"Mandatory parameter '{prefix}Type' was not sent, was empty/null, or "
                    "malformed.",
                )
            leg_params = dict(shared)
            leg_params["type"] = kind
            legs.append(
                self._build(
                    side, account, {**p, prefix + "Type": kind}, prefix=prefix, shared=leg_params
                )
            )
        hi, lo = legs
        ref_hi = hi.price if hi.type == "LIMIT_MAKER" else hi.stop_price
        ref_lo = lo.price if lo.type == "LIMIT_MAKER" else lo.stop_price
        if ref_hi and ref_lo and ref_hi <= ref_lo:
            raise _Reply(-2010, "The relationship of the prices for the orders is not correct.")
        return hi, lo

    def _oco(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        self._check_order_rate(account)
        for name in ("side", "quantity"):
            if not p.get(name):
                raise _Reply(
                    -1102,
                    f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
                )
        shared = {"side": p["side"], "quantity": p["quantity"]}
        hi, lo = self._oco_pair(side, account, p, "above", "below", shared)
        list_id = self._tag_list(side, [hi, lo], p, "OCO")
        orders = [hi.order, lo.order]
        assert orders[0] is not None and orders[1] is not None
        order_list = side.market.factory.oco(orders)  # type: ignore[arg-type]
        self._place(side, [hi, lo], lambda: account.venue.submit_order_list(order_list))
        return self._list_result(side, account, list_id, [hi, lo])

    def _list_result(
        self, side: _Side, account: FakeBinanceAccount, list_id: int, recs: list[FakeBinanceOrder]
    ) -> Any:
        rejected = [rec for rec in recs if rec.status == "REJECTED"]
        if rejected:
            for rec in recs:
                account.orders.pop(rec.order_id, None)
                if rec.is_open and rec.order is not None and rec.status != "PENDING_NEW":
                    account.venue.cancel_order(rec.order)
            side.market.settle()
            raise _Reply(*_rejection(rejected[0].rejection_code, rejected[0].rejection, False))
        side.list_status(recs, "EXEC_STARTED", "EXECUTING")
        return self._list_json(side, list_id, recs)

    def _oto_working(
        self, side: _Side, account: FakeBinanceAccount, p: Mapping[str, str]
    ) -> FakeBinanceOrder:
        kind = p.get("workingType")
        if kind not in ("LIMIT", "LIMIT_MAKER"):
            raise _Reply(
                -1102,
                "Mandatory parameter 'workingType' was not sent, was empty/null, or malformed.",
            )
        return self._build(side, account, p, prefix="working", shared={"type": kind})

    def _hold(
        self, side: _Side, working: FakeBinanceOrder, pending: list[FakeBinanceOrder], *, oco: bool
    ) -> None:
        for rec in pending:
            rec.status = "PENDING_NEW"
            rec.pending_oco = oco
            self._register(side, rec)
        working.pending_release = list(pending)

    def _oto(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        self._check_order_rate(account)
        working = self._oto_working(side, account, p)
        kind = p.get("pendingType") or ""
        pending = self._build(side, account, p, prefix="pending", shared={"type": kind})
        list_id = self._tag_list(side, [working, pending], p, "OTO")
        self._hold(side, working, [pending], oco=False)
        order = working.order
        assert order is not None
        self._place(side, [working], lambda: account.venue.submit_order(order))
        if working.status != "REJECTED":
            side.report(pending, "NEW")
        return self._list_result(side, account, list_id, [working, pending])

    def _otoco(self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any) -> Any:
        self._check_order_rate(account)
        working = self._oto_working(side, account, p)
        for name in ("pendingSide", "pendingQuantity"):
            if not p.get(name):
                raise _Reply(
                    -1102,
                    f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
                )
        shared = {"side": p["pendingSide"], "quantity": p["pendingQuantity"]}
        hi, lo = self._oco_pair(side, account, p, "pendingAbove", "pendingBelow", shared)
        list_id = self._tag_list(side, [working, hi, lo], p, "OTO")
        self._hold(side, working, [hi, lo], oco=True)
        order = working.order
        assert order is not None
        self._place(side, [working], lambda: account.venue.submit_order(order))
        if working.status != "REJECTED":
            side.report(hi, "NEW")
            side.report(lo, "NEW")
        return self._list_result(side, account, list_id, [working, hi, lo])

    def _cancel_list(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        side.instrument(p.get("symbol"))
        lid = p.get("orderListId")
        lcid = p.get("listClientOrderId")
        members = [
            o
            for o in account.orders.values()
            if o.order_list_id != -1
            and ((lid and str(o.order_list_id) == lid) or (lcid and o.list_client_id == lcid))
        ]
        if not members or not any(o.is_open for o in members):
            raise _Reply(-2011, "Unknown order sent.")
        for rec in members:
            if rec.is_open:
                try:
                    self._cancel_one(side, account, rec)
                except _Reply:
                    continue
        return self._list_json(side, members[0].order_list_id, members, cancel=True)

    # -- listen keys (futures) ------------------------------------------------------------------
    def _listen_key_new(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        if account.listen_key is None:
            account.listen_key = _random.token_hex(32)
        return {"listenKey": account.listen_key}

    def _listen_key_keep(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        if account.listen_key is None:
            raise _Reply(-1125, "This listenKey does not exist.")
        return {}

    def _listen_key_close(
        self, side: _Side, p: dict[str, str], account: FakeBinanceAccount, r: Any
    ) -> Any:
        account.listen_key = None
        for conn in self.connections_of("user"):
            if conn.account is account:
                conn.close_soon()
        return {}

    def expire_listen_key(self, api_key: str) -> None:
        """Expire a futures account's listen key: ``listenKeyExpired`` is sent and its
        streams close (the client must get a new key)."""
        side = self._side(True)
        account = side.accounts[api_key]
        now = side.now_ms()
        key = account.listen_key
        side.user_send(account, {"e": "listenKeyExpired", "E": now, "listenKey": key})
        account.listen_key = None
        for conn in self.connections_of("user"):
            if conn.account is account:
                conn.close_soon()

    # -- websockets ---------------------------------------------------------------------------
    async def serve(self, conn: FakeConnection) -> None:
        path = conn.path.split("?", 1)[0]
        query = urllib.parse.parse_qs(conn.path.split("?", 1)[1]) if "?" in conn.path else {}
        if path == "/ws-api/v3" and self.spot is not None:
            conn.kind = "api"
            await self._serve_api(conn)
            return
        for prefix, side in (("/private/ws/", self.futures), ("/ws/", self.futures)):
            if path.startswith(prefix) and side is not None:
                key = path[len(prefix) :]
                account = next((a for a in side.accounts.values() if a.listen_key == key), None)
                if account is not None:
                    conn.kind = "user"
                    conn.account = account
                    async for _ in conn.ws:
                        pass
                    return
        routes: dict[str, tuple[_Side | None, str]] = {
            "/stream": (self.spot, "spot"),
            "/ws": (self.spot, "spot"),
            "/public/stream": (self.futures, "public"),
            "/public/ws": (self.futures, "public"),
            "/market/stream": (self.futures, "market"),
            "/market/ws": (self.futures, "market"),
        }
        found = routes.get(path)
        if found is None or found[0] is None:
            await conn.ws.close(code=1008, reason="unknown path")
            return
        side, route = found
        assert side is not None
        conn.kind = "market"
        conn.meta["combined"] = path.endswith("/stream")
        conn.meta["route"] = route
        for stream in "/".join(query.get("streams", [])).split("/"):
            if stream and self._stream_ok(side, route, stream):
                self._add_stream(side, conn, stream)
        try:
            async for frame in conn.ws:
                self._on_market_request(side, route, conn, frame)
        finally:
            for stream in conn.subscriptions:
                side.subscribers.get(stream, set()).discard(conn)

    def _stream_ok(self, side: _Side, route: str, stream: str) -> bool:
        symbol, _, kind = stream.partition("@")
        if symbol.upper() not in side.symbols:
            return False
        book = kind.startswith("depth") or kind == "bookTicker"
        known = book or kind in ("trade", "aggTrade") or kind.startswith("kline_")
        if not known:
            return False
        if route == "public":
            return book
        if route == "market":
            return not book
        return kind != "aggTrade" or True

    def _add_stream(self, side: _Side, conn: FakeConnection, stream: str) -> None:
        conn.subscriptions.add(stream)
        side.subscribers.setdefault(stream, set()).add(conn)

    def _on_market_request(self, side: _Side, route: str, conn: FakeConnection, frame: Any) -> None:
        try:
            msg = json.loads(frame)
            method = msg["method"]
            rid = msg.get("id")
            params = msg.get("params", [])
        except (ValueError, KeyError, TypeError):
            conn.send(
                json.dumps(
                    {
                        "error": {"code": 3, "msg": "Invalid JSON: expected a request object"},
                        "id": None,
                    }
                )
            )
            return
        if method == "SUBSCRIBE":
            bad = [
                s for s in params if not isinstance(s, str) or not self._stream_ok(side, route, s)
            ]
            if bad:
                conn.send(
                    json.dumps(
                        {
                            "error": {
                                "code": 2,
                                "msg": f"Invalid request: unknown or unrouted stream {bad[0]}",
                            },
                            "id": rid,
                        }
                    )
                )
                return
            for stream in params:
                self._add_stream(side, conn, stream)
            conn.send(json.dumps({"result": None, "id": rid}))
        elif method == "UNSUBSCRIBE":
            for stream in params:
                conn.subscriptions.discard(stream)
                side.subscribers.get(stream, set()).discard(conn)
            conn.send(json.dumps({"result": None, "id": rid}))
        elif method == "LIST_SUBSCRIPTIONS":
            conn.send(json.dumps({"result": sorted(conn.subscriptions), "id": rid}))
        else:
            conn.send(
                json.dumps(
                    {
                        "error": {"code": 2, "msg": f"Invalid request: unknown method {method}"},
                        "id": rid,
                    }
                )
            )

    async def _serve_api(self, conn: FakeConnection) -> None:
        side = self.spot
        assert side is not None
        async for frame in conn.ws:
            try:
                msg = json.loads(frame)
                rid = msg.get("id")
                method = msg["method"]
                params = msg.get("params") or {}
            except (ValueError, KeyError, TypeError, AttributeError):
                conn.send(
                    json.dumps(
                        {
                            "id": None,
                            "status": 400,
                            "error": {
                                "code": -1100,
                                "msg": "Illegal characters found in a parameter.",
                            },
                        }
                    )
                )
                continue
            try:
                result = self._api_call(side, conn, method, params)
            except _Reply as reply:
                conn.send(
                    json.dumps(
                        {
                            "id": rid,
                            "status": reply.status,
                            "error": {"code": reply.code, "msg": reply.msg},
                        }
                    )
                )
                continue
            conn.send(json.dumps({"id": rid, "status": 200, "result": result}))

    def _api_call(
        self, side: _Side, conn: FakeConnection, method: str, params: dict[str, Any]
    ) -> Any:
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self.clock.timestamp_ns() // _MS}
        if method == "userDataStream.subscribe.signature":
            key = params.get("apiKey")
            account = side.accounts.get(key) if isinstance(key, str) else None
            if account is None:
                raise _Reply(-2015, "Invalid API-key, IP, or permissions for action.", 401)
            signature = params.get("signature")
            if not isinstance(signature, str):
                raise _Reply(
                    -1102,
                    "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
                )
            self._check_time(params)
            if not account.verify(ws_api_payload(params), signature):
                raise _Reply(-1022, "Signature for this request is not valid.")
            sid = conn.meta.setdefault("next_subscription", 0)
            conn.meta["next_subscription"] = sid + 1
            conn.meta["subscription_id"] = sid
            conn.kind = "user"
            conn.account = account
            return {"subscriptionId": sid}
        if method == "userDataStream.unsubscribe":
            conn.kind = "api"
            conn.account = None
            return {}
        raise _Reply(-1100, f"Unknown method '{method}'.")

    def malformed(self, frame: str) -> str:
        """A frame that is valid JSON of the right envelope with a broken body."""
        if frame.startswith('{"stream":'):
            stream = json.loads(frame)["stream"]
            return json.dumps({"stream": stream, "data": {"e": "depthUpdate", "U": "not-a-number"}})
        if frame.startswith('{"subscriptionId"'):
            return '{"subscriptionId":0,"event":{"e":"executionReport","s":42}}'
        return frame[: max(1, len(frame) // 2)]


def _weight(method: str, path: str, params: Mapping[str, str]) -> int:
    if path.endswith("/depth"):
        try:
            limit = int(params.get("limit", "100"))
        except ValueError:
            limit = 100
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    if path.endswith(("/exchangeInfo", "/account", "/allOrders", "/myTrades")):
        return 20
    if path.endswith("/openOrders") and method == "GET":
        return 6 if params.get("symbol") else 80
    if path.endswith("/amend/keepPriority"):
        return 4
    return 1


def _without_signature(raw: str) -> str:
    """``raw`` (a query string or a form body) without its ``signature`` parameter."""
    if "signature=" not in raw:
        return raw
    parts = [x for x in raw.split("&") if not x.startswith("signature=")]
    return "&".join(parts)


def _rejection(code: str, reason: str, futures: bool) -> tuple[int, str]:
    """The Binance code and text of a simulated exchange's rejection (its RejectCode and
    reason)."""
    text = reason.upper()
    if code == "POST_ONLY_WOULD_TAKE":
        if futures:
            return -5022, (
                "Due to the order could not be executed as maker, the Post Only order will be "
                "rejected. The order will not be recorded in the order history"
            )
        return -2010, "Order would immediately match and take."
    if code == "INSUFFICIENT_BALANCE":
        if futures:
            return -2019, "Margin is insufficient."
        return -2010, "Account has insufficient balance for requested action."
    if "REDUCE" in text:
        return -2022, "ReduceOnly Order is rejected."
    if "TRIGGER" in text or "STOP" in text:
        return -2010, "Stop price would trigger immediately."
    return -2010, "New order rejected."


def ed25519_public_key(private_pem: str) -> str:
    """The public key (PEM) of an Ed25519 private key (PEM): register it with
    :meth:`FakeBinance.add_account` for a client that signs with the private key."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class BinanceHarness:
    """The adapter conformance harness of :class:`~lyra.adapters.binance.BinanceSpot` (or,
    with ``futures=True``, :class:`~lyra.adapters.binance.BinanceFutures`) against a
    running :class:`FakeBinance` (see :mod:`lyra.testing.conformance`).

    Every :meth:`make_venue` opens a new API key on the fake and resets the instrument's
    book to the standard one: bids 99.00 .. 95.00, asks 101.00 .. 105.00, last trade 100.
    """

    def __init__(self, fake: FakeBinance, *, futures: bool = False, timeout_s: float = 5.0) -> None:
        side = fake._side(futures)
        self.fake = fake
        self.futures = futures
        inst = next(iter(side.market.instruments.values()))
        self.instrument = inst
        self.instrument_id = inst.id
        self.name = f"binance-{'usdm' if futures else 'spot'}"
        self.quantity = inst.make_qty("0.1")
        self.resting_buy_price = inst.make_price("90")
        self.resting_sell_price = inst.make_price("110")
        self.modify_price = inst.make_price("91") if futures else None
        self.modify_quantity = inst.make_qty("0.06")
        self.timeout_s = timeout_s
        self._keys = itertools.count(1)
        self._step = itertools.count(1)

    # -- venues ------------------------------------------------------------------------------
    def reset_book(self) -> None:
        """Cancel what earlier accounts left working, and put the standard book and last
        price back."""
        fake, iid = self.fake, self.instrument_id
        side = fake._side(self.futures)
        for account in side.accounts.values():
            account.venue.cancel_all_orders(iid)
        side.market.settle()
        fake.set_book(
            iid,
            bids=[(f"{99 - i}.00", "2") for i in range(5)],
            asks=[(f"{101 + i}.00", "2") for i in range(5)],
        )
        fake.trade(iid, "100.00", self.quantity, AggressorSide.NO_AGGRESSOR)

    def make_venue(self, bus: Any) -> Any:
        """A fresh adapter on a fresh account."""
        from lyra.adapters.binance import BinanceFutures, BinanceSpot
        from lyra.adapters.ratelimit import Backoff
        from lyra.adapters.secrets import Credentials

        n = next(self._keys)
        key, secret = f"{self.name}-key-{n}", f"{self.name}-secret-{n}"
        self.fake.add_account(key, secret, futures=self.futures)
        self.reset_book()
        creds = Credentials(key, secret)
        backoff = Backoff(initial_s=0.05, max_s=0.5)
        if self.futures:
            return BinanceFutures(
                bus, credentials=creds, urls=self.fake.futures_urls, backoff=backoff
            )
        return BinanceSpot(bus, credentials=creds, urls=self.fake.spot_urls, backoff=backoff)

    def cross(self, venue: Any, order: Order) -> None:
        """Print a trade one tick *through* ``order``'s price, which fills it completely
        whatever queues ahead of it."""
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
        """The adapter's synced book, once in sync."""
        sync = venue.book_sync(self.instrument_id)
        if sync is None or not sync.synced:
            return None
        bids, asks = sync.book.as_decimal_levels()
        return bids, asks

    def move_book(self, step: int) -> None:
        """A different, uncrossed book change per step."""
        iid = self.instrument_id
        k = step % 5
        bids = [(f"{99 - i}.00", f"{1 + (i + k) % 3}") for i in range(5) if i != k]
        bids.append((f"{98 - k}.50", "0.7"))
        asks = [(f"{101 + i}.00", f"{1 + (i * k) % 4}") for i in range(5) if i != (k + 1) % 5]
        self.fake.set_book(iid, bids=bids, asks=asks)

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
        common = [
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
        ]
        if self.futures:
            return [
                *common,
                OrderRecipe(
                    "LIMIT GTD",
                    lambda f: f.limit(
                        iid,
                        sell,
                        q,
                        p("110"),
                        time_in_force=TimeInForce.GTD,
                        expire_time_ns=self.fake.clock.timestamp_ns() + 3_600_000_000_000,
                    ),
                    "rest",
                ),
                OrderRecipe(
                    "LIMIT reduce-only that would add to the position",
                    lambda f: f.limit(iid, buy, q, p("90"), reduce_only=True),
                    "reject",
                    "VENUE_REJECTED",
                ),
                OrderRecipe(
                    "LIMIT reduce-only closing the position",
                    lambda f: f.limit(iid, sell, q, p("110"), reduce_only=True),
                    "rest",
                ),
            ]
        return [
            *common,
            OrderRecipe(
                "LIMIT iceberg",
                lambda f: f.limit(
                    iid,
                    sell,
                    self.instrument.make_qty("1"),
                    p("110"),
                    display_qty=self.instrument.make_qty("0.2"),
                ),
                "rest",
            ),
            OrderRecipe(
                "STOP_LOSS",
                lambda f: f.stop_market(iid, sell, q, p("95"), trigger_type=TriggerType.LAST_PRICE),
                "rest",
            ),
            OrderRecipe(
                "STOP_LOSS_LIMIT", lambda f: f.stop_limit(iid, sell, q, p("94"), p("95")), "rest"
            ),
            OrderRecipe(
                "TAKE_PROFIT", lambda f: f.market_if_touched(iid, sell, q, p("105")), "rest"
            ),
            OrderRecipe(
                "TAKE_PROFIT_LIMIT",
                lambda f: f.limit_if_touched(iid, sell, q, p("106"), p("105")),
                "rest",
            ),
            OrderRecipe(
                "STOP_LOSS trailing",
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
                "STOP_LOSS trigger already reached",
                lambda f: f.stop_market(iid, sell, q, p("105")),
                "reject",
                "VENUE_REJECTED",
            ),
        ]

    def trigger_recipes(self) -> list[Any]:
        """Conditional orders and the print that triggers each."""
        from lyra.testing.conformance import OrderRecipe

        if self.futures:
            return []
        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        sell = OrderSide.SELL
        return [
            (
                OrderRecipe("STOP_LOSS", lambda f: f.stop_market(iid, sell, q, p("96.5")), "fill"),
                p("96.00"),
                AggressorSide.BUYER,
            ),
            (
                OrderRecipe(
                    "TAKE_PROFIT", lambda f: f.market_if_touched(iid, sell, q, p("100.5")), "fill"
                ),
                p("100.60"),
                AggressorSide.SELLER,
            ),
        ]

    def list_recipes(self) -> list[Any]:
        """Binance spot's native lists: OCO, OTO, OTOCO."""
        from lyra.testing.conformance import ListRecipe

        if self.futures:
            return []
        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        buy, sell = OrderSide.BUY, OrderSide.SELL
        full = ReleasePolicy.ON_FULL_FILL

        def oco(f: Any) -> Any:
            return f.oco(
                [
                    f.limit(iid, sell, q, p("110"), post_only=True),
                    f.stop_market(iid, sell, q, p("80")),
                ]
            )

        def oto(f: Any) -> Any:
            return f.oto(
                f.limit(iid, buy, q, p("90")),
                [f.limit(iid, sell, q, p("110"), post_only=True)],
                release=full,
            )

        def otoco(f: Any) -> Any:
            return f.oto(
                f.limit(iid, buy, q, p("90")),
                [
                    f.limit(iid, sell, q, p("110"), post_only=True),
                    f.stop_market(iid, sell, q, p("80")),
                ],
                release=full,
                children_linked=ContingencyType.OCO,
            )

        def fill_first(h: Any, ol: Any) -> None:
            h.cross(None, ol.orders[0])

        def oco_done(ol: Any) -> str | None:
            a, b = ol.orders
            if a.status is not OrderStatus.FILLED:
                return f"the limit leg is {a.status.name}, expected FILLED"
            if b.status is not OrderStatus.CANCELED:
                return f"the stop leg is {b.status.name}, expected CANCELED"
            return None

        def released(ol: Any) -> str | None:
            parent, *children = ol.orders
            if parent.status is not OrderStatus.FILLED:
                return f"the working order is {parent.status.name}, expected FILLED"
            for c in children:
                if c.status is not OrderStatus.ACCEPTED:
                    return f"pending order {c.client_order_id} is {c.status.name}"
                rec = self._record(c)
                if rec is None or rec.status != "NEW":
                    return f"pending order {c.client_order_id} is not working at the fake yet"
            return None

        def trigger_stop(h: Any, ol: Any) -> None:
            # a print under the stop, bought: it sets the last price without filling bids
            h.print_trade(p("79.00"), q, AggressorSide.BUYER)

        def stop_won(ol: Any) -> str | None:
            a, b = ol.orders
            if b.status is not OrderStatus.FILLED:
                return f"the stop leg is {b.status.name}, expected FILLED"
            if a.status is not OrderStatus.CANCELED:
                return f"the limit leg is {a.status.name}, expected CANCELED"
            return None

        return [
            ListRecipe("OCO", oco, fill_first, oco_done),
            ListRecipe("OCO, the stop triggers", oco, trigger_stop, stop_won),
            ListRecipe("OTO", oto, fill_first, released),
            ListRecipe("OTOCO", otoco, fill_first, released),
        ]

    def _record(self, order: Order) -> FakeBinanceOrder | None:
        side = self.fake._side(self.futures)
        for account in side.accounts.values():
            found = account.find(None, order.client_order_id)
            if found is not None:
                return found
        return None

    def emulated_list(self, factory: Any) -> Any:
        """An OTO whose two children are linked OCO, for the contingency manager to
        emulate: a BUY at 90, then a SELL at 110 and a SELL at 111."""
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
        """Skip the instrument's next depth update."""
        self.fake.faults.skip_sequence(self.instrument.raw_symbol)

    def malformed(self) -> None:
        """Break the next market frame."""
        self.fake.faults.malformed_frame("market")

    def delay_user(self, seconds: float) -> None:
        """Hold the next user-stream frame."""
        self.fake.faults.delay(seconds, "user")

    def rejection(self) -> tuple[str, int | str, str, str]:
        """An insufficient-balance refusal of the next new order."""
        if self.futures:
            return "POST /fapi/v1/order", -2019, "Margin is insufficient.", "INSUFFICIENT_BALANCE"
        return (
            "POST /api/v3/order",
            -2010,
            "Account has insufficient balance for requested action.",
            "INSUFFICIENT_BALANCE",
        )

    def reject_next(self, endpoint: str, code: int | str, message: str) -> None:
        """Answer the next request to ``endpoint`` with that error."""
        self.fake.faults.reject_next(endpoint, code, message)

    def __repr__(self) -> str:
        return f"BinanceHarness({self.name})"
