"""Coinbase Advanced Trade test messages, built from the documented shapes.

No live Coinbase Advanced Trade capture exists in ``shared/fixtures/recorded`` (the only
Coinbase capture there is of the legacy Exchange feed), so every message below follows the
shapes Coinbase documents, with our own values:

* websocket envelope and channels: docs.cdp.coinbase.com/api-reference/advanced-trade-api/
  websocket (``level2`` -> ``l2_data``, ``market_trades``, ``ticker``, ``heartbeats``,
  ``user``, ``subscriptions``) and ``shared/specs/venues.md`` section 3;
* REST bodies: docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api (Create
  Order, Batch Cancel, Edit Order, Get Order, List Fills, List Accounts, List Products,
  Get Product Book);
* the error enums: Coinbase's published schema (NewOrderFailureReason,
  CancelOrderFailureReason, EditOrderFailureReason).
"""

from __future__ import annotations

import json
from typing import Any

from lyra.model.instruments import CurrencyPair

TS = "2026-04-07T14:30:01.456789Z"
TS_NS = 1_775_572_201_456_789_000

BTC_USD = CurrencyPair.simple(
    "BTC-USD.COINBASE", price_increment="0.01", size_increment="0.00000001"
)
ETH_USD = CurrencyPair.simple("ETH-USD.COINBASE", price_increment="0.01", size_increment="0.0001")


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def envelope(channel: str, sequence: int, events: list[Any], **extra: Any) -> dict[str, Any]:
    # docs: "client_id", "timestamp", "sequence_num", "events" on every channel
    return {
        "channel": channel,
        "client_id": "",
        "timestamp": TS,
        "sequence_num": sequence,
        "events": events,
        **extra,
    }


def level(side: str, price: str, qty: str, time: str = TS) -> dict[str, str]:
    return {"side": side, "event_time": time, "price_level": price, "new_quantity": qty}


def l2(
    sequence: int,
    kind: str,
    levels: list[dict[str, str]],
    product: str = "BTC-USD",
) -> bytes:
    """A level2 message (docs: "Level 2 order book": channel l2_data, new_quantity is the
    level's new size, "0" removes it)."""
    event = {"type": kind, "product_id": product, "updates": levels}
    return dumps(envelope("l2_data", sequence, [event]))


SNAPSHOT = l2(
    0,
    "snapshot",
    [
        level("bid", "68900.00", "2.00000000"),
        level("bid", "68899.50", "0.50000000"),
        level("offer", "68901.00", "1.25000000"),
        level("offer", "68902.25", "3.00000000"),
    ],
)

MARKET_TRADES = dumps(
    envelope(
        "market_trades",
        7,
        [
            {
                "type": "update",
                "trades": [
                    {
                        "trade_id": "634591178",
                        "product_id": "BTC-USD",
                        "price": "68901.00",
                        "size": "0.00120000",
                        "side": "BUY",
                        "time": "2026-04-07T14:30:01.500000Z",
                    },
                    {
                        "trade_id": "634591177",
                        "product_id": "BTC-USD",
                        "price": "68900.00",
                        "size": "0.01",
                        "side": "SELL",
                        "time": "2026-04-07T14:30:01.400000Z",
                    },
                ],
            }
        ],
    )
)

TICKER = dumps(
    envelope(
        "ticker",
        8,
        [
            {
                "type": "update",
                "tickers": [
                    {
                        "type": "ticker",
                        "product_id": "BTC-USD",
                        "price": "68900.50",
                        "volume_24_h": "15328.12345678",
                        "low_24_h": "67500.00",
                        "high_24_h": "69200.00",
                        "low_52_w": "25000.00",
                        "high_52_w": "73800.00",
                        "price_percent_chg_24_h": "1.85",
                        "best_bid": "68900.00",
                        "best_bid_quantity": "1.50000000",
                        "best_ask": "68901.00",
                        "best_ask_quantity": "0.50000000",
                    }
                ],
            }
        ],
    )
)

HEARTBEAT = dumps(
    envelope(
        "heartbeats",
        9,
        [
            {
                "current_time": "2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105",
                "heartbeat_counter": 3049,
            }
        ],
    )
)

SUBSCRIPTIONS = dumps(
    envelope(
        "subscriptions",
        1,
        [{"subscriptions": {"level2": ["BTC-USD"], "heartbeats": ["heartbeats"]}}],
    )
)

CANDLES = dumps(
    envelope(
        "candles",
        10,
        [
            {
                "type": "snapshot",
                "candles": [
                    {
                        "start": "1775572200",
                        "high": "68950.00",
                        "low": "68850.00",
                        "open": "68870.00",
                        "close": "68900.50",
                        "volume": "12.5",
                        "product_id": "BTC-USD",
                    }
                ],
            }
        ],
    )
)

STATUS = dumps(
    envelope(
        "status",
        11,
        [
            {
                "type": "snapshot",
                "products": [
                    {
                        "product_type": "SPOT",
                        "id": "BTC-USD",
                        "base_currency": "BTC",
                        "quote_currency": "USD",
                        "base_increment": "0.00000001",
                        "quote_increment": "0.01",
                        "display_name": "BTC/USD",
                        "status": "online",
                        "status_message": "",
                        "min_market_funds": "1",
                    }
                ],
            }
        ],
    )
)


def user_order(**fields: Any) -> dict[str, Any]:
    """A user-channel order (docs "User orders and positions"; venues.md 3.5)."""
    order: dict[str, Any] = {
        "order_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "client_order_id": "O-1",
        "cumulative_quantity": "0",
        "leaves_quantity": "0.001",
        "avg_price": "0",
        "total_fees": "0",
        "status": "OPEN",
        "product_id": "BTC-USD",
        "creation_time": TS,
        "order_side": "BUY",
        "order_type": "Limit",
        "cancel_reason": "",
        "reject_reason": "",
        "total_value_after_fees": "68.90050000",
        "time_in_force": "GOOD_UNTIL_CANCELLED",
        "trigger_status": "INVALID_ORDER_TYPE",
        "product_type": "SPOT",
    }
    order.update(fields)
    return order


def user(sequence: int, kind: str, orders: list[dict[str, Any]]) -> bytes:
    return dumps(envelope("user", sequence, [{"type": kind, "orders": orders}]))


WS_ERROR = b'{"type":"error","message":"authentication failure"}'

PRODUCT_BTC_USD: dict[str, Any] = {
    # docs "List Products"; field set as Coinbase returns it (some fields omitted)
    "product_id": "BTC-USD",
    "price": "68925.98",
    "base_increment": "0.00000001",
    "quote_increment": "0.01",
    "quote_min_size": "1",
    "quote_max_size": "150000000",
    "base_min_size": "0.00000001",
    "base_max_size": "3400",
    "base_name": "Bitcoin",
    "quote_name": "US Dollar",
    "status": "online",
    "cancel_only": False,
    "limit_only": False,
    "post_only": False,
    "trading_disabled": False,
    "is_disabled": False,
    "auction_mode": False,
    "product_type": "SPOT",
    "quote_currency_id": "USD",
    "base_currency_id": "BTC",
    "alias": "",
    "alias_to": ["BTC-USDC"],
    "view_only": False,
    "price_increment": "0.01",
    "display_name": "BTC-USD",
    "product_venue": "CBE",
}

PRODUCTS = dumps(
    {
        "products": [
            PRODUCT_BTC_USD,
            {
                **PRODUCT_BTC_USD,
                "product_id": "BTC-USDC",
                "quote_currency_id": "USDC",
                "alias": "BTC-USD",
                "alias_to": [],
            },
            {
                **PRODUCT_BTC_USD,
                "product_id": "PEPE-USD",
                "base_currency_id": "PEPE",
                "base_increment": "1",
                "base_min_size": "1",
                "base_max_size": "10000000000",
                "price_increment": "0.00000001",
                "quote_increment": "0.00000001",
                "alias_to": [],
            },
            {
                **PRODUCT_BTC_USD,
                "product_id": "BIT-31JAN25-CDE",
                "product_type": "FUTURE",
                "alias_to": [],
            },
        ],
        "num_products": 4,
    }
)

CREATE_OK = dumps(
    {
        "success": True,
        "success_response": {
            "order_id": "11111-00000-000000",
            "product_id": "BTC-USD",
            "side": "BUY",
            "client_order_id": "O-1",
        },
        "order_configuration": {
            "limit_limit_gtc": {"base_size": "0.001", "limit_price": "10000.00", "post_only": False}
        },
    }
)

CREATE_FAILED = dumps(
    {
        "success": False,
        "failure_reason": "UNKNOWN_FAILURE_REASON",
        "order_id": "",
        "error_response": {
            "error": "INSUFFICIENT_FUND",
            "message": "Insufficient balance in source account",
            "error_details": "",
            "preview_failure_reason": "PREVIEW_INSUFFICIENT_FUND",
            "new_order_failure_reason": "INSUFFICIENT_FUND",
        },
        "order_configuration": {
            "limit_limit_gtc": {"base_size": "100", "limit_price": "10000.00", "post_only": False}
        },
    }
)

CANCEL = dumps(
    {
        "results": [
            {"success": True, "failure_reason": "UNKNOWN_CANCEL_FAILURE_REASON", "order_id": "a"},
            {"success": False, "failure_reason": "UNKNOWN_CANCEL_ORDER", "order_id": "b"},
        ]
    }
)

EDIT_FAILED = dumps(
    {
        "success": False,
        "errors": [
            {
                "edit_failure_reason": "CANNOT_EDIT_TO_BELOW_FILLED_SIZE",
                "preview_failure_reason": "UNKNOWN_PREVIEW_FAILURE_REASON",
            }
        ],
    }
)

HISTORICAL_ORDER: dict[str, Any] = {
    # docs "Get Order"
    "order_id": "0000-000000-000000",
    "product_id": "BTC-USD",
    "user_id": "2222-000000-000000",
    "order_configuration": {
        "limit_limit_gtc": {"base_size": "0.001", "limit_price": "10000.00", "post_only": False}
    },
    "side": "BUY",
    "client_order_id": "O-7",
    "status": "OPEN",
    "time_in_force": "GOOD_UNTIL_CANCELLED",
    "created_time": "2021-05-31T09:59:59Z",
    "completion_percentage": "50",
    "filled_size": "0.0005",
    "average_filled_price": "10000",
    "fee": "",
    "number_of_fills": "2",
    "filled_value": "5",
    "pending_cancel": False,
    "size_in_quote": False,
    "total_fees": "0.03",
    "size_inclusive_of_fees": False,
    "total_value_after_fees": "5.03",
    "trigger_status": "INVALID_ORDER_TYPE",
    "order_type": "LIMIT",
    "reject_reason": "REJECT_REASON_UNSPECIFIED",
    "settled": False,
    "product_type": "SPOT",
    "reject_message": "",
    "cancel_message": "",
    "order_placement_source": "RETAIL_ADVANCED",
    "outstanding_hold_amount": "5.00",
    "is_liquidation": False,
    "last_fill_time": "2021-05-31T10:30:00Z",
    "edit_history": [],
    "leverage": "",
    "margin_type": "UNKNOWN_MARGIN_TYPE",
    "retail_portfolio_id": "",
    "originating_order_id": "",
    "attached_order_id": "",
}

GET_ORDER = dumps({"order": HISTORICAL_ORDER})
LIST_ORDERS = dumps(
    {"orders": [HISTORICAL_ORDER], "sequence": "0", "has_next": False, "cursor": ""}
)

FILLS = dumps(
    {
        # docs "List Fills"
        "fills": [
            {
                "entry_id": "22222-2222222-22222222",
                "trade_id": "1111-11111-111111",
                "order_id": "0000-000000-000000",
                "trade_time": "2024-01-15T10:30:00Z",
                "trade_type": "FILL",
                "price": "45123.45",
                "size": "0.005",
                "commission": "1.14",
                "product_id": "BTC-USD",
                "sequence_timestamp": "2024-01-15T10:30:00.123456Z",
                "liquidity_indicator": "MAKER",
                "size_in_quote": False,
                "user_id": "3333-333333-3333333",
                "side": "BUY",
                "retail_portfolio_id": "",
            }
        ],
        "cursor": "",
    }
)

ACCOUNTS = dumps(
    {
        # docs "List Accounts"
        "accounts": [
            {
                "uuid": "8bfc20d7-f7c6-4422-bf07-8243ca4169fe",
                "name": "BTC Wallet",
                "currency": "BTC",
                "available_balance": {"value": "1.23456789", "currency": "BTC"},
                "default": True,
                "active": True,
                "created_at": "2021-05-31T09:59:59Z",
                "updated_at": "2024-01-15T10:30:00Z",
                "deleted_at": None,
                "type": "CRYPTO",
                "ready": True,
                "hold": {"value": "0.00500000", "currency": "BTC"},
                "retail_portfolio_id": "portfolio-001",
            }
        ],
        "has_next": False,
        "cursor": "",
        "size": 1,
    }
)

PRODUCT_BOOK = dumps(
    {
        "pricebook": {
            "product_id": "BTC-USD",
            "bids": [{"price": "68900.00", "size": "2.0"}],
            "asks": [{"price": "68901.00", "size": "1.25"}],
            "time": TS,
        }
    }
)

HTTP_NOT_FOUND = dumps(
    {
        "error": "NOT_FOUND",
        "error_details": "order with this orderID was not found",
        "message": "order with this orderID was not found",
    }
)

# The official SDK's test key (coinbase/coinbase-advanced-py tests/constants.py; venues.md A5)
KEY_NAME = "organizations/test-organization/apiKeys/test-api-key"
EC_SECRET = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIKwf3Uox30cRWzRBOPoPOH5p0Gpb0Dt8zUKXUEM5fMkGoAoGCCqGSM49\n"
    "AwEHoUQDQgAEbAtpLlSZYVOwYICz+uEyxcS29vRIujiES/gQ1DC7FV4zK4JuYE9v\n"
    "qDyGZQYjdXHLM7I6f/QnnOITL+dXYWBHRA==\n"
    "-----END EC PRIVATE KEY-----\n"
)
EC_PUBLIC = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbAtpLlSZYVOwYICz+uEyxcS29vRI\n"
    "ujiES/gQ1DC7FV4zK4JuYE9vqDyGZQYjdXHLM7I6f/QnnOITL+dXYWBHRA==\n"
    "-----END PUBLIC KEY-----\n"
)
ED_SECRET = (
    "k0BUni0p0vZG1BdpVjS6ogBJ7kxm630AJ2dN+tuputDOKsRAwgyrpEQLeBtS1znTmzPX6Xr2eOWpzx6nW8knkA=="
)
