"""Client order ids that every supported venue accepts, unique and reproducible.

Format (always :data:`ID_LENGTH` = 18 characters, ``[A-Za-z0-9]`` only)::

    <prefix: 0-4 of a-z><epoch: 8 digits of 0-9A-Z><counter: 10 - len(prefix) digits of 0-9A-Z>

    prefix "mm", epoch 1_700_000_000_000, counter 41:
    "mm" + "LOYW3V28" + "00000015" = "mmLOYW3V2800000015"

Why this shape: the strictest venue rules are Kraken's (free ASCII of at most 18 characters)
and OKX's (letters and digits only), so 18 alphanumerics pass on Binance, OKX, Coinbase and
Kraken alike. Base-36 digits are ``0-9A-Z`` (upper case), so generated parts stay unique even
where a venue or a database compares ids without regard to case.

* **counter** -- starts at ``start_count`` (default 0) and rises by one per id, zero-padded,
  so ids from one generator sort in creation order. With a 4-character prefix there are
  36**6 (about 2.2e9) ids per epoch; running out raises rather than wrapping.
* **epoch** -- an integer below 36**8. By default :class:`~lyra.orders.OrderFactory` takes
  the clock's time in milliseconds since the Unix epoch (mod 36**8, about 89 years), so a
  restarted process gets a new epoch and cannot repeat an id of an earlier run. Pass a fixed
  epoch (e.g. a backtest's seed) for reproducible ids; to carry on an epoch after a restart,
  pass the saved ``epoch`` and ``count`` back in.
* **prefix** -- lets factories that run at the same time never collide: two generators with
  the same prefix *and* the same epoch (created in the same millisecond) would produce the
  same ids, so give each concurrently running factory its own prefix (e.g. one per strategy).
  The prefix is lower-case letters and the rest upper-case letters and digits, so the prefix
  is always the id's leading lower-case run: ids of generators whose prefix or epoch differs
  can never be equal, whatever the prefix lengths (comparing case-sensitively, as every
  supported venue does).
"""

from __future__ import annotations

import re
from typing import Final

from lyra.errors import InvalidInput, ValueOutOfRange

__all__ = (
    "CLIENT_ID_PATTERN",
    "EPOCH_LIMIT",
    "ID_LENGTH",
    "MAX_PREFIX_LENGTH",
    "ClientIdGenerator",
    "to_base36",
)

ID_LENGTH: Final = 18
"""Length of every generated client order id."""
MAX_PREFIX_LENGTH: Final = 4
"""Longest prefix a generator accepts."""
EPOCH_WIDTH: Final = 8
EPOCH_LIMIT: Final = 36**EPOCH_WIDTH
"""Epochs are integers in ``0 .. EPOCH_LIMIT - 1``."""
CLIENT_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9]{1,18}")
"""What every generated id matches (``fullmatch``)."""

_DIGITS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PREFIX_RE: Final = re.compile(f"[a-z]{{0,{MAX_PREFIX_LENGTH}}}")
_PAIR: Final = 36 * 36
_PAIRS: Final = tuple(a + b for a in _DIGITS for b in _DIGITS)


def to_base36(n: int, width: int) -> str:
    """``n`` (non-negative) in upper-case base 36, zero-padded to ``width`` digits."""
    if n < 0:
        raise ValueOutOfRange("n", "must not be negative", n)
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_DIGITS[r])
    text = "".join(reversed(out))
    if len(text) > width:
        raise ValueOutOfRange("n", f"needs more than {width} base-36 digits", n)
    return text.rjust(width, "0")


class ClientIdGenerator:
    """Issues ``prefix + epoch + counter`` ids (see the module docs for the format)."""

    __slots__ = ("_count", "_epoch", "_hi", "_hi_text", "_limit", "_prefix", "_stem", "_width")

    def __init__(self, *, epoch: int, id_prefix: str = "", start_count: int = 0) -> None:
        if not isinstance(id_prefix, str) or _PREFIX_RE.fullmatch(id_prefix) is None:
            raise InvalidInput(
                "id_prefix",
                f"must be 0-{MAX_PREFIX_LENGTH} lower-case letters a-z",
                id_prefix,
            )
        if type(epoch) is not int or not 0 <= epoch < EPOCH_LIMIT:
            raise InvalidInput("epoch", f"must be an int in 0..{EPOCH_LIMIT - 1}", epoch)
        width = ID_LENGTH - len(id_prefix) - EPOCH_WIDTH
        limit = 36**width
        if type(start_count) is not int or not 0 <= start_count <= limit:
            raise InvalidInput("start_count", f"must be an int in 0..{limit}", start_count)
        self._prefix = id_prefix
        self._epoch = epoch
        self._stem = id_prefix + to_base36(epoch, EPOCH_WIDTH)
        self._width = width
        self._limit = limit
        self._count = start_count
        self._hi = -1
        self._hi_text = ""

    @property
    def prefix(self) -> str:
        """The prefix every id starts with."""
        return self._prefix

    @property
    def epoch(self) -> int:
        """The epoch component (save it with :attr:`count` to continue after a restart)."""
        return self._epoch

    @property
    def count(self) -> int:
        """How many ids this epoch has issued: the counter of the next id."""
        return self._count

    def next_id(self) -> str:
        """The next id (raises :class:`~lyra.errors.ValueOutOfRange` when the counter runs out)."""
        n = self._count
        if n >= self._limit:
            raise ValueOutOfRange(
                "ClientIdGenerator.count",
                "ran out of ids for this epoch; start a generator with a new epoch",
                n,
            )
        self._count = n + 1
        hi, lo = divmod(n, _PAIR)
        if hi != self._hi:
            # only every 1296th id pays for the base-36 conversion of the high digits
            self._hi = hi
            self._hi_text = self._stem + to_base36(hi, self._width - 2)
        return self._hi_text + _PAIRS[lo]
