"""Serialization: one place for msgpack and JSON encoding of every Lyra struct.

Every message in Lyra is a :class:`msgspec.Struct`. This module supplies the hooks that let
msgspec handle Lyra's own value types, shared encoder/decoder instances (building a msgspec
codec is far more expensive than using one), and a registry of tagged structs so that bytes
can be decoded without knowing their type in advance.

Wire forms of the value types (the same in msgpack and JSON)::

    Price / Quantity       decimal string with exactly `precision` decimals  "1.2300"
    Money                  "<amount> <currency code>"                        "1.50 USD"
    Currency               its code                                          "USD"
    identifiers            plain string                                      "BTCUSDT.BINANCE"
    Decimal                decimal string                                    "0.0001"
    enums                  their integer value                               1
    timestamps             integer nanoseconds                               1704067200000000000

Decoding reverses each form exactly, including precision: ``Price("1.2300")`` comes back with
precision 4. A string in another form that the value type's constructor accepts (``"1e-3"``)
also decodes; floats never do (they are inexact).

Tagged union. A struct declared with ``tag=True`` (tag = class name; the tag field must be
the default ``"type"``) and registered with :func:`register_struct` joins the union that
:func:`decode_msgpack` and :func:`decode_json` use when no type is given. The market-data types
of :mod:`lyra.model.data` are registered when that module is imported (the codec imports it
itself before decoding a union), and so are custom types added with
:func:`lyra.model.data.register_data_type`. Later modules (orders, events, instruments)
register their structs the same way, at import time::

    class OrderAccepted(msgspec.Struct, frozen=True, tag=True):
        ...
    register_struct(OrderAccepted)

Errors. Malformed or invalid input raises :class:`~lyra.errors.InvalidInput` (or the
subclass the value type raised, e.g. :class:`~lyra.errors.PrecisionError`) whose ``field`` is
the type and path of the problem (``"QuoteTick.bid_price"``) and whose ``rule`` says what was
wrong; the msgspec exception is its ``__cause__``. Encoding an object of a type the codec does
not know raises :class:`~lyra.errors.InvalidInput` with field ``"codec.encode"``.
"""

from __future__ import annotations

import builtins
import re
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, Literal, NoReturn, TypeVar, overload

import msgspec

from lyra.errors import InvalidInput, UnknownCurrency
from lyra.model.currency import Currency
from lyra.model.identifiers import InstrumentId
from lyra.model.values import PRICE_RAW_MAX, QUANTITY_RAW_MAX, Money, Price, Quantity

__all__ = (
    "Decoder",
    "Encoder",
    "Format",
    "clear_caches",
    "dec_hook",
    "decode_json",
    "decode_msgpack",
    "enc_hook",
    "encode_json",
    "encode_msgpack",
    "is_registered_struct",
    "register_struct",
    "registered_structs",
    "union_type",
)

_T = TypeVar("_T")
_S = TypeVar("_S", bound=msgspec.Struct)

Format = Literal["msgpack", "json"]
"""The two wire formats."""

_TAG_FIELD: Final = "type"
_TAG_RE: Final = re.compile(r"[A-Za-z0-9_\-]{1,64}")
# Value caches are bounded and cleared wholesale when full: values are immutable, so sharing
# one instance between messages is safe, and market data repeats the same prices, sizes and
# instrument ids constantly, which makes a hit far cheaper than a parse or a format.
_CACHE_MAX: Final = 1 << 16
_SCALE: Final = tuple(10 ** (9 - n) for n in range(10))


# -- encoding ------------------------------------------------------------------------------
def _format_raw(raw: int, precision: int) -> str:
    """Decimal text of raw / 1e9 with ``precision`` decimals (raw carries no further digits)."""
    if raw < 0:
        return "-" + _format_raw(-raw, precision)
    s = str(raw)
    if len(s) < 10:
        s = "0" * (10 - len(s)) + s
    if precision:
        return s[:-9] + "." + s[-9 : len(s) - 9 + precision]
    return s[:-9]


_FMT_CACHES: Final[tuple[dict[int, str], ...]] = tuple({} for _ in range(10))


def enc_hook(obj: Any) -> Any:
    """msgspec ``enc_hook`` for Lyra's value types (see the module docs for the wire forms).

    Pass it to your own msgspec encoders to get the same wire forms as this module's.
    """
    t = type(obj)
    if t is Price or t is Quantity:
        raw = obj._raw
        cache = _FMT_CACHES[obj._precision]
        text = cache.get(raw)
        if text is None:
            text = _format_raw(raw, obj._precision)
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[raw] = text
        return text
    if isinstance(obj, str):  # identifiers: msgspec hands str subclasses to the hook
        return str.__str__(obj)
    if t is Money:
        return str(obj)
    if t is Currency:
        return obj.code
    if isinstance(obj, Decimal):
        return str(obj)
    raise InvalidInput(
        "codec.encode",
        f"cannot serialize a {t.__module__}.{t.__qualname__}; convert it to a supported type "
        "or make it a msgspec.Struct",
        obj,
    )


# -- decoding ------------------------------------------------------------------------------
_PRICE_CACHE: Final[dict[str, Price]] = {}
_QUANTITY_CACHE: Final[dict[str, Quantity]] = {}
_INSTRUMENT_CACHE: Final[dict[str, InstrumentId]] = {}


def _parse_fixed(text: str, raw_min: int, raw_max: int) -> tuple[int, int] | None:
    """(raw, precision) of canonical wire text ``-?digits(.d{1,9})?``; None for other forms."""
    whole, dot, frac = text.partition(".")
    n = len(frac)
    if n > 9 or len(text) > 32 or not text.isascii():
        return None
    if whole[:1] == "-":
        digits = whole[1:]
        neg = True
    else:
        digits = whole
        neg = False
    if not digits.isdigit() or (dot and not frac.isdigit()):
        return None
    raw = int(digits + frac) * _SCALE[n]
    if neg:
        raw = -raw
    if raw_min <= raw <= raw_max:
        return raw, n
    return None


def _decode_price(obj: object) -> Price:
    if type(obj) is str:
        hit = _PRICE_CACHE.get(obj)
        if hit is not None:
            return hit
        parsed = _parse_fixed(obj, -PRICE_RAW_MAX, PRICE_RAW_MAX)
        price = Price._make(*parsed) if parsed is not None else Price(obj)
        if len(_PRICE_CACHE) >= _CACHE_MAX:
            _PRICE_CACHE.clear()
        _PRICE_CACHE[obj] = price
        return price
    return Price(obj)  # type: ignore[arg-type]  # the constructor refuses what it must


def _decode_quantity(obj: object) -> Quantity:
    if type(obj) is str:
        hit = _QUANTITY_CACHE.get(obj)
        if hit is not None:
            return hit
        parsed = _parse_fixed(obj, 0, QUANTITY_RAW_MAX)
        qty = Quantity._make(*parsed) if parsed is not None else Quantity(obj)
        if len(_QUANTITY_CACHE) >= _CACHE_MAX:
            _QUANTITY_CACHE.clear()
        _QUANTITY_CACHE[obj] = qty
        return qty
    return Quantity(obj)  # type: ignore[arg-type]


def _decode_instrument_id(obj: object) -> InstrumentId:
    if type(obj) is str:
        hit = _INSTRUMENT_CACHE.get(obj)
        if hit is not None:
            return hit
        iid = InstrumentId(obj)
        if len(_INSTRUMENT_CACHE) >= _CACHE_MAX:
            _INSTRUMENT_CACHE.clear()
        _INSTRUMENT_CACHE[obj] = iid
        return iid
    return InstrumentId(obj)  # type: ignore[arg-type]


def _decode_money(obj: object) -> Money:
    if type(obj) is not str:
        raise InvalidInput("Money", "must be a string '<amount> <currency code>'", obj)
    try:
        return Money.from_str(obj)
    except UnknownCurrency as exc:
        raise InvalidInput("Money.currency", str(exc), obj) from None


def _decode_currency(obj: object) -> Currency:
    if type(obj) is not str:
        raise InvalidInput("Currency", "must be a currency code string", obj)
    try:
        return Currency.from_str(obj)
    except UnknownCurrency as exc:
        raise InvalidInput("Currency.code", str(exc), obj) from None


def dec_hook(type: Any, obj: Any) -> Any:
    """msgspec ``dec_hook`` for Lyra's value types (the inverse of :func:`enc_hook`)."""
    if type is Price:
        return _decode_price(obj)
    if type is Quantity:
        return _decode_quantity(obj)
    if type is InstrumentId:
        return _decode_instrument_id(obj)
    if isinstance(type, builtins.type) and issubclass(type, str):
        return type(obj)  # identifiers validate themselves
    if type is Money:
        return _decode_money(obj)
    if type is Currency:
        return _decode_currency(obj)
    name = getattr(type, "__qualname__", repr(type))
    raise InvalidInput(name, "has no decoder; only msgspec-native and Lyra value types decode")


def clear_caches() -> None:
    """Empty the value caches (decoded prices, quantities, instrument ids; encoded texts).

    They are bounded and refill on demand; clearing only frees memory or resets a benchmark.
    """
    _PRICE_CACHE.clear()
    _QUANTITY_CACHE.clear()
    _INSTRUMENT_CACHE.clear()
    for cache in _FMT_CACHES:
        cache.clear()


# -- registry of tagged structs ------------------------------------------------------------
_STRUCTS: Final[dict[str, type[msgspec.Struct]]] = {}
_generation = 0


def register_struct(cls: type[_S]) -> type[_S]:
    """Add a tagged struct to the union that untyped decoding uses; returns ``cls``.

    Rules (a broken one raises :class:`~lyra.errors.InvalidInput` naming it): ``cls`` is a
    :class:`msgspec.Struct` subclass declared with ``tag=True`` or a string tag of 1-64
    characters of ``A-Z a-z 0-9 _ -``; the tag field is the default ``"type"``; it is not
    ``array_like``; and no other registered struct uses the same tag. Registering the same
    class again is a no-op. Usable as a class decorator.
    """
    global _generation
    if not isinstance(cls, builtins.type) or not issubclass(cls, msgspec.Struct):
        raise InvalidInput("register_struct.cls", "must be a msgspec.Struct subclass", cls)
    config = cls.__struct_config__
    tag = config.tag
    if not isinstance(tag, str) or _TAG_RE.fullmatch(tag) is None:
        raise InvalidInput(
            f"{cls.__qualname__}.tag",
            "must be a string tag of 1-64 characters of A-Z, a-z, 0-9, '_' or '-' "
            "(declare the struct with tag=True to use the class name)",
            tag,
        )
    if config.tag_field != _TAG_FIELD:
        raise InvalidInput(
            f"{cls.__qualname__}.tag_field",
            f"must be the default {_TAG_FIELD!r} so every struct shares one union",
            config.tag_field,
        )
    if config.array_like:
        raise InvalidInput(
            f"{cls.__qualname__}.array_like",
            "must be False: msgspec unions cannot mix array-like and map structs",
            True,
        )
    existing = _STRUCTS.get(tag)
    if existing is cls:
        return cls
    if existing is not None:
        raise InvalidInput(
            f"{cls.__qualname__}.tag",
            f"is already used by {existing.__module__}.{existing.__qualname__}; "
            "give one of them a different tag",
            tag,
        )
    _STRUCTS[tag] = cls
    _generation += 1
    return cls


def is_registered_struct(cls: type) -> bool:
    """Whether ``cls`` is in the union of registered structs."""
    tag = getattr(getattr(cls, "__struct_config__", None), "tag", None)
    return isinstance(tag, str) and _STRUCTS.get(tag) is cls


def registered_structs() -> dict[str, type[msgspec.Struct]]:
    """A copy of the registry: tag -> struct class."""
    _ensure_builtins()
    return dict(_STRUCTS)


def union_type() -> Any:
    """The current union of registered structs, as a type to compose (``list[union_type()]``).

    It is a snapshot: structs registered later are not in it.
    """
    _ensure_builtins()
    return typing.Union[tuple(_STRUCTS.values())]  # noqa: UP007  (built from a tuple)


def _ensure_builtins() -> None:
    # The market-data module registers itself on import; importing it here (not at the top,
    # since it imports this module) makes untyped decoding work whichever was imported first.
    import lyra.model.data  # noqa: F401


# -- error translation ---------------------------------------------------------------------
class _TagOnly(msgspec.Struct):
    type: str


_TAG_MSGPACK: Final = msgspec.msgpack.Decoder(_TagOnly)
_TAG_JSON: Final = msgspec.json.Decoder(_TagOnly)


def _union_name(data: Any, fmt: str) -> str:
    try:
        tag = (_TAG_MSGPACK if fmt == "msgpack" else _TAG_JSON).decode(data).type
    except (msgspec.DecodeError, TypeError):
        return "message"
    return tag if tag in _STRUCTS else "message"


def _preview(data: Any) -> Any:
    return data[:48] if isinstance(data, (bytes, bytearray, str)) else data


def _raise_decode_error(
    exc: msgspec.DecodeError, type_name: str | None, fmt: str, data: Any
) -> NoReturn:
    name = type_name if type_name is not None else _union_name(data, fmt)
    message = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        rule, sep, path = message.rpartition(" - at `")
        if sep:
            path = path[:-1] if path.endswith("`") else path
            where = path[1:]  # "$.bid_price" -> ".bid_price"; "$[0]" -> "[0]"
        else:
            rule, where = message, ""
        cause = exc.__cause__
        if isinstance(cause, InvalidInput):
            if not where:  # raised by the struct itself (e.g. __post_init__): already precise
                raise type(cause)(cause.field, cause.rule, cause.value) from exc
            raise type(cause)(
                f"{name}{where}", f"{cause.field}: {cause.rule}", cause.value
            ) from exc
        raise InvalidInput(f"{name}{where}", rule) from exc
    raise InvalidInput(name, f"is not valid {fmt}: {message}", _preview(data)) from exc


# -- encoders and decoders -----------------------------------------------------------------
_MSGPACK_ENCODER: Final = msgspec.msgpack.Encoder(enc_hook=enc_hook)
_JSON_ENCODER: Final = msgspec.json.Encoder(enc_hook=enc_hook, decimal_format="string")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__qualname__", None) or repr(tp)


def _new_msgspec_decoder(fmt: str, tp: Any) -> Any:
    if fmt == "msgpack":
        return msgspec.msgpack.Decoder(tp, dec_hook=dec_hook)
    if fmt == "json":
        return msgspec.json.Decoder(tp, dec_hook=dec_hook)
    raise InvalidInput("format", "must be 'msgpack' or 'json'", fmt)


class Encoder:
    """A reusable encoder for one format (``"msgpack"`` or ``"json"``).

    Instances share the module's msgspec encoder, so creating one is cheap.
    """

    __slots__ = ("_encode", "_encode_into", "format")

    format: Format

    def __init__(self, format: Format = "msgpack") -> None:
        if format == "msgpack":
            enc: Any = _MSGPACK_ENCODER
        elif format == "json":
            enc = _JSON_ENCODER
        else:
            raise InvalidInput("Encoder.format", "must be 'msgpack' or 'json'", format)
        self.format = format
        self._encode: Callable[[Any], bytes] = enc.encode
        self._encode_into: Callable[[Any, bytearray, int], None] = enc.encode_into

    def encode(self, obj: Any) -> bytes:
        """Serialize ``obj`` (a struct, or any msgspec-supported value holding Lyra values)."""
        return self._encode(obj)

    def encode_into(self, obj: Any, buffer: bytearray, offset: int = 0) -> None:
        """Serialize ``obj`` into ``buffer`` at ``offset`` (growing it), to reuse one buffer."""
        self._encode_into(obj, buffer, offset)

    def __repr__(self) -> str:
        return f"Encoder({self.format!r})"


class Decoder(typing.Generic[_T]):
    """A reusable decoder for one type and format.

    ``Decoder(QuoteTick)`` decodes msgpack into a :class:`~lyra.model.data.QuoteTick`;
    ``Decoder(list[Bar], "json")`` decodes a JSON array of bars; ``Decoder()`` (no type)
    decodes any registered tagged struct, and keeps up with structs registered after it was
    made. Errors are :class:`~lyra.errors.InvalidInput` as the module docs describe.
    """

    __slots__ = ("_decode", "_generation", "_name", "format", "type")

    type: Any
    format: Format

    @overload
    def __init__(self: Decoder[Any], type: None = None, format: Format = "msgpack") -> None: ...
    @overload
    def __init__(
        self: Decoder[_T], type: builtins.type[_T], format: Format = "msgpack"
    ) -> None: ...
    @overload
    def __init__(self: Decoder[Any], type: Any, format: Format = "msgpack") -> None: ...
    def __init__(self, type: Any = None, format: Format = "msgpack") -> None:
        if format not in ("msgpack", "json"):
            raise InvalidInput("Decoder.format", "must be 'msgpack' or 'json'", format)
        self.type = type
        self.format = format
        self._name: str | None = None if type is None else _type_name(type)
        self._generation = -1
        self._decode: Callable[[Any], Any]
        if type is None:
            self._refresh()
        else:
            self._decode = _cached_decoder(format, type).decode

    def _refresh(self) -> None:
        _ensure_builtins()
        self._decode = _cached_decoder(self.format, None).decode
        self._generation = _generation

    def decode(self, data: bytes | bytearray | memoryview | str) -> _T:
        """Deserialize one message; raises :class:`~lyra.errors.InvalidInput` when invalid."""
        if self.type is None and self._generation != _generation:
            self._refresh()
        try:
            return self._decode(data)  # type: ignore[no-any-return]
        except msgspec.DecodeError as exc:
            _raise_decode_error(exc, self._name, self.format, data)

    def __repr__(self) -> str:
        shown = "union" if self.type is None else _type_name(self.type)
        return f"Decoder({shown}, {self.format!r})"


_DECODERS: Final[dict[tuple[str, Any], Any]] = {}
_union_generation: dict[str, int] = {}


def _cached_decoder(fmt: str, tp: Any) -> Any:
    """The shared msgspec decoder for (format, type); type None is the registered union."""
    if tp is None:
        key: tuple[str, Any] = (fmt, None)
        dec = _DECODERS.get(key)
        if dec is None or _union_generation.get(fmt) != _generation:
            _ensure_builtins()
            members = tuple(_STRUCTS.values())
            union: Any = typing.Union[members] if members else msgspec.Struct  # noqa: UP007
            dec = _new_msgspec_decoder(fmt, union)
            _DECODERS[key] = dec
            _union_generation[fmt] = _generation
        return dec
    try:
        key = (fmt, tp)
        dec = _DECODERS.get(key)
    except TypeError:  # an unhashable type expression: build one, don't cache
        return _new_msgspec_decoder(fmt, tp)
    if dec is None:
        try:
            dec = _new_msgspec_decoder(fmt, tp)
        except TypeError as exc:
            raise InvalidInput("codec.type", f"cannot be decoded: {exc}", tp) from None
        _DECODERS[key] = dec
    return dec


# -- functions -----------------------------------------------------------------------------
def encode_msgpack(obj: Any) -> bytes:
    """Serialize ``obj`` to msgpack."""
    return _MSGPACK_ENCODER.encode(obj)


def encode_json(obj: Any) -> bytes:
    """Serialize ``obj`` to JSON (UTF-8 bytes)."""
    return _JSON_ENCODER.encode(obj)


@overload
def decode_msgpack(data: bytes | bytearray | memoryview, type: None = None) -> Any: ...
@overload
def decode_msgpack(data: bytes | bytearray | memoryview, type: builtins.type[_T]) -> _T: ...
@overload
def decode_msgpack(data: bytes | bytearray | memoryview, type: Any) -> Any: ...
def decode_msgpack(data: bytes | bytearray | memoryview, type: Any = None) -> Any:
    """Deserialize msgpack into ``type``, or into any registered tagged struct if ``None``."""
    dec = _cached_decoder("msgpack", type)
    try:
        return dec.decode(data)
    except msgspec.DecodeError as exc:
        _raise_decode_error(exc, None if type is None else _type_name(type), "msgpack", data)


@overload
def decode_json(data: bytes | bytearray | memoryview | str, type: None = None) -> Any: ...
@overload
def decode_json(data: bytes | bytearray | memoryview | str, type: builtins.type[_T]) -> _T: ...
@overload
def decode_json(data: bytes | bytearray | memoryview | str, type: Any) -> Any: ...
def decode_json(data: bytes | bytearray | memoryview | str, type: Any = None) -> Any:
    """Deserialize JSON into ``type``, or into any registered tagged struct if ``None``."""
    dec = _cached_decoder("json", type)
    try:
        return dec.decode(data)
    except msgspec.DecodeError as exc:
        _raise_decode_error(exc, None if type is None else _type_name(type), "json", data)
