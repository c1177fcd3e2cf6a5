""":class:`FakeCoinbase`: Coinbase Advanced Trade on localhost, backed by Lyra's simulated
exchange.

It speaks Advanced Trade's REST API and websocket protocol closely enough that a Coinbase
client -- :class:`~lyra.adapters.coinbase.CoinbaseVenue` or one of your own -- trades
against it as against the venue:

* **REST** (``http_url``, paths under ``/api/v3/brokerage``): products (also the public
  ``/market/products`` mirror), ``product_book``, create order (every configuration the
  pure layer models except ``trigger_bracket_*``), ``batch_cancel``, ``edit``, historical
  orders (one, batch with ``order_status``/``product_ids``/``start_date`` filters and
  cursors), fills, accounts.
* **Authentication as Coinbase documents it**: every private call carries ``Authorization:
  Bearer <JWT>`` verified by :class:`~lyra.adapters.coinbase.JwtVerifier` -- the key, its
  algorithm (ES256 or EdDSA), the signature, ``iss``/``sub``, ``nbf``/``exp`` and the
  ``uri`` claim ``"<METHOD> <host><path>"`` -- or is refused ``401 UNAUTHENTICATED``.
* **Order rules and Coinbase's failure reasons**: success is HTTP 200 with ``success:
  false`` and an ``error_response`` (``INSUFFICIENT_FUND``,
  ``INVALID_LIMIT_PRICE_POST_ONLY``, ``INVALID_SIZE_PRECISION``,
  ``INVALID_PRICE_PRECISION``, ``PREVIEW_INVALID_BASE_SIZE_TOO_SMALL``,
  ``UNSUPPORTED_ORDER_CONFIGURATION`` ...); a reused ``client_order_id`` returns the
  existing order; edits take GTC limit orders only (``ONLY_LIMIT_ORDER_EDITS_SUPPORTED``).
* **Websockets** (``ws_url`` for market data, ``ws_url + "/user"`` for the user host):
  ``subscribe``/``unsubscribe`` one channel per message with an optional ``jwt`` (required
  for ``user``), answered by a ``subscriptions`` message; channels ``level2`` (snapshot,
  then absolute-size updates, sent as ``l2_data``), ``market_trades``, ``ticker`` (on every
  trade), ``heartbeats`` (every ``heartbeat_s``) and ``user`` (a snapshot of open orders,
  then one update per order change with cumulative quantities). Every message carries the
  connection's ``sequence_num``, rising by one per message whatever the channel.

Faults (:attr:`FakeCoinbase.faults`): ``skip_sequence("BTC-USD")`` uses up the sequence
number of the product's next level2 update on every connection without sending it (the gap a
client must detect); ``malformed_frame`` breaks the next frame's body; ``delay``;
``drop_connections``; ``reject_next("POST /api/v3/brokerage/orders", code, message)``
answers a create with that failure reason (HTTP 200, ``success: false``) and other
endpoints with ``{"error": code, "message": message}`` and the HTTP status.

Known simplifications: spot only; no rate limits; no ``trigger_bracket`` or attached
orders; ``market_trades`` ``side`` is the maker's side (the reading
:mod:`lyra.adapters.coinbase.market` makes); IOC/FOK leftovers are ``CANCELLED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from lyra.adapters.coinbase._parse import format_rfc3339
from lyra.adapters.coinbase.messages import (
    CancelOrdersRequest,
    CreateOrderRequest,
    EditOrderRequest,
    decode_rest,
)
from lyra.adapters.coinbase.orders import OrderSpec, order_spec
from lyra.adapters.coinbase.signing import CdpKey, InvalidToken, JwtVerifier
from lyra.adapters.coinbase.urls import CoinbaseUrls
from lyra.clock import Clock
from lyra.errors import InvalidInput, LyraError, MalformedMessage
from lyra.model.enums import (
    AggressorSide,
    LiquiditySide,
    OrderSide,
    OrderType,
    TimeInForce,
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
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from lyra.orders.order import Order
from lyra.sim.exchange import SimulatedVenue
from lyra.testing.fake_server import FakeConnection, FakeMarket, FakeVenueServer

__all__ = ("CoinbaseHarness", "FakeCoinbase", "FakeCoinbaseAccount", "FakeCoinbaseOrder")

_API: Final = "/api/v3/brokerage"
_OPEN: Final = frozenset({"PENDING", "OPEN", "QUEUED", "CANCEL_QUEUED"})
_CHANNELS: Final = frozenset(
    {"level2", "market_trades", "ticker", "ticker_batch", "heartbeats", "user", "status"}
)
_PRODUCT_CHANNELS: Final = frozenset({"level2", "market_trades", "ticker", "ticker_batch"})
_TIF_NAME: Final = {
    TimeInForce.GTC: "GOOD_UNTIL_CANCELLED",
    TimeInForce.GTD: "GOOD_UNTIL_DATE_TIME",
    TimeInForce.IOC: "IMMEDIATE_OR_CANCEL",
    TimeInForce.FOK: "FILL_OR_KILL",
}
_TYPE_NAME: Final = {OrderType.MARKET: "MARKET", OrderType.LIMIT: "LIMIT"}


class _Failure(Exception):
    """A refused order (private): Coinbase's failure reason and message."""

    def __init__(self, error: str, message: str = "", preview: str = "") -> None:
        super().__init__(message or error)
        self.error = error
        self.message = message or error
        self.preview = preview


class _HttpError(Exception):
    """An HTTP error answer (private)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def _fmt(value: Decimal | Price | Quantity | Money) -> str:
    d = value if isinstance(value, Decimal) else value.as_decimal()
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _dec(text: str | None, field: str) -> Decimal:
    try:
        d = Decimal(text or "")
    except InvalidOperation:
        raise _Failure("INVALID_ARGUMENT", f"{field} must be a decimal number") from None
    if not d.is_finite():
        raise _Failure("INVALID_ARGUMENT", f"{field} must be a decimal number")
    return d


class FakeCoinbaseAccount:
    """One CDP API key of a :class:`FakeCoinbase` and the simulated account behind it."""

    def __init__(self, key_name: str, venue: SimulatedVenue) -> None:
        self.key_name = key_name
        self.venue = venue
        self.account_id = venue.account_id
        #: orders by Coinbase order id, in creation order
        self.orders: dict[str, FakeCoinbaseOrder] = {}
        self.by_client: dict[str, FakeCoinbaseOrder] = {}
        #: every fill, as ``GET /orders/historical/fills`` lists it (oldest first)
        self.fills: list[dict[str, Any]] = []
        self.uuids: dict[str, str] = {}

    def open_orders(self) -> list[FakeCoinbaseOrder]:
        """The account's open orders, oldest first."""
        return [o for o in self.orders.values() if o.status in _OPEN]

    def __repr__(self) -> str:
        return f"FakeCoinbaseAccount({self.account_id}, {len(self.orders)} orders)"


class FakeCoinbaseOrder:
    """An order as FakeCoinbase keeps it: Coinbase's view (ids, configuration, status,
    cumulative amounts) beside the simulated order that carries it."""

    def __init__(
        self,
        order_id: str,
        request: CreateOrderRequest,
        spec: OrderSpec,
        account: FakeCoinbaseAccount,
        instrument: Instrument,
        now_ns: int,
    ) -> None:
        self.order_id = order_id
        self.client_order_id = request.client_order_id
        self.product_id = request.product_id
        self.side = request.side
        self.request = request
        self.spec = spec
        self.account = account
        self.instrument = instrument
        self.status = "PENDING"
        self.quantity = Decimal(spec.quantity or "0")
        self.price = Decimal(spec.price) if spec.price else None
        self.cum_qty = Decimal(0)
        self.cum_value = Decimal(0)
        self.fees = Decimal(0)
        self.fills = 0
        self.created_ns = now_ns
        self.updated_ns = now_ns
        self.last_fill_ns: int | None = None
        self.trigger_status = (
            "STOP_PENDING" if spec.order_type is OrderType.STOP_LIMIT else "INVALID_ORDER_TYPE"
        )
        self.cancel_reason = ""
        self.reject_reason = ""
        self.rejection_code = ""
        self.in_request = False
        self.order: Order | None = None

    @property
    def is_open(self) -> bool:
        """Whether the order is still working."""
        return self.status in _OPEN

    @property
    def order_type(self) -> str:
        """``MARKET``, ``LIMIT`` or ``STOP_LIMIT`` (REST spelling)."""
        return _TYPE_NAME.get(self.spec.order_type, "STOP_LIMIT")

    def __repr__(self) -> str:
        return (
            f"FakeCoinbaseOrder({self.order_id[:8]}, {self.client_order_id}, {self.product_id} "
            f"{self.side} {self.spec.kind} {self.quantity} @ {self.price}, {self.status})"
        )


class FakeCoinbase(FakeVenueServer):
    """Coinbase Advanced Trade on localhost; see the module docs.

    Args:
        instruments: the spot products (:class:`~lyra.model.CurrencyPair` values of one
            venue, ``COINBASE`` by default; their ``raw_symbol`` is the product id).
            Default: :meth:`default_instruments`.
        clock: the exchange's clock (default: a :class:`~lyra.clock.LiveClock`).
        tick_s: how often time-driven events (GTD expiry) are processed.
        heartbeat_s: the interval of ``heartbeats`` messages.
    """

    def __init__(
        self,
        instruments: Sequence[Instrument] | None = None,
        *,
        clock: Clock | None = None,
        tick_s: float = 0.02,
        heartbeat_s: float = 1.0,
    ) -> None:
        super().__init__(clock=clock, tick_s=tick_s)
        given = list(instruments) if instruments is not None else self.default_instruments()
        if not all(isinstance(i, CurrencyPair) for i in given):
            raise InvalidInput("instruments", "must be CurrencyPair values (spot products)")
        self.market = FakeMarket(given[0].venue, given, clock=self.clock)
        self.markets.append(self.market)
        self.products: dict[str, Instrument] = {str(i.raw_symbol): i for i in given}
        self.verifier = JwtVerifier(leeway_s=5)
        self.accounts: dict[str, FakeCoinbaseAccount] = {}
        self.heartbeat_s = heartbeat_s
        self._by_internal: dict[str, FakeCoinbaseOrder] = {}
        self._trade_ids = itertools.count(1)
        self._recent: dict[str, list[dict[str, Any]]] = {p: [] for p in self.products}
        self._last_price: dict[str, Decimal] = {}
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._beats = itertools.count(1)
        self.market.on_event = self._on_event
        self.market.on_book = self._on_book

    @staticmethod
    def default_instruments() -> list[Instrument]:
        """``BTC-USD.COINBASE``: tick 0.01 USD, size increment 0.00000001 BTC, minimum size
        0.00001 BTC, minimum order value 1 USD, fees 0.4% maker / 0.6% taker."""
        return [
            CurrencyPair.simple(
                "BTC-USD.COINBASE",
                price_increment="0.01",
                size_increment="0.00000001",
                min_quantity="0.00001",
                max_quantity="3400",
                min_notional="1 USD",
                maker_fee="0.004",
                taker_fee="0.006",
            )
        ]

    @property
    def urls(self) -> CoinbaseUrls:
        """The URLs to give :class:`~lyra.adapters.coinbase.CoinbaseVenue`."""
        return CoinbaseUrls(
            rest=self.http_url, ws_market=self.ws_url, ws_user=f"{self.ws_url}/user"
        )

    # -- accounts ---------------------------------------------------------------------------
    def add_account(
        self,
        key: CdpKey | str,
        public_key: str | None = None,
        *,
        balances: Iterable[Money | str] | None = None,
    ) -> FakeCoinbaseAccount:
        """Register a CDP API key: a :class:`~lyra.adapters.coinbase.CdpKey` (its public
        half is taken), or a key name and its public key in PEM.

        ``balances`` are the opening balances (``Money`` or ``"1000 USD"``); default
        1,000,000 of each quote currency and 100 of each base currency.
        """
        name = key.key_name if isinstance(key, CdpKey) else key
        if name in self.accounts:
            raise InvalidInput("key", "is already registered", name)
        self.verifier.add_key(name, key if isinstance(key, CdpKey) else (public_key or ""))
        if balances is None:
            amounts: dict[str, Money] = {}
            for inst in self.products.values():
                amounts[inst.quote_currency.code] = Money("1000000", inst.quote_currency)
                base = inst.base_currency
                if base is not None:
                    amounts.setdefault(base.code, Money("100", base))
            given = list(amounts.values())
        else:
            given = [b if isinstance(b, Money) else Money.from_str(b) for b in balances]
        venue = self.market.add_account(f"{self.market.venue}-{len(self.accounts) + 1:03d}", given)
        account = FakeCoinbaseAccount(name, venue)
        self.accounts[name] = account
        return account

    def order(self, key_name: str, client_order_id: str) -> FakeCoinbaseOrder | None:
        """The fake's record of an order of an account (by client order id)."""
        account = self.accounts.get(key_name)
        return None if account is None else account.by_client.get(client_order_id)

    # -- moving the market ----------------------------------------------------------------------
    def set_book(
        self,
        instrument_id: InstrumentId | str,
        bids: Iterable[tuple[Price | str, Quantity | str]],
        asks: Iterable[tuple[Price | str, Quantity | str]],
    ) -> None:
        """Make the resting liquidity of a product these levels; ``level2`` publishes it."""
        self.market.set_book(instrument_id, bids, asks)

    def trade(
        self,
        instrument_id: InstrumentId | str,
        price: Price | str,
        quantity: Quantity | str,
        aggressor: AggressorSide = AggressorSide.NO_AGGRESSOR,
    ) -> None:
        """Print a trade: it fills resting orders it goes through and is published on
        ``market_trades`` and ``ticker``."""
        tick = self.market.trade(instrument_id, price, quantity, aggressor)
        pid = str(self.market.instruments[tick.instrument_id].raw_symbol)
        self._publish_trade(
            pid,
            tick.price.as_decimal(),
            tick.size.as_decimal(),
            aggressor is not AggressorSide.SELLER,
            tick.ts_event,
        )

    def liquidity_order(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        price: Price | str | None,
        quantity: Quantity | str,
    ) -> Order:
        """Send an order for the rest of the market (LIMIT, or MARKET without a price)."""
        return self.market.liquidity_order(instrument_id, side, price, quantity)

    def book(
        self, instrument_id: InstrumentId | str
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The book as published, as ``(price, size)`` decimal strings, best first."""
        bids, asks = self.market.displayed(instrument_id)
        return [(str(p), str(q)) for p, q in bids], [(str(p), str(q)) for p, q in asks]

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start serving (and sending heartbeats)."""
        await super().start()
        if self._heartbeat_task is None:
            self._heartbeat_task = asyncio.get_running_loop().create_task(self._heartbeats())

    async def close(self) -> None:
        """Stop heartbeats, close every connection and both servers."""
        task, self._heartbeat_task = self._heartbeat_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().close()

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            now = self.clock.timestamp_ns()
            counter = next(self._beats)
            text = format_rfc3339(now).replace("T", " ").replace("Z", " +0000 UTC")
            for conn in list(self.connections):
                if "heartbeats" in conn.meta.get("channels", {}):
                    self._send(
                        conn,
                        "heartbeats",
                        [{"current_time": text, "heartbeat_counter": counter}],
                    )

    # -- websocket plumbing -----------------------------------------------------------------------
    def _send(self, conn: FakeConnection, channel: str, events: list[Any]) -> None:
        seq = conn.meta.get("seq", 0)
        conn.meta["seq"] = seq + 1
        message = {
            "channel": channel,
            "client_id": "",
            "timestamp": format_rfc3339(self.clock.timestamp_ns()),
            "sequence_num": seq,
            "events": events,
        }
        conn.send(json.dumps(message, separators=(",", ":")))

    def _subscribers(self, channel: str, product: str | None) -> list[FakeConnection]:
        out = []
        for conn in self.connections:
            products = conn.meta.get("channels", {}).get(channel)
            if products is None:
                continue
            if product is None or not products or product in products:
                out.append(conn)
        return out

    async def serve(self, conn: FakeConnection) -> None:
        path = conn.path.split("?", 1)[0].rstrip("/")
        if path not in ("", "/user"):
            await conn.ws.close(code=1008, reason="unknown path")
            return
        conn.kind = "user" if path == "/user" else "market"
        conn.meta["channels"] = {}
        conn.meta["seq"] = 0
        async for frame in conn.ws:
            self._on_request(conn, frame)

    def _error(self, conn: FakeConnection, message: str, reason: str = "") -> None:
        conn.send(json.dumps({"type": "error", "message": message, "reason": reason}))

    def _on_request(self, conn: FakeConnection, frame: Any) -> None:
        try:
            msg = json.loads(frame)
            kind = msg["type"]
            channel = msg["channel"]
            products = msg.get("product_ids") or []
            if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._error(conn, "Failed to parse message", "malformed subscribe request")
            return
        if kind not in ("subscribe", "unsubscribe") or channel not in _CHANNELS:
            self._error(conn, "Failed to subscribe", f"unknown type or channel {channel!r}")
            return
        unknown = [p for p in products if p not in self.products]
        if unknown:
            self._error(conn, "Failed to subscribe", f"{unknown[0]} is not a valid product")
            return
        if channel in _PRODUCT_CHANNELS and not products:
            self._error(conn, "Failed to subscribe", f"{channel} needs product_ids")
            return
        token = msg.get("jwt")
        if token is not None or channel == "user":
            try:
                claims = self.verifier.verify_ws(str(token))
            except (InvalidToken, LyraError):
                self._error(conn, "authentication failure")
                return
            account = self.accounts.get(str(claims.get("sub")))
            if account is None:
                self._error(conn, "authentication failure")
                return
            conn.account = account
        channels: dict[str, set[str]] = conn.meta["channels"]
        if kind == "unsubscribe":
            current = channels.get(channel)
            if current is not None:
                if products:
                    current.difference_update(products)
                if not products or not current:
                    channels.pop(channel, None)
            self._subscriptions(conn)
            return
        channels.setdefault(channel, set()).update(products)
        self._subscriptions(conn)
        if channel == "level2":
            for pid in products:
                self._send(conn, "l2_data", [self._l2_snapshot(pid)])
        elif channel == "market_trades":
            for pid in products:
                recent = list(reversed(self._recent[pid][-50:]))
                self._send(conn, "market_trades", [{"type": "snapshot", "trades": recent}])
        elif channel in ("ticker", "ticker_batch"):
            self._send(
                conn,
                channel,
                [{"type": "snapshot", "tickers": [self._ticker_json(p) for p in products]}],
            )
        elif channel == "user":
            account = conn.account
            assert account is not None
            wanted = channels["user"]
            orders = [
                self._user_order(o)
                for o in account.open_orders()
                if not wanted or o.product_id in wanted
            ]
            for i in range(0, max(len(orders), 1), 50):
                self._send(conn, "user", [{"type": "snapshot", "orders": orders[i : i + 50]}])

    def _subscriptions(self, conn: FakeConnection) -> None:
        channels = conn.meta["channels"]
        self._send(
            conn,
            "subscriptions",
            [{"subscriptions": {c: sorted(p) for c, p in sorted(channels.items())}}],
        )

    def malformed(self, frame: str) -> str:
        """The frame with its envelope kept and its events broken (an unknown book side)."""
        try:
            msg = json.loads(frame)
        except ValueError:
            return frame[: max(1, len(frame) // 2)]
        if isinstance(msg, dict) and "events" in msg:
            msg["events"] = [{"type": "update", "product_id": 7, "updates": [{"side": "ask"}]}]
            if msg.get("channel") not in ("l2_data",):
                msg["events"] = "not-a-list"
            return json.dumps(msg, separators=(",", ":"))
        return frame[: max(1, len(frame) // 2)]

    # -- market data --------------------------------------------------------------------------
    def _l2_snapshot(self, pid: str) -> dict[str, Any]:
        bids, asks = self.market.displayed(self.products[pid].id)
        ts = format_rfc3339(self.clock.timestamp_ns())
        updates = [
            {"side": side, "event_time": ts, "price_level": str(p), "new_quantity": str(q)}
            for side, levels in (("bid", bids), ("offer", asks))
            for p, q in levels
        ]
        return {"type": "snapshot", "product_id": pid, "updates": updates}

    def _on_book(self, iid: InstrumentId, changes: list[tuple[int, Price, Quantity]]) -> None:
        pid = str(self.market.instruments[iid].raw_symbol)
        conns = self._subscribers("level2", pid)
        if self.faults.take_skip(pid):
            for conn in conns:  # the number is used up, the message never sent
                conn.meta["seq"] = conn.meta.get("seq", 0) + 1
            return
        if not conns:
            return
        ts = format_rfc3339(self.clock.timestamp_ns())
        updates = [
            {
                "side": "bid" if side == 1 else "offer",
                "event_time": ts,
                "price_level": str(p),
                "new_quantity": str(q),
            }
            for side, p, q in changes
        ]
        event = {"type": "update", "product_id": pid, "updates": updates}
        for conn in conns:
            self._send(conn, "l2_data", [event])

    def _ticker_json(self, pid: str) -> dict[str, Any]:
        bids, asks = self.market.displayed(self.products[pid].id)
        last = self._last_price.get(pid)
        return {
            "type": "ticker",
            "product_id": pid,
            "price": _fmt(last) if last is not None else "",
            "best_bid": str(bids[0][0]) if bids else "",
            "best_bid_quantity": str(bids[0][1]) if bids else "",
            "best_ask": str(asks[0][0]) if asks else "",
            "best_ask_quantity": str(asks[0][1]) if asks else "",
        }

    def _publish_trade(
        self, pid: str, px: Decimal, qty: Decimal, buyer_aggressor: bool, ts_ns: int
    ) -> None:
        trade = {
            "trade_id": str(next(self._trade_ids)),
            "product_id": pid,
            "price": _fmt(px),
            "size": _fmt(qty),
            # the maker's side (see lyra.adapters.coinbase.market)
            "side": "SELL" if buyer_aggressor else "BUY",
            "time": format_rfc3339(ts_ns),
        }
        recent = self._recent[pid]
        recent.append(trade)
        del recent[:-50]
        self._last_price[pid] = px
        for conn in self._subscribers("market_trades", pid):
            self._send(conn, "market_trades", [{"type": "update", "trades": [trade]}])
        for channel in ("ticker", "ticker_batch"):
            for conn in self._subscribers(channel, pid):
                self._send(conn, channel, [{"type": "update", "tickers": [self._ticker_json(pid)]}])

    # -- events from the simulated exchange ------------------------------------------------------
    def _on_event(self, event: OrderEvent) -> None:
        rec = self._by_internal.get(event.client_order_id)
        if isinstance(event, OrderFilled):
            self._on_fill(event, rec)
            return
        if rec is None:
            return
        now = event.ts_event or self.clock.timestamp_ns()
        rec.updated_ns = now
        if isinstance(event, (OrderRejected, OrderDenied)):
            rec.status = "FAILED"
            rec.reject_reason = event.reason
            rec.rejection_code = str(event.code)
            if not rec.in_request:
                self._user_update(rec)
            return
        if isinstance(event, OrderAccepted):
            if rec.status == "PENDING":
                rec.status = "OPEN"
                self._user_update(rec)
            return
        if isinstance(event, OrderTriggered):
            rec.trigger_status = "STOP_TRIGGERED"
            self._user_update(rec)
            return
        if isinstance(event, OrderUpdated):
            rec.quantity = event.quantity.as_decimal()
            if event.price is not None:
                rec.price = event.price.as_decimal()
            self._user_update(rec)
            return
        if isinstance(event, (OrderCanceled, OrderExpired)):
            if not rec.is_open:
                return
            gtd = rec.spec.time_in_force is TimeInForce.GTD
            rec.status = "EXPIRED" if isinstance(event, OrderExpired) and gtd else "CANCELLED"
            if rec.spec.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
                rec.cancel_reason = "IOC_OR_FOK_NOT_FILLED"
            self._user_update(rec)

    def _on_fill(self, event: OrderFilled, rec: FakeCoinbaseOrder | None) -> None:
        inst = self.market.instruments[event.instrument_id]
        pid = str(inst.raw_symbol)
        qty = event.last_qty.as_decimal()
        px = event.last_px.as_decimal()
        if event.liquidity_side is LiquiditySide.TAKER:
            buyer = (rec.side == "BUY") if rec is not None else event.order_side is OrderSide.BUY
            self._publish_trade(pid, px, qty, buyer, event.ts_event)
        if rec is None:
            return
        rec.cum_qty += qty
        rec.cum_value += qty * px
        fee = event.commission.as_decimal()
        rec.fees += fee
        rec.fills += 1
        rec.last_fill_ns = rec.updated_ns = event.ts_event
        if rec.cum_qty >= rec.quantity:
            rec.status = "FILLED"
        elif rec.status == "PENDING":
            rec.status = "OPEN"
        maker = event.liquidity_side is LiquiditySide.MAKER
        rec.account.fills.append(
            {
                "entry_id": uuid.uuid4().hex,
                "trade_id": str(uuid.uuid4()),
                "order_id": rec.order_id,
                "trade_time": format_rfc3339(event.ts_event),
                "trade_type": "FILL",
                "price": _fmt(px),
                "size": _fmt(qty),
                "commission": _fmt(Decimal(fee)),
                "product_id": pid,
                "sequence_timestamp": format_rfc3339(event.ts_event),
                "liquidity_indicator": "MAKER" if maker else "TAKER",
                "size_in_quote": False,
                "user_id": rec.account.key_name,
                "side": rec.side,
            }
        )
        self._user_update(rec)

    # -- the user channel ---------------------------------------------------------------------
    def _user_order(self, rec: FakeCoinbaseOrder) -> dict[str, Any]:
        avg = rec.cum_value / rec.cum_qty if rec.cum_qty else Decimal(0)
        leaves = rec.quantity - rec.cum_qty if rec.is_open else Decimal(0)
        spec = rec.spec
        return {
            "order_id": rec.order_id,
            "client_order_id": rec.client_order_id,
            "cumulative_quantity": _fmt(rec.cum_qty),
            "leaves_quantity": _fmt(leaves),
            "avg_price": _fmt(avg),
            "total_fees": _fmt(rec.fees),
            "status": rec.status,
            "product_id": rec.product_id,
            "creation_time": format_rfc3339(rec.created_ns),
            "order_side": rec.side,
            "order_type": {"MARKET": "Market", "LIMIT": "Limit"}.get(rec.order_type, "StopLimit"),
            "cancel_reason": rec.cancel_reason,
            "reject_reason": rec.reject_reason,
            "total_value_after_fees": _fmt(
                rec.cum_value + (rec.fees if rec.side == "BUY" else -rec.fees)
            ),
            "time_in_force": _TIF_NAME[spec.time_in_force],
            "trigger_status": rec.trigger_status,
            "product_type": "SPOT",
            "filled_value": _fmt(rec.cum_value),
            "number_of_fills": str(rec.fills),
            "limit_price": _fmt(rec.price) if rec.price is not None else "",
            "stop_price": spec.trigger_price or "",
            "post_only": spec.post_only,
            "end_time": format_rfc3339(spec.expire_time_ns) if spec.expire_time_ns else "",
        }

    def _user_update(self, rec: FakeCoinbaseOrder) -> None:
        body = None
        for conn in self._subscribers("user", rec.product_id):
            if conn.account is not rec.account:
                continue
            if body is None:
                body = [{"type": "update", "orders": [self._user_order(rec)]}]
            self._send(conn, "user", body)

    # -- REST ------------------------------------------------------------------------------------
    def add_routes(self, app: Any) -> None:
        routes: list[tuple[str, str, Any, bool]] = [
            ("GET", "/market/products", self._products, False),
            ("GET", "/market/products/{product_id}", self._product, False),
            ("GET", "/market/product_book", self._product_book, False),
            ("GET", "/products", self._products, True),
            ("GET", "/products/{product_id}", self._product, True),
            ("GET", "/product_book", self._product_book, True),
            ("POST", "/orders", self._create_order, True),
            ("POST", "/orders/batch_cancel", self._batch_cancel, True),
            ("POST", "/orders/edit", self._edit_order, True),
            ("GET", "/orders/historical/batch", self._list_orders, True),
            ("GET", "/orders/historical/fills", self._list_fills, True),
            ("GET", "/orders/historical/{order_id}", self._get_order, True),
            ("GET", "/accounts", self._accounts, True),
        ]
        for method, path, fn, private in routes:
            app.router.add_route(method, _API + path, self._endpoint(fn, private))
        app.router.add_route("*", "/{tail:.*}", self._not_found)

    async def _not_found(self, request: Any) -> Any:
        return self._http_error(404, "NOT_FOUND", "Not Found")

    def _http_error(self, status: int, error: str, message: str) -> Any:
        from aiohttp import web

        body = json.dumps({"error": error, "code": status, "message": message})
        return web.Response(status=status, text=body, content_type="application/json")

    def _endpoint(self, fn: Any, private: bool) -> Any:
        from aiohttp import web

        async def handler(request: Any) -> Any:
            body = await request.read() if request.can_read_body else b""
            rejection = self.faults.take_rejection(request.method, request.path)
            if rejection is not None:
                if request.path == _API + "/orders":
                    return web.json_response(
                        {
                            "success": False,
                            "failure_reason": "UNKNOWN_FAILURE_REASON",
                            "order_id": "",
                            "error_response": {
                                "error": str(rejection.code),
                                "message": rejection.message,
                                "error_details": rejection.message,
                                "preview_failure_reason": "UNKNOWN_PREVIEW_FAILURE_REASON",
                                "new_order_failure_reason": str(rejection.code),
                            },
                        }
                    )
                return self._http_error(rejection.status, str(rejection.code), rejection.message)
            account = None
            try:
                if private:
                    account = self._authenticate(request)
                result = fn(request, account, body)
            except _HttpError as exc:
                return self._http_error(exc.status, exc.error, exc.message)
            return web.Response(
                text=json.dumps(result, separators=(",", ":")), content_type="application/json"
            )

        return handler

    def _authenticate(self, request: Any) -> FakeCoinbaseAccount:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise _HttpError(401, "UNAUTHENTICATED", "missing bearer token")
        try:
            claims = self.verifier.verify_rest(
                header[7:], request.method, request.path, host=request.host
            )
        except (InvalidToken, LyraError) as exc:
            raise _HttpError(401, "UNAUTHENTICATED", f"invalid token: {exc}") from None
        account = self.accounts.get(str(claims.get("sub")))
        if account is None:
            raise _HttpError(401, "UNAUTHENTICATED", "unknown API key")
        return account

    # -- products and book ---------------------------------------------------------------------
    def _product_json(self, inst: Instrument) -> dict[str, Any]:
        pid = str(inst.raw_symbol)
        last = self._last_price.get(pid)
        base = inst.base_currency
        return {
            "product_id": pid,
            "price": _fmt(last) if last is not None else "",
            "base_increment": str(inst.size_increment),
            "quote_increment": str(inst.price_increment),
            "price_increment": str(inst.price_increment),
            "base_min_size": str(inst.min_quantity or inst.size_increment),
            "base_max_size": str(inst.max_quantity) if inst.max_quantity else "",
            "quote_min_size": _fmt(inst.min_notional) if inst.min_notional else "",
            "quote_max_size": _fmt(inst.max_notional) if inst.max_notional else "",
            "status": "online",
            "trading_disabled": False,
            "is_disabled": False,
            "cancel_only": False,
            "limit_only": False,
            "post_only": False,
            "auction_mode": False,
            "view_only": False,
            "product_type": "SPOT",
            "base_currency_id": base.code if base is not None else "",
            "quote_currency_id": inst.quote_currency.code,
            "display_name": pid.replace("-", "/"),
        }

    def _products(self, request: Any, account: Any, body: bytes) -> Any:
        items = [self._product_json(i) for i in self.products.values()]
        return {"products": items, "num_products": len(items)}

    def _product(self, request: Any, account: Any, body: bytes) -> Any:
        inst = self.products.get(request.match_info["product_id"])
        if inst is None:
            raise _HttpError(404, "NOT_FOUND", "product not found")
        return self._product_json(inst)

    def _product_book(self, request: Any, account: Any, body: bytes) -> Any:
        pid = request.query.get("product_id", "")
        inst = self.products.get(pid)
        if inst is None:
            raise _HttpError(400, "INVALID_ARGUMENT", "invalid product_id")
        limit = int(request.query.get("limit", "0") or 0)
        bids, asks = self.market.displayed(inst.id)
        if limit > 0:
            bids, asks = bids[:limit], asks[:limit]
        return {
            "pricebook": {
                "product_id": pid,
                "bids": [{"price": str(p), "size": str(q)} for p, q in bids],
                "asks": [{"price": str(p), "size": str(q)} for p, q in asks],
                "time": format_rfc3339(self.clock.timestamp_ns()),
            }
        }

    # -- orders ---------------------------------------------------------------------------------
    def _create_order(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        try:
            req = decode_rest(body, CreateOrderRequest)
        except MalformedMessage as exc:
            raise _HttpError(400, "INVALID_ARGUMENT", str(exc)) from None
        existing = account.by_client.get(req.client_order_id)
        if existing is not None:  # Coinbase answers a reused id with the existing order
            return self._created(existing)
        try:
            rec = self._build(account, req)
            self._place(rec)
        except _Failure as failure:
            return {
                "success": False,
                "failure_reason": "UNKNOWN_FAILURE_REASON",
                "order_id": "",
                "error_response": {
                    "error": failure.error,
                    "message": failure.message,
                    "error_details": failure.message,
                    "preview_failure_reason": failure.preview or "UNKNOWN_PREVIEW_FAILURE_REASON",
                    "new_order_failure_reason": (
                        "UNKNOWN_FAILURE_REASON" if failure.preview else failure.error
                    ),
                },
            }
        return self._created(rec)

    def _created(self, rec: FakeCoinbaseOrder) -> Any:
        from lyra.adapters.coinbase.messages import encode

        return {
            "success": True,
            "failure_reason": "UNKNOWN_FAILURE_REASON",
            "order_id": rec.order_id,
            "success_response": {
                "order_id": rec.order_id,
                "product_id": rec.product_id,
                "side": rec.side,
                "client_order_id": rec.client_order_id,
            },
            "order_configuration": json.loads(encode(rec.request.order_configuration)),
        }

    def _build(self, account: FakeCoinbaseAccount, req: CreateOrderRequest) -> FakeCoinbaseOrder:
        inst = self.products.get(req.product_id)
        if inst is None:
            raise _Failure("INVALID_PRODUCT_ID", f"{req.product_id} is not a valid product")
        if req.attached_order_configuration is not None:
            raise _Failure("UNSUPPORTED_ORDER_CONFIGURATION", "this fake takes no attached orders")
        try:
            spec = order_spec(req.order_configuration)
        except LyraError as exc:
            raise _Failure("UNSUPPORTED_ORDER_CONFIGURATION", str(exc)) from None
        if spec.bracket or spec.kind == "market_market_fok":
            raise _Failure(
                "UNSUPPORTED_ORDER_CONFIGURATION", f"{spec.kind} is not offered on spot products"
            )
        if spec.quote_quantity and not (spec.order_type is OrderType.MARKET and req.side == "BUY"):
            raise _Failure("UNSUPPORTED_ORDER_CONFIGURATION", "quote_size on a market BUY only")
        now = self.clock.timestamp_ns()
        rec = FakeCoinbaseOrder(str(uuid.uuid4()), req, spec, account, inst, now)
        size = _dec(spec.quantity, "size")
        if spec.quote_quantity:
            size = self._quote_to_base(inst, size)
        else:
            step = inst.size_increment.as_decimal()
            if size % step:
                raise _Failure("INVALID_SIZE_PRECISION", f"size must be a multiple of {step}")
            low = inst.min_quantity.as_decimal() if inst.min_quantity is not None else step
            if size < low:
                raise _Failure(
                    "UNKNOWN_FAILURE_REASON",
                    f"size is below the minimum {low}",
                    preview="PREVIEW_INVALID_BASE_SIZE_TOO_SMALL",
                )
            high = inst.max_quantity
            if high is not None and size > high.as_decimal():
                raise _Failure(
                    "UNKNOWN_FAILURE_REASON",
                    f"size is above the maximum {high}",
                    preview="PREVIEW_INVALID_BASE_SIZE_TOO_LARGE",
                )
        rec.quantity = size
        tick = inst.price_increment.as_decimal()
        for text, name in ((spec.price, "limit_price"), (spec.trigger_price, "stop_price")):
            if text is None:
                continue
            px = _dec(text, name)
            if px <= 0 or px % tick:
                raise _Failure("INVALID_PRICE_PRECISION", f"{name} must be a multiple of {tick}")
        if spec.expire_time_ns is not None and spec.expire_time_ns <= now:
            raise _Failure(
                "UNKNOWN_FAILURE_REASON",
                "end_time must be in the future",
                preview="PREVIEW_INVALID_END_TIME",
            )
        notional = inst.min_notional
        if (
            notional is not None
            and spec.order_type is not OrderType.MARKET
            and rec.price
            and size * rec.price < notional.as_decimal()
        ):
            raise _Failure(
                "UNKNOWN_FAILURE_REASON",
                f"order value is below {notional}",
                preview="PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL",
            )
        rec.order = self._lyra_order(inst, rec, req)
        return rec

    def _quote_to_base(self, inst: Instrument, quote: Decimal) -> Decimal:
        _, asks = self.market.displayed(inst.id)
        left, base = quote, Decimal(0)
        for px, qty in asks:
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
            raise _Failure("INVALID_NO_LIQUIDITY", "not enough liquidity for the quote size")
        return base

    def _lyra_order(
        self, inst: Instrument, rec: FakeCoinbaseOrder, req: CreateOrderRequest
    ) -> Order:
        f = self.market.factory
        spec = rec.spec
        side = OrderSide.BUY if req.side == "BUY" else OrderSide.SELL
        qty = inst.make_qty(rec.quantity, check_bounds=False)
        cid = self.market.new_client_order_id("C")
        if spec.order_type is OrderType.MARKET:
            return f.market(inst.id, side, qty, time_in_force=TimeInForce.IOC, client_order_id=cid)
        assert spec.price is not None
        price = inst.make_price(spec.price, check_bounds=False)
        tif = spec.time_in_force
        if spec.order_type is OrderType.LIMIT:
            return f.limit(
                inst.id,
                side,
                qty,
                price,
                time_in_force=tif,
                expire_time_ns=spec.expire_time_ns,
                post_only=spec.post_only,
                client_order_id=cid,
            )
        assert spec.trigger_price is not None
        stop = inst.make_price(spec.trigger_price, check_bounds=False)
        up = spec.stop_direction == "STOP_DIRECTION_STOP_UP"
        # a stop in the side's own direction is a stop-limit; the other way round (a SELL
        # that waits for a rise) is Lyra's limit-if-touched
        make = f.stop_limit if up == (side is OrderSide.BUY) else f.limit_if_touched
        return make(
            inst.id,
            side,
            qty,
            price,
            stop,
            trigger_type=TriggerType.LAST_PRICE,
            time_in_force=tif,
            expire_time_ns=spec.expire_time_ns,
            client_order_id=cid,
        )

    def _place(self, rec: FakeCoinbaseOrder) -> None:
        account = rec.account
        order = rec.order
        assert order is not None
        self._by_internal[str(order.client_order_id)] = rec
        account.orders[rec.order_id] = rec
        account.by_client[rec.client_order_id] = rec
        rec.in_request = True
        try:
            account.venue.submit_order(order)
            self.market.settle()
        finally:
            rec.in_request = False
        if rec.status == "FAILED":
            account.orders.pop(rec.order_id, None)
            account.by_client.pop(rec.client_order_id, None)
            raise _Failure(*_failure(rec.rejection_code, rec.reject_reason))

    def _batch_cancel(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        try:
            req = decode_rest(body, CancelOrdersRequest)
        except MalformedMessage as exc:
            raise _HttpError(400, "INVALID_ARGUMENT", str(exc)) from None
        if len(req.order_ids) > 100:
            raise _HttpError(400, "INVALID_ARGUMENT", "at most 100 order ids")
        results = []
        for oid in req.order_ids:
            rec = account.orders.get(oid)
            if rec is None or not rec.is_open:
                results.append(
                    {"success": False, "failure_reason": "UNKNOWN_CANCEL_ORDER", "order_id": oid}
                )
                continue
            assert rec.order is not None
            account.venue.cancel_order(rec.order)
            self.market.settle()
            ok = rec.status == "CANCELLED"
            results.append(
                {
                    "success": ok,
                    "failure_reason": (
                        "UNKNOWN_CANCEL_FAILURE_REASON" if ok else "UNKNOWN_CANCEL_ORDER"
                    ),
                    "order_id": oid,
                }
            )
        return {"results": results}

    def _edit_order(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        try:
            req = decode_rest(body, EditOrderRequest)
        except MalformedMessage as exc:
            raise _HttpError(400, "INVALID_ARGUMENT", str(exc)) from None

        def refuse(reason: str) -> Any:
            return {"success": False, "errors": [{"edit_failure_reason": reason}]}

        rec = account.orders.get(req.order_id)
        if rec is None:
            return refuse("ORDER_NOT_FOUND")
        if not rec.is_open:
            return refuse("ONLY_OPEN_ORDERS_CAN_BE_EDITED")
        if rec.spec.kind != "limit_limit_gtc":
            return refuse("ONLY_LIMIT_ORDER_EDITS_SUPPORTED")
        inst = rec.instrument
        try:
            size, price = Decimal(req.size), Decimal(req.price)
        except InvalidOperation:
            return refuse("INVALID_EDITED_SIZE")
        if size <= rec.cum_qty or size % inst.size_increment.as_decimal():
            return refuse("INVALID_EDITED_SIZE")
        if price <= 0 or price % inst.price_increment.as_decimal():
            return refuse("INVALID_EDITED_PRICE")
        if size == rec.quantity and price == rec.price:
            return refuse("EDIT_REQUEST_EQUAL_TO_ORIGINAL_REQUEST")
        if rec.spec.post_only:
            bids, asks = self.market.displayed(inst.id)
            opposite = asks if rec.side == "BUY" else bids
            if opposite and (
                (rec.side == "BUY" and price >= opposite[0][0].as_decimal())
                or (rec.side == "SELL" and price <= opposite[0][0].as_decimal())
            ):
                return refuse("INVALID_EDITED_PRICE")
        order = rec.order
        assert order is not None
        account.venue.modify_order(
            order,
            quantity=inst.make_qty(size, check_bounds=False),
            price=inst.make_price(price, check_bounds=False),
        )
        self.market.settle()
        if rec.quantity != size or rec.price != price:
            return refuse("COMMANDER_REJECTED_EDIT_ORDER")
        return {"success": True, "errors": []}

    # -- queries ---------------------------------------------------------------------------------
    def _order_json(self, rec: FakeCoinbaseOrder) -> dict[str, Any]:
        from lyra.adapters.coinbase.messages import encode

        avg = rec.cum_value / rec.cum_qty if rec.cum_qty else Decimal(0)
        return {
            "order_id": rec.order_id,
            "product_id": rec.product_id,
            "user_id": rec.account.key_name,
            "order_configuration": json.loads(encode(rec.request.order_configuration)),
            "side": rec.side,
            "client_order_id": rec.client_order_id,
            "status": rec.status,
            "time_in_force": _TIF_NAME[rec.spec.time_in_force],
            "created_time": format_rfc3339(rec.created_ns),
            "completion_percentage": _fmt(
                (rec.cum_qty / rec.quantity * 100) if rec.quantity else Decimal(0)
            ),
            "filled_size": _fmt(rec.cum_qty),
            "average_filled_price": _fmt(avg),
            "number_of_fills": str(rec.fills),
            "filled_value": _fmt(rec.cum_value),
            "pending_cancel": False,
            "size_in_quote": rec.spec.quote_quantity,
            "total_fees": _fmt(rec.fees),
            "size_inclusive_of_fees": False,
            "total_value_after_fees": _fmt(rec.cum_value),
            "trigger_status": rec.trigger_status,
            "order_type": rec.order_type,
            "reject_reason": "",
            "reject_message": rec.reject_reason,
            "cancel_message": rec.cancel_reason,
            "settled": not rec.is_open,
            "product_type": "SPOT",
            "last_fill_time": format_rfc3339(rec.last_fill_ns) if rec.last_fill_ns else None,
        }

    def _get_order(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        rec = account.orders.get(request.match_info["order_id"])
        if rec is None:
            raise _HttpError(404, "NOT_FOUND", "order not found")
        return {"order": self._order_json(rec)}

    @staticmethod
    def _page(request: Any, items: list[Any], default: int = 100) -> tuple[list[Any], str]:
        try:
            start = int(request.query.get("cursor") or 0)
            limit = int(request.query.get("limit") or default)
        except ValueError:
            raise _HttpError(400, "INVALID_ARGUMENT", "bad cursor or limit") from None
        limit = max(1, min(limit, 1000))
        page = items[start : start + limit]
        more = start + limit < len(items)
        return page, str(start + limit) if more else ""

    def _since(self, request: Any, name: str) -> int | None:
        text = request.query.get(name)
        if not text:
            return None
        from lyra.adapters.coinbase._parse import rfc3339_ns

        try:
            return rfc3339_ns(text, name)
        except LyraError:
            raise _HttpError(400, "INVALID_ARGUMENT", f"{name} must be RFC 3339") from None

    def _list_orders(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        statuses = set(request.query.getall("order_status", []))
        products = set(request.query.getall("product_ids", []))
        since = self._since(request, "start_date")
        chosen = []
        for rec in reversed(list(account.orders.values())):  # newest first, as Coinbase
            if statuses and rec.status not in statuses:
                continue
            if products and rec.product_id not in products:
                continue
            if since is not None and rec.created_ns < since:
                continue
            chosen.append(self._order_json(rec))
        page, cursor = self._page(request, chosen)
        return {"orders": page, "sequence": "0", "has_next": bool(cursor), "cursor": cursor}

    def _list_fills(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        orders = set(request.query.getall("order_ids", []))
        products = set(request.query.getall("product_ids", []))
        since = self._since(request, "start_sequence_timestamp")
        chosen = []
        from lyra.adapters.coinbase._parse import rfc3339_ns

        for fill in reversed(account.fills):  # newest first
            if orders and fill["order_id"] not in orders:
                continue
            if products and fill["product_id"] not in products:
                continue
            if since is not None and rfc3339_ns(fill["sequence_timestamp"]) < since:
                continue
            chosen.append(fill)
        page, cursor = self._page(request, chosen)
        return {"fills": page, "cursor": cursor}

    def _accounts(self, request: Any, account: FakeCoinbaseAccount, body: bytes) -> Any:
        items = []
        for cur, bal in sorted(account.venue.account.balances().items(), key=lambda kv: kv[0].code):
            uid = account.uuids.setdefault(cur.code, str(uuid.uuid4()))
            items.append(
                {
                    "uuid": uid,
                    "name": f"{cur.code} Wallet",
                    "currency": cur.code,
                    "available_balance": {"value": _fmt(bal.free), "currency": cur.code},
                    "default": True,
                    "active": True,
                    "created_at": "",
                    "updated_at": "",
                    "deleted_at": None,
                    "type": "ACCOUNT_TYPE_FIAT" if cur.code == "USD" else "ACCOUNT_TYPE_CRYPTO",
                    "ready": True,
                    "hold": {"value": _fmt(bal.locked), "currency": cur.code},
                    "retail_portfolio_id": "",
                }
            )
        page, cursor = self._page(request, items, 49)
        return {"accounts": page, "has_next": bool(cursor), "cursor": cursor, "size": len(page)}


def _failure(code: str, reason: str) -> tuple[str, str]:
    """Coinbase's failure reason and message for a simulated exchange's rejection."""
    if code == "POST_ONLY_WOULD_TAKE":
        return "INVALID_LIMIT_PRICE_POST_ONLY", "the post-only order would cross the book"
    if code == "INSUFFICIENT_BALANCE":
        return "INSUFFICIENT_FUND", "Insufficient balance in source account"
    text = reason.upper()
    if "TRIGGER" in text or "STOP" in text:
        return "INVALID_STOP_PRICE", reason or "invalid stop price"
    return "UNKNOWN_FAILURE_REASON", reason or "the order was rejected"


class CoinbaseHarness:
    """The adapter conformance harness of :class:`~lyra.adapters.coinbase.CoinbaseVenue`
    against a running :class:`FakeCoinbase` (see :mod:`lyra.testing.conformance`).

    Every :meth:`make_venue` registers a new CDP key (ES256 and Ed25519 alternately) and
    resets the book to the standard one: bids 99.00 .. 95.00, asks 101.00 .. 105.00,
    last trade 100.
    """

    def __init__(self, fake: FakeCoinbase, *, timeout_s: float = 5.0) -> None:
        inst = next(iter(fake.products.values()))
        self.fake = fake
        self.instrument = inst
        self.instrument_id = inst.id
        self.name = "coinbase"
        self.quantity = inst.make_qty("0.1")
        self.resting_buy_price = inst.make_price("90")
        self.resting_sell_price = inst.make_price("110")
        self.modify_price: Price | None = inst.make_price("91")
        self.modify_quantity: Quantity | None = inst.make_qty("0.2")
        self.timeout_s = timeout_s
        self._keys = itertools.count(1)
        self.keys: list[CdpKey] = []

    def reset_book(self) -> None:
        """Cancel what earlier accounts left working; put the standard book back."""
        fake, iid = self.fake, self.instrument_id
        for account in fake.accounts.values():
            account.venue.cancel_all_orders(iid)
        fake.market.settle()
        fake.set_book(
            iid,
            bids=[(f"{99 - i}.00", "2") for i in range(5)],
            asks=[(f"{101 + i}.00", "2") for i in range(5)],
        )
        fake.trade(iid, "100.00", self.quantity, AggressorSide.NO_AGGRESSOR)

    def new_key(self) -> CdpKey:
        """A fresh CDP key (ES256 or Ed25519, alternately), registered with the fake."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        n = next(self._keys)
        private: Any = (
            ec.generate_private_key(ec.SECP256R1())
            if n % 2
            else (ed25519.Ed25519PrivateKey.generate())
        )
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        key = CdpKey(f"organizations/lyra-test/apiKeys/key-{n}", pem)
        self.fake.add_account(key)
        self.keys.append(key)
        return key

    def make_venue(self, bus: Any) -> Any:
        """A fresh adapter on a fresh account."""
        from lyra.adapters.coinbase.venue import CoinbaseVenue
        from lyra.adapters.ratelimit import Backoff

        key = self.new_key()
        self.reset_book()
        return CoinbaseVenue(
            bus,
            key=key,
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

    def fake_book(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The fake's published book."""
        return self.fake.book(self.instrument_id)

    def venue_book(self, venue: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        """The adapter's synced book (``None`` while it waits for a snapshot)."""
        return venue.book_levels(self.instrument_id)  # type: ignore[no-any-return]

    def move_book(self, step: int) -> None:
        """A different, uncrossed book change per step."""
        k = step % 5
        bids = [(f"{99 - i}.00", f"{1 + (i + k) % 3}") for i in range(5) if i != k]
        bids.append((f"{98 - k}.50", "0.7"))
        asks = [(f"{101 + i}.00", f"{1 + (i * k) % 4}") for i in range(5) if i != (k + 1) % 5]
        self.fake.set_book(self.instrument_id, bids=bids, asks=asks)

    def print_trade(self, price: Price, quantity: Quantity, aggressor: AggressorSide) -> None:
        """Print a trade on the fake."""
        self.fake.trade(self.instrument_id, price, quantity, aggressor)

    def order_recipes(self) -> list[Any]:
        """Every order configuration the adapter sends, with its outcome."""
        from lyra.testing.conformance import OrderRecipe

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        buy, sell = OrderSide.BUY, OrderSide.SELL
        ioc, fok, gtd = TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD

        def later() -> int:
            return self.fake.clock.timestamp_ns() + 3_600_000_000_000

        return [
            OrderRecipe("limit_limit_gtc", lambda f: f.limit(iid, buy, q, p("90")), "rest"),
            OrderRecipe(
                "limit_limit_gtd",
                lambda f: f.limit(
                    iid, sell, q, p("110"), time_in_force=gtd, expire_time_ns=later()
                ),
                "rest",
            ),
            OrderRecipe(
                "sor_limit_ioc crossing",
                lambda f: f.limit(iid, buy, q, p("101"), time_in_force=ioc),
                "fill",
            ),
            OrderRecipe(
                "sor_limit_ioc not crossing",
                lambda f: f.limit(iid, buy, q, p("95.5"), time_in_force=ioc),
                "cancel",
            ),
            OrderRecipe(
                "limit_limit_fok too large",
                lambda f: f.limit(
                    iid, buy, self.instrument.make_qty("50"), p("101"), time_in_force=fok
                ),
                "cancel",
            ),
            OrderRecipe(
                "limit_limit_fok filling",
                lambda f: f.limit(iid, buy, q, p("101"), time_in_force=fok),
                "fill",
            ),
            OrderRecipe(
                "post-only resting", lambda f: f.limit(iid, buy, q, p("90"), post_only=True), "rest"
            ),
            OrderRecipe(
                "post-only would take",
                lambda f: f.limit(iid, buy, q, p("101"), post_only=True),
                "reject",
                "POST_ONLY_WOULD_TAKE",
            ),
            OrderRecipe("market_market_ioc BUY", lambda f: f.market(iid, buy, q), "fill"),
            OrderRecipe("market_market_ioc SELL", lambda f: f.market(iid, sell, q), "fill"),
            OrderRecipe(
                "stop_limit_stop_limit_gtc",
                lambda f: f.stop_limit(iid, sell, q, p("94"), p("95")),
                "rest",
            ),
            OrderRecipe(
                "stop_limit_stop_limit_gtd",
                lambda f: f.stop_limit(
                    iid, buy, q, p("106"), p("105"), time_in_force=gtd, expire_time_ns=later()
                ),
                "rest",
            ),
            OrderRecipe(
                "size below the minimum",
                lambda f: f.limit(iid, buy, Quantity("0.000001"), p("90")),
                "reject",
                "INVALID_ORDER",
            ),
            OrderRecipe(
                "insufficient funds",
                lambda f: f.limit(iid, sell, self.instrument.make_qty("3000"), p("110")),
                "reject",
                "INSUFFICIENT_BALANCE",
            ),
        ]

    def trigger_recipes(self) -> list[Any]:
        """Stop-limit orders and the print that triggers each."""
        from lyra.testing.conformance import OrderRecipe

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        return [
            (
                OrderRecipe(
                    "stop-limit SELL (STOP_DOWN)",
                    lambda f: f.stop_limit(iid, OrderSide.SELL, q, p("95"), p("96.5")),
                    "fill",
                ),
                p("96.00"),
                AggressorSide.BUYER,
            ),
            (
                OrderRecipe(
                    "stop-limit BUY (STOP_UP)",
                    lambda f: f.stop_limit(iid, OrderSide.BUY, q, p("105"), p("100.5")),
                    "fill",
                ),
                p("100.60"),
                AggressorSide.SELLER,
            ),
        ]

    def list_recipes(self) -> list[Any]:
        """None: Coinbase has no native order lists (the ContingencyManager emulates)."""
        return []

    def emulated_list(self, factory: Any) -> Any:
        """An OTO whose children are linked OCO: BUY at 90, then SELLs at 110 and 111."""
        from lyra.model.enums import ContingencyType
        from lyra.orders.lists import ReleasePolicy

        iid, q = self.instrument_id, self.quantity
        p = self.instrument.make_price
        return factory.oto(
            factory.limit(iid, OrderSide.BUY, q, p("90")),
            [
                factory.limit(iid, OrderSide.SELL, q, p("110")),
                factory.limit(iid, OrderSide.SELL, q, p("111")),
            ],
            release=ReleasePolicy.ON_FULL_FILL,
            children_linked=ContingencyType.OCO,
        )

    def drop(self, kind: str) -> int:
        """Close the fake's connections of ``kind``."""
        return self.fake.faults.drop_connections(kind)  # type: ignore[arg-type]

    def skip_sequence(self) -> None:
        """Use up the sequence number of the product's next level2 update."""
        self.fake.faults.skip_sequence(str(self.instrument.raw_symbol))

    def malformed(self) -> None:
        """Break the next market frame."""
        self.fake.faults.malformed_frame("market")

    def delay_user(self, seconds: float) -> None:
        """Hold the next user-channel frame."""
        self.fake.faults.delay(seconds, "user")

    def rejection(self) -> tuple[str, int | str, str, str]:
        """An insufficient-funds refusal of the next create order."""
        return (
            "POST /api/v3/brokerage/orders",
            "INSUFFICIENT_FUND",
            "Insufficient balance in source account",
            "INSUFFICIENT_BALANCE",
        )

    def reject_next(self, endpoint: str, code: int | str, message: str) -> None:
        """Answer the next request to ``endpoint`` with that failure."""
        self.fake.faults.reject_next(endpoint, code, message)

    def __repr__(self) -> str:
        return "CoinbaseHarness(coinbase)"
