"""Order lists: OCO, OUO, OTO (with release policy), brackets; links and validation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyra.model.enums import ContingencyType, OrderSide, OrderStatus, OrderType
from lyra.model.identifiers import OrderListId
from lyra.model.values import Price, Quantity
from lyra.orders import (
    InvalidOrder,
    InvalidOrderList,
    Order,
    OrderFactory,
    OrderList,
    ReleasePolicy,
    decode_order_list,
    encode_order_list,
)

from .helpers import INSTRUMENT, new_factory

C = ContingencyType
BUY, SELL = OrderSide.BUY, OrderSide.SELL
Q = Quantity("1")


def _limits(f: OrderFactory, n: int, side: OrderSide = BUY) -> list[Order]:
    return [f.limit(INSTRUMENT, side, Q, Price(str(100 + i))) for i in range(n)]


@pytest.mark.parametrize("kind", ["oco", "ouo"])
def test_peer_lists_link_every_order_to_the_others(kind: str) -> None:
    f = new_factory()
    orders = _limits(f, 3)
    lst = getattr(f, kind)(orders)
    ctype = C[kind.upper()]
    assert lst.contingency_type is ctype and lst.release_policy is None
    assert list(lst) == orders and len(lst) == 3 and lst[0] is orders[0]  # linked in place
    for o in orders:
        assert o.contingency_type is ctype
        assert o.order_list_id == lst.order_list_id
        assert set(o.linked_order_ids) == {p.client_order_id for p in orders if p is not o}
        assert o.parent_order_id is None
        assert o.init.order_list_id == lst.order_list_id  # the specification itself changed
        assert o.event_count == 1
    assert lst.parent is None and lst.children == () and not lst.is_bracket
    assert lst.get(orders[1].client_order_id) is orders[1] and lst.get("nope") is None
    assert lst.instrument_id == INSTRUMENT and lst.strategy_id == "S-1"


@pytest.mark.parametrize("release", list(ReleasePolicy))
def test_oto_links_parent_and_children_with_an_explicit_release_policy(
    release: ReleasePolicy,
) -> None:
    f = new_factory()
    parent, c1, c2 = _limits(f, 3)
    lst = f.oto(parent, [c1, c2], release=release)
    assert lst.contingency_type is C.OTO and lst.release_policy is release
    assert lst.parent is parent and lst.children == (c1, c2)
    assert parent.contingency_type is C.OTO
    assert parent.linked_order_ids == (c1.client_order_id, c2.client_order_id)
    for c in (c1, c2):
        assert c.parent_order_id == parent.client_order_id
        assert c.contingency_type is C.NO_CONTINGENCY and c.linked_order_ids == ()
        assert c.order_list_id == lst.order_list_id


def test_oto_default_release_is_on_first_fill() -> None:
    f = new_factory()
    parent, child = _limits(f, 2)
    assert f.oto(parent, [child]).release_policy is ReleasePolicy.ON_FIRST_FILL


def test_nested_oto_whose_children_are_an_oco() -> None:
    f = new_factory()
    parent, c1, c2 = _limits(f, 3)
    lst = f.oto(parent, [c1, c2], children_linked=C.OCO)
    assert lst.children_contingency is C.OCO
    assert c1.contingency_type is C.OCO and c1.linked_order_ids == (c2.client_order_id,)
    assert c1.parent_order_id == parent.client_order_id


def test_market_bracket_defaults() -> None:
    f = new_factory()
    lst = f.bracket(
        INSTRUMENT,
        BUY,
        Quantity("2"),
        stop_loss_trigger_price=Price("95"),
        take_profit_price=Price("110"),
    )
    entry, sl, tp = lst.orders
    assert lst.is_bracket and lst.contingency_type is C.OTO
    assert lst.children_contingency is C.OUO
    assert lst.release_policy is ReleasePolicy.ON_FIRST_FILL
    assert entry.order_type is OrderType.MARKET and entry.side is BUY
    assert sl.order_type is OrderType.STOP_MARKET and tp.order_type is OrderType.LIMIT
    for exit_ in (sl, tp):
        assert exit_.side is SELL and exit_.reduce_only and exit_.quantity == Quantity("2")
        assert exit_.parent_order_id == entry.client_order_id
        assert exit_.contingency_type is C.OUO
    assert sl.linked_order_ids == (tp.client_order_id,)
    assert entry.linked_order_ids == (sl.client_order_id, tp.client_order_id)
    assert not entry.reduce_only


@pytest.mark.parametrize(
    ("entry_type", "kwargs"),
    [
        (OrderType.LIMIT, {"entry_price": Price("100")}),
        (OrderType.STOP_MARKET, {"entry_trigger_price": Price("100")}),
        (
            OrderType.STOP_LIMIT,
            {"entry_price": Price("100.5"), "entry_trigger_price": Price("100")},
        ),
        (OrderType.MARKET_IF_TOUCHED, {"entry_trigger_price": Price("100")}),
        (
            OrderType.LIMIT_IF_TOUCHED,
            {"entry_price": Price("100"), "entry_trigger_price": Price("100.5")},
        ),
        (OrderType.MARKET_TO_LIMIT, {}),
    ],
)
def test_bracket_entry_types(entry_type: OrderType, kwargs: dict[str, Price]) -> None:
    f = new_factory()
    lst = f.bracket(
        INSTRUMENT,
        BUY,
        Q,
        entry_type=entry_type,
        stop_loss_trigger_price=Price("95"),
        take_profit_price=Price("110"),
        **kwargs,  # type: ignore[arg-type]
    )
    assert lst.first.order_type is entry_type and lst.is_bracket


def test_sell_bracket_with_stop_limit_and_lit_exits_linked_oco() -> None:
    f = new_factory()
    lst = f.bracket(
        INSTRUMENT,
        SELL,
        Q,
        entry_type=OrderType.LIMIT,
        entry_price=Price("100"),
        stop_loss_trigger_price=Price("105"),
        stop_loss_price=Price("106"),
        take_profit_price=Price("90"),
        take_profit_trigger_price=Price("91"),
        take_profit_post_only=True,
        exits_linked=C.OCO,
        release=ReleasePolicy.ON_FULL_FILL,
    )
    _, sl, tp = lst.orders
    assert sl.order_type is OrderType.STOP_LIMIT and sl.side is BUY
    assert tp.order_type is OrderType.LIMIT_IF_TOUCHED and tp.post_only
    assert sl.contingency_type is C.OCO and lst.release_policy is ReleasePolicy.ON_FULL_FILL


def test_bracket_from_custom_legs_with_a_trailing_stop() -> None:
    f = new_factory()
    entry = f.limit(INSTRUMENT, BUY, Q, Price("100"))
    sl = f.trailing_stop_market(INSTRUMENT, SELL, Q, trailing_offset=Decimal("2"), reduce_only=True)
    tp = f.limit(INSTRUMENT, SELL, Q, Price("120"), reduce_only=True)
    lst = f.bracket_from(entry, sl, tp)
    assert lst.is_bracket and lst.children == (sl, tp)


@pytest.mark.parametrize(
    ("side", "entry", "sl", "tp", "field"),
    [
        (BUY, "100", "101", "110", "bracket.stop_loss.trigger_price"),  # SL above a buy entry
        (BUY, "100", "95", "99", "bracket.take_profit.price"),  # TP below a buy entry
        (BUY, "100", "100", "110", "bracket.stop_loss.trigger_price"),  # equal is wrong too
        (SELL, "100", "99", "90", "bracket.stop_loss.trigger_price"),  # SL below a sell entry
        (SELL, "100", "105", "101", "bracket.take_profit.price"),  # TP above a sell entry
    ],
)
def test_bracket_prices_must_be_on_the_right_side(
    side: OrderSide, entry: str, sl: str, tp: str, field: str
) -> None:
    f = new_factory()
    with pytest.raises(InvalidOrderList) as info:
        f.bracket(
            INSTRUMENT,
            side,
            Q,
            entry_type=OrderType.LIMIT,
            entry_price=Price(entry),
            stop_loss_trigger_price=Price(sl),
            take_profit_price=Price(tp),
        )
    assert info.value.field == field
    assert "must be" in info.value.rule


def test_market_bracket_still_checks_stop_below_take_profit() -> None:
    f = new_factory()
    with pytest.raises(InvalidOrderList) as info:
        f.bracket(
            INSTRUMENT, BUY, Q, stop_loss_trigger_price=Price("110"), take_profit_price=Price("95")
        )
    assert info.value.field == "bracket.stop_loss.trigger_price"
    assert isinstance(info.value, InvalidOrder)


def _legs(f: OrderFactory) -> tuple[Order, Order, Order]:
    return (
        f.limit(INSTRUMENT, BUY, Q, Price("100")),
        f.stop_market(INSTRUMENT, SELL, Q, Price("95"), reduce_only=True),
        f.limit(INSTRUMENT, SELL, Q, Price("110"), reduce_only=True),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("sl_same_side", "bracket.stop_loss.side"),
        ("tp_not_reduce_only", "bracket.take_profit.reduce_only"),
        ("sl_other_qty", "bracket.stop_loss.quantity"),
        ("tp_other_instrument", "bracket.take_profit.instrument_id"),
        ("trailing_entry", "bracket.entry.order_type"),
        ("market_tp", "bracket.take_profit.order_type"),
        ("limit_sl", "bracket.stop_loss.order_type"),
        ("quote_qty", "bracket.entry.quote_quantity"),
    ],
)
def test_bracket_leg_rules(change: str, field: str) -> None:
    f = new_factory()
    entry, sl, tp = _legs(f)
    if change == "sl_same_side":
        sl = f.stop_market(INSTRUMENT, BUY, Q, Price("95"), reduce_only=True)
    elif change == "tp_not_reduce_only":
        tp = f.limit(INSTRUMENT, SELL, Q, Price("110"))
    elif change == "sl_other_qty":
        sl = f.stop_market(INSTRUMENT, SELL, Quantity("2"), Price("95"), reduce_only=True)
    elif change == "tp_other_instrument":
        tp = f.limit("ETHUSDT.BINANCE", SELL, Q, Price("110"), reduce_only=True)
    elif change == "trailing_entry":
        entry = f.trailing_stop_market(INSTRUMENT, BUY, Q, trailing_offset=Decimal("1"))
    elif change == "market_tp":
        tp = f.market(INSTRUMENT, SELL, Q, reduce_only=True)
    elif change == "limit_sl":
        sl = f.limit(INSTRUMENT, SELL, Q, Price("95"), reduce_only=True)
    elif change == "quote_qty":
        entry = f.limit(INSTRUMENT, BUY, Q, Price("100"), quote_quantity=True)
    before = [o.init for o in (entry, sl, tp)]
    with pytest.raises(InvalidOrderList) as info:
        f.bracket_from(entry, sl, tp)
    assert info.value.field == field
    assert [o.init for o in (entry, sl, tp)] == before  # nothing was linked


def test_builders_need_fresh_orders_and_link_nothing_on_failure() -> None:
    f = new_factory()
    a, b, c = _limits(f, 3)
    f.oco([a, b])
    with pytest.raises(InvalidOrderList, match="already in order list"):
        f.ouo([b, c])
    assert c.order_list_id is None
    d, e = _limits(f, 2)
    d.apply(f.events.submitted(d))
    with pytest.raises(InvalidOrderList, match="INITIALIZED"):
        f.oco([d, e])
    assert e.order_list_id is None
    with pytest.raises(InvalidOrderList, match="at least two"):
        f.oco([e])
    with pytest.raises(InvalidOrderList, match="repeat"):
        f.oco([e, e])
    other = new_factory(id_prefix="o").limit("BTCUSD.KRAKEN", BUY, Q, Price("1"))
    with pytest.raises(InvalidOrderList, match="one venue"):
        f.oco([e, other])
    with pytest.raises(InvalidOrderList, match="at least one child"):
        f.oto(e, [])
    x, y = _limits(f, 2)
    with pytest.raises(InvalidOrderList, match="at least two children"):
        f.oto(x, [y], children_linked=C.OUO)
    assert x.order_list_id is None and y.order_list_id is None


def test_linked_orders_cannot_be_relinked_by_hand() -> None:
    f = new_factory()
    a, b = _limits(f, 2)
    f.oco([a, b])
    a.apply(f.events.submitted(a))
    with pytest.raises(InvalidOrder):
        a._replace_init(b.init)


def test_order_list_constructor_checks_the_structure() -> None:
    f = new_factory()
    a, b = _limits(f, 2)
    with pytest.raises(InvalidOrderList):
        OrderList(OrderListId("L1"), [a, b], contingency_type=C.OCO)  # not linked
    lst = f.oco([a, b])
    with pytest.raises(InvalidOrderList):
        OrderList(lst.order_list_id, [a, b], contingency_type=C.OUO)  # wrong relation
    with pytest.raises(InvalidOrderList):
        OrderList(
            lst.order_list_id,
            [a, b],
            contingency_type=C.OCO,
            release_policy=ReleasePolicy.ON_FIRST_FILL,
        )
    with pytest.raises(InvalidOrderList):
        OrderList(lst.order_list_id, [a, b], contingency_type=C.OTO)
    same = OrderList(lst.order_list_id, [a, b], contingency_type=C.OCO, ts_init=lst.ts_init)
    assert same == lst


@pytest.mark.parametrize("fmt", ["msgpack", "json"])
def test_order_lists_round_trip(fmt: str) -> None:
    f = new_factory()
    bracket = f.bracket(
        INSTRUMENT,
        BUY,
        Quantity("0.75"),
        entry_type=OrderType.LIMIT,
        entry_price=Price("100.25"),
        stop_loss_trigger_price=Price("95.5"),
        take_profit_price=Price("110.125"),
        release=ReleasePolicy.ON_FULL_FILL,
    )
    bracket.first.apply(f.events.submitted(bracket.first))
    oco_list = f.oco(_limits(f, 2))
    for lst in (bracket, oco_list):
        data = encode_order_list(lst, fmt)  # type: ignore[arg-type]
        back = decode_order_list(data, fmt)  # type: ignore[arg-type]
        assert back == lst
        assert back.release_policy == lst.release_policy
        assert [o.status for o in back] == [o.status for o in lst]
    assert decode_order_list(encode_order_list(bracket)).first.status is OrderStatus.SUBMITTED
