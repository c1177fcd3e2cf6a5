"""API keys and secrets that never show up in logs, reprs, exceptions or tracebacks.

A :class:`Secret` holds one sensitive string (an API secret, an API key, a passphrase, a
listen key). ``str()``, ``repr()``, ``format()`` and f-strings all give ``***``; pickling
and copying to JSON are refused; the value comes out only through :meth:`Secret.reveal`,
which the signing code calls at the moment it signs. Comparing two secrets is constant-time.

:class:`Credentials` bundles a venue's key material. :class:`RedactingFilter` is a
:class:`logging.Filter` that scrubs known secrets from every log record that passes through
a handler, as a second line of defence for third-party libraries' log lines;
:func:`redact` does the same to any text.

Why a wrapper and not discipline alone: a key passed around as ``str`` ends up in a repr of
some config object, in an f-string of an error message, or in a debugger's locals dump. A
``Secret`` cannot be printed by accident.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable
from typing import Any, Final, NoReturn

from lyra.errors import InvalidInput

__all__ = ("MASK", "Credentials", "RedactingFilter", "Secret", "redact")

MASK: Final = "***"
"""What a secret shows as everywhere."""


class Secret:
    """A sensitive string that prints as ``***``; :meth:`reveal` returns the value."""

    __slots__ = ("__value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str) or not value:
            # never echo the value: it may be a secret of the wrong type
            raise InvalidInput("Secret.value", "must be a non-empty str")
        self.__value = value

    def reveal(self) -> str:
        """The secret itself. Call it only where the value is used (signing, a header)."""
        return self.__value

    def reveal_bytes(self) -> bytes:
        """The secret as UTF-8 bytes."""
        return self.__value.encode()

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.__value.encode(), other.__value.encode())

    __hash__ = None  # type: ignore[assignment]  # equality is by value; never a dict key

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __len__(self) -> int:
        return len(self.__value)


def _secret(value: str | Secret | None, field: str) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value:
        raise InvalidInput(field, "must be a non-empty str, a Secret or None")
    return Secret(value)


class Credentials:
    """A venue account's key material, every part a :class:`Secret`.

    ``api_key`` identifies the key (sent in a header); ``api_secret`` signs requests (an
    HMAC secret, or a PEM private key for Ed25519/RSA keys); ``passphrase`` is the extra
    secret some venues (OKX, Coinbase Exchange) require. The repr shows which parts are
    present, never their values.
    """

    __slots__ = ("_api_key", "_api_secret", "_passphrase")

    def __init__(
        self,
        api_key: str | Secret,
        api_secret: str | Secret,
        passphrase: str | Secret | None = None,
    ) -> None:
        key = _secret(api_key, "Credentials.api_key")
        secret = _secret(api_secret, "Credentials.api_secret")
        assert key is not None and secret is not None
        self._api_key = key
        self._api_secret = secret
        self._passphrase = _secret(passphrase, "Credentials.passphrase")

    @property
    def api_key(self) -> Secret:
        """The API key (public half)."""
        return self._api_key

    @property
    def api_secret(self) -> Secret:
        """The signing secret."""
        return self._api_secret

    @property
    def passphrase(self) -> Secret | None:
        """The passphrase, for venues that use one."""
        return self._passphrase

    def secrets(self) -> tuple[Secret, ...]:
        """Every part present (for :class:`RedactingFilter`)."""
        parts = (self._api_key, self._api_secret, self._passphrase)
        return tuple(p for p in parts if p is not None)

    def __repr__(self) -> str:
        extra = ", passphrase=***" if self._passphrase is not None else ""
        return f"Credentials(api_key=***, api_secret=***{extra})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials cannot be pickled")


def redact(text: str, secrets: Iterable[Secret | str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***``."""
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and value in text:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that replaces known secrets in each record's message and arguments.

    Add it to a handler (``handler.addFilter(RedactingFilter(creds.secrets()))``) so that
    nothing a library logs through that handler can carry a key. :meth:`add` registers more
    secrets later (e.g. a listen key obtained at connect time).
    """

    def __init__(self, secrets: Iterable[Secret | str] = ()) -> None:
        super().__init__()
        self._secrets: list[Secret | str] = list(secrets)

    def add(self, secret: Secret | str) -> None:
        """Scrub ``secret`` too from now on."""
        self._secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        return True
