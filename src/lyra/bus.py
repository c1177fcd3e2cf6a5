"""EventBus: synchronous publish/subscribe, point-to-point endpoints and request/response.

Everything here is a plain synchronous call: ``publish`` runs every matching handler, in
order, before it returns. Nothing is global; create as many buses as you like. A bus is
meant for one thread (its event loop's); it takes no locks.

**Patterns.** A subscription pattern matches a whole topic. ``*`` matches any run of
characters (empty included, dots included), ``?`` exactly one character, and every other
character - ``.``, ``[``, ``\\``, ``+`` - only itself. There is no escape: a topic that
itself contains ``*`` or ``?`` can still be published, but a subscription naming it also
matches other topics.

**Order.** Higher ``priority`` first; equal priorities in subscription order. A handler
subscribed under two patterns that both match a topic is called twice.

**Changes during dispatch.** A publish delivers to the subscribers that matched when it
started (a snapshot). Subscribing or unsubscribing inside a handler takes effect from the
next publish: a handler unsubscribed mid-dispatch still gets the message being dispatched,
one subscribed mid-dispatch does not. A handler that publishes runs that nested publish to
completion first (depth-first).

**Cache.** The subscribers of each concrete topic are resolved once and cached; subscribe
and unsubscribe update the cached topics they affect instead of flushing. The cache holds
at most ``cache_size`` topics (topics without subscribers count too); past that, the topic
cached longest ago is dropped and re-resolved on its next publish, so a stream of unique
topics cannot grow memory without bound.

**Errors.** A handler that raises does not stop the others. The exception is logged to
``logging.getLogger("lyra.bus")`` with its traceback and published as a
:class:`HandlerError` on :data:`lyra.topics.BUS_ERRORS`. An error raised by a handler
*of* that topic is only logged. ``KeyboardInterrupt`` and ``SystemExit`` propagate.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from lyra.errors import BusError, EndpointInUse, InvalidInput, NoEndpoint, ValueOutOfRange
from lyra.topics import BUS_ERRORS

if TYPE_CHECKING:
    from lyra.clock import Clock, TimeEvent

__all__ = (
    "DEFAULT_CACHE_SIZE",
    "EventBus",
    "Handler",
    "HandlerError",
    "Request",
    "Response",
    "Subscription",
)

Handler = Callable[[Any], None]
"""A subscriber, endpoint or callback: ``handler(msg) -> None``; it must be hashable."""

DEFAULT_CACHE_SIZE = 100_000
"""How many concrete topics an :class:`EventBus` caches by default."""

_log = logging.getLogger("lyra.bus")


class HandlerError(msgspec.Struct, frozen=True, dict=True):
    """A handler raised; published on :data:`lyra.topics.BUS_ERRORS`.

    ``topic`` is the topic being published, or the endpoint for ``send``/``request``
    handlers and request callbacks. ``handler`` names the handler (module and qualified
    name). :attr:`exception` is the exception itself, available in-process only: it is
    not one of the encoded fields, so the event stays serializable.
    """

    topic: str
    handler: str
    error_type: str
    message: str

    @property
    def exception(self) -> BaseException | None:
        """The exception the handler raised (``None`` after a decode)."""
        exc: BaseException | None = self.__dict__.get("_exception")
        return exc


class Request(msgspec.Struct, frozen=True):
    """What an endpoint handler receives from :meth:`EventBus.request`.

    Answer it with ``bus.respond(request.correlation_id, response)``, now or later.
    ``deadline_ns`` is when the request times out, or ``None`` if it never does.
    """

    correlation_id: int
    endpoint: str
    payload: Any
    deadline_ns: int | None = None


class Response(msgspec.Struct, frozen=True):
    """What a request's ``on_response`` callback receives."""

    correlation_id: int
    payload: Any


class Subscription(NamedTuple):
    """One subscription, as reported by :meth:`EventBus.subscriptions`."""

    pattern: str
    handler: Handler
    priority: int


class _Sub:
    """A live subscription and the cached topics it is part of."""

    __slots__ = ("handler", "order", "pattern", "priority", "topics")

    def __init__(self, pattern: str, handler: Handler, priority: int, seq: int) -> None:
        self.pattern = pattern
        self.handler = handler
        self.priority = priority
        self.order = (-priority, seq)
        self.topics: set[str] = set()


class _Pattern:
    """A compiled pattern and its subscriptions (in subscription order)."""

    __slots__ = ("needle", "prefix", "regex", "subs", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.subs: list[_Sub] = []
        # Every topic a pattern matches starts with its literal head, so a cheap
        # startswith() check rejects most topics before the regex runs.
        head = text.split("*", 1)[0].split("?", 1)[0]
        self.prefix = head
        self.regex: re.Pattern[str] | None = None
        # The longest literal run after the head must occur in a matching topic; an ``in``
        # test is a few times cheaper than the regex and rejects most topics.
        self.needle = ""
        if text != head + "*" * (len(text) - len(head)):
            self.regex = _compile(text)
            rest = text[len(head) :].replace("?", "*").split("*")
            self.needle = max(rest, key=len)

    def matches(self, topic: str) -> bool:
        if not topic.startswith(self.prefix):
            return False
        regex = self.regex
        return regex is None or (self.needle in topic and regex.fullmatch(topic) is not None)


def _is_wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _chunk(text: str) -> str:
    return ".".join(re.escape(part) for part in text.split("?"))


def _compile(pattern: str) -> re.Pattern[str]:
    """Regex that fullmatches exactly the topics ``pattern`` matches.

    Each chunk between two stars sits in an atomic group after a lazy ``.*?``: the
    leftmost place a fixed-length chunk fits is always the best one (it leaves the most
    text for the rest), so there is no point backtracking into it. That keeps patterns
    with many stars linear-ish instead of exponential.
    """
    chunks = pattern.split("*")
    parts = [_chunk(chunks[0])]
    if len(chunks) > 1:
        parts.extend(f"(?>.*?{_chunk(mid)})" for mid in chunks[1:-1] if mid)
        parts.append(".*" + _chunk(chunks[-1]))
    return re.compile("".join(parts), re.DOTALL)


def _handler_name(handler: object) -> str:
    qualname = getattr(handler, "__qualname__", None)
    if qualname is None:
        return repr(handler)
    module = getattr(handler, "__module__", None)
    return f"{module}.{qualname}" if module else str(qualname)


class _Pending:
    __slots__ = ("endpoint", "on_response", "on_timeout", "timer")

    def __init__(
        self,
        endpoint: str,
        on_response: Handler,
        on_timeout: Callable[[int], None] | None,
        timer: str | None,
    ) -> None:
        self.endpoint = endpoint
        self.on_response = on_response
        self.on_timeout = on_timeout
        self.timer = timer


_order_key = attrgetter("order")


class EventBus:
    """A synchronous message bus: topics with wildcards, endpoints, request/response.

    ``clock`` (any :class:`lyra.clock.Clock`: a ``TestClock`` in a backtest, a ``LiveClock``
    live) is only needed for request timeouts. ``name`` prefixes the clock timers the bus
    arms (``<name>.request.<id>``); buses that share a clock need different names.
    ``cache_size`` bounds how many concrete topics are cached (see the module docs).
    """

    __slots__ = (
        "_cache",
        "_cache_size",
        "_clock",
        "_endpoints",
        "_entries",
        "_exact",
        "_generation",
        "_last_id",
        "_name",
        "_patterns",
        "_pending",
        "_prefix_lens",
        "_seq",
        "_subs",
        "_wild",
    )

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        name: str = "lyra.bus",
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise ValueOutOfRange("EventBus.cache_size", "must be an int of at least 1", cache_size)
        self._clock = clock
        self._name = name
        self._cache_size = cache_size
        # topic -> handlers, in delivery order: the only structure publish() reads.
        self._cache: dict[str, tuple[Handler, ...]] = {}
        # topic -> the same subscriptions; ordered oldest-cached first, for eviction.
        self._entries: OrderedDict[str, tuple[_Sub, ...]] = OrderedDict()
        self._subs: dict[tuple[str, Handler], _Sub] = {}
        self._patterns: dict[str, _Pattern] = {}
        self._exact: dict[str, _Pattern] = {}
        # Wildcard patterns grouped by their literal head, and the distinct head lengths in
        # ascending order: resolving a topic costs one dict lookup per distinct length
        # instead of one startswith() per pattern.
        self._wild: dict[str, list[_Pattern]] = {}
        self._prefix_lens: list[int] = []
        self._seq = 0
        # bumped on every subscribe/unsubscribe: a replay re-checks who listens only then
        self._generation = 0
        self._endpoints: dict[str, Handler] = {}
        self._pending: dict[int, _Pending] = {}
        self._last_id = 0

    # ----------------------------------------------------------------- publish/subscribe

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> bool:
        """Call ``handler(msg)`` for every message published on a topic ``pattern`` matches.

        Returns ``True`` if the subscription was added, ``False`` if this exact
        ``(pattern, handler)`` was already subscribed with the same priority (a no-op).
        Subscribing it again with a *different* priority raises :class:`BusError`:
        unsubscribe first. Handlers compare by ``==``, so ``obj.method`` passed twice is
        the same handler.
        """
        if not isinstance(pattern, str) or not pattern:
            raise InvalidInput("pattern", "must be a non-empty string", pattern)
        key = (pattern, handler)
        existing = self._subs.get(key)
        if existing is not None:
            if existing.priority != priority:
                raise BusError(
                    f"{_handler_name(handler)} is already subscribed to {pattern!r} with "
                    f"priority {existing.priority}; unsubscribe it before changing to {priority}"
                )
            return False
        self._seq += 1
        self._generation += 1
        sub = _Sub(pattern, handler, priority, self._seq)
        self._subs[key] = sub
        pat = self._patterns.get(pattern)
        if pat is None:
            pat = self._patterns[pattern] = _Pattern(pattern)
            if _is_wild(pattern):
                group = self._wild.get(pat.prefix)
                if group is None:
                    group = self._wild[pat.prefix] = []
                    self._prefix_lens = sorted({len(p) for p in self._wild})
                group.append(pat)
            else:
                self._exact[pattern] = pat
        pat.subs.append(sub)
        entries = self._entries
        if pattern in self._exact:
            if pattern in entries:
                self._insert(pattern, sub)
        else:
            for topic in [t for t in entries if pat.matches(t)]:
                self._insert(topic, sub)
        return True

    def unsubscribe(self, pattern: str, handler: Handler) -> bool:
        """Remove the subscription ``(pattern, handler)``.

        Returns ``True`` if it was removed, ``False`` if there was no such subscription
        (a no-op, so unsubscribing twice is harmless).
        """
        sub = self._subs.pop((pattern, handler), None)
        if sub is None:
            return False
        self._generation += 1
        pat = self._patterns[pattern]
        pat.subs.remove(sub)
        if not pat.subs:
            del self._patterns[pattern]
            if _is_wild(pattern):
                group = self._wild[pat.prefix]
                group.remove(pat)
                if not group:
                    del self._wild[pat.prefix]
                    self._prefix_lens = sorted({len(p) for p in self._wild})
            else:
                del self._exact[pattern]
        entries = self._entries
        cache = self._cache
        for topic in sub.topics:
            entry = tuple(s for s in entries[topic] if s is not sub)
            entries[topic] = entry
            cache[topic] = tuple(s.handler for s in entry)
        sub.topics.clear()
        return True

    def publish(self, topic: str, msg: Any) -> None:
        """Call every handler whose pattern matches ``topic`` with ``msg``, in order."""
        try:
            handlers = self._cache[topic]
        except KeyError:
            handlers = self._resolve(topic)
        for handler in handlers:
            try:
                handler(msg)
            except Exception as exc:
                self._failed(topic, handler, exc, topic != BUS_ERRORS)

    def has_subscribers(self, topic: str) -> bool:
        """Whether a publish on the concrete ``topic`` would reach any handler."""
        handlers = self._cache.get(topic)
        if handlers is None:
            handlers = self._resolve(topic)
        return bool(handlers)

    def subscriptions(self, topic: str | None = None) -> list[Subscription]:
        """Every subscription in subscription order, or, given a concrete ``topic``, the
        subscriptions a publish on it reaches, in delivery order."""
        if topic is None:
            subs: list[_Sub] | tuple[_Sub, ...] = list(self._subs.values())
        else:
            if topic not in self._entries:
                self._resolve(topic)
            subs = self._entries[topic]
        return [Subscription(s.pattern, s.handler, s.priority) for s in subs]

    def topics(self) -> list[str]:
        """The patterns that have at least one subscriber, sorted."""
        return sorted(self._patterns)

    @property
    def cache_size(self) -> int:
        """The most concrete topics the bus caches at once."""
        return self._cache_size

    @property
    def cached_topic_count(self) -> int:
        """How many concrete topics are cached now."""
        return len(self._cache)

    def _resolve(self, topic: str) -> tuple[Handler, ...]:
        subs: list[_Sub] = []
        exact = self._exact.get(topic)
        if exact is not None:
            subs.extend(exact.subs)
        wild = self._wild
        size = len(topic)
        for n in self._prefix_lens:
            if n > size:
                break
            group = wild.get(topic[:n])
            if group is not None:
                for pat in group:
                    regex = pat.regex
                    if regex is None or (
                        pat.needle in topic and regex.fullmatch(topic) is not None
                    ):
                        subs.extend(pat.subs)
        if len(subs) > 1:
            subs.sort(key=_order_key)
        entry = tuple(subs)
        handlers = tuple(s.handler for s in entry)
        entries = self._entries
        if len(entries) >= self._cache_size:
            old, old_entry = entries.popitem(last=False)
            del self._cache[old]
            for s in old_entry:
                s.topics.discard(old)
        entries[topic] = entry
        self._cache[topic] = handlers
        for s in entry:
            s.topics.add(topic)
        return handlers

    def _insert(self, topic: str, sub: _Sub) -> None:
        # ``sub`` is the newest subscription, so it goes after every one of equal or
        # higher priority.
        entry = self._entries[topic]
        i = len(entry)
        while i and entry[i - 1].priority < sub.priority:
            i -= 1
        entry = (*entry[:i], sub, *entry[i:])
        self._entries[topic] = entry
        self._cache[topic] = tuple(s.handler for s in entry)
        sub.topics.add(topic)

    def _failed(self, where: str, handler: object, exc: Exception, report: bool) -> None:
        name = _handler_name(handler)
        _log.error("handler %s raised on %r", name, where, exc_info=exc)
        if report:
            error = HandlerError(where, name, type(exc).__name__, str(exc))
            error.__dict__["_exception"] = exc
            self.publish(BUS_ERRORS, error)

    def _call(self, handler: Callable[[Any], None], msg: Any, where: str) -> None:
        try:
            handler(msg)
        except Exception as exc:
            self._failed(where, handler, exc, True)

    # ------------------------------------------------------------------- point-to-point

    def register(self, endpoint: str, handler: Handler) -> None:
        """Make ``handler`` the one receiver of messages sent to ``endpoint``.

        Raises :class:`lyra.errors.EndpointInUse` if the endpoint already has a handler.
        Endpoints are names of their own, separate from topics.
        """
        if not isinstance(endpoint, str) or not endpoint:
            raise InvalidInput("endpoint", "must be a non-empty string", endpoint)
        if endpoint in self._endpoints:
            raise EndpointInUse(
                f"endpoint {endpoint!r} already has handler "
                f"{_handler_name(self._endpoints[endpoint])}"
            )
        self._endpoints[endpoint] = handler

    def deregister(self, endpoint: str) -> None:
        """Remove ``endpoint``'s handler; :class:`lyra.errors.NoEndpoint` if it has none."""
        if self._endpoints.pop(endpoint, None) is None:
            raise NoEndpoint(f"endpoint {endpoint!r} is not registered")

    def send(self, endpoint: str, msg: Any) -> None:
        """Call ``endpoint``'s handler with ``msg``.

        Raises :class:`lyra.errors.NoEndpoint` for an unknown endpoint. If the handler
        raises, the error is logged and published like a subscriber's.
        """
        try:
            handler = self._endpoints[endpoint]
        except KeyError:
            raise NoEndpoint(f"no handler registered for endpoint {endpoint!r}") from None
        try:
            handler(msg)
        except Exception as exc:
            self._failed(endpoint, handler, exc, True)

    def endpoints(self) -> list[str]:
        """The registered endpoints, sorted."""
        return sorted(self._endpoints)

    # ----------------------------------------------------------------- request/response

    def request(
        self,
        endpoint: str,
        payload: Any,
        on_response: Callable[[Response], None],
        *,
        timeout_ns: int | None = None,
        on_timeout: Callable[[int], None] | None = None,
    ) -> int:
        """Send ``payload`` to ``endpoint`` as a :class:`Request`; return its correlation id.

        ``on_response`` is called once, with a :class:`Response`, when the endpoint calls
        :meth:`respond` - which may happen before ``request`` returns. With
        ``timeout_ns`` (needs a bus ``clock`` and an ``on_timeout``), a request not
        answered by ``clock.timestamp_ns() + timeout_ns`` is dropped and
        ``on_timeout(correlation_id)`` is called instead. Ids are 1, 2, 3, ... per bus.
        If the endpoint handler raises, the error is reported as usual and the request
        stays pending until answered, timed out or cancelled.
        """
        try:
            handler = self._endpoints[endpoint]
        except KeyError:
            raise NoEndpoint(f"no handler registered for endpoint {endpoint!r}") from None
        clock = self._clock
        if timeout_ns is not None:
            if clock is None:
                raise BusError("request timeouts need a clock: EventBus(clock=...)")
            if on_timeout is None:
                raise InvalidInput("on_timeout", "is required when timeout_ns is given")
            if isinstance(timeout_ns, bool) or not isinstance(timeout_ns, int) or timeout_ns <= 0:
                raise ValueOutOfRange("timeout_ns", "must be a positive int", timeout_ns)
        cid = self._last_id + 1
        deadline: int | None = None
        timer: str | None = None
        if timeout_ns is not None and clock is not None:
            deadline = clock.timestamp_ns() + timeout_ns
            timer = f"{self._name}.request.{cid}"
            clock.set_time_alert(timer, deadline, partial(self._expire, cid))
        self._last_id = cid
        self._pending[cid] = _Pending(endpoint, on_response, on_timeout, timer)
        self._call(handler, Request(cid, endpoint, payload, deadline), endpoint)
        return cid

    def respond(self, correlation_id: int, response: Any) -> bool:
        """Answer request ``correlation_id``: its ``on_response`` gets a :class:`Response`.

        Returns ``True`` if delivered, ``False`` if the request was already answered,
        timed out or cancelled (a late answer is a normal race, not an error). An id this
        bus never issued raises :class:`lyra.errors.BusError`.
        """
        pending = self._pending.pop(correlation_id, None)
        if pending is None:
            if not 1 <= correlation_id <= self._last_id:
                raise BusError(f"correlation id {correlation_id!r} was never issued by this bus")
            return False
        if pending.timer is not None and self._clock is not None:
            self._clock.cancel_timer(pending.timer)
        self._call(pending.on_response, Response(correlation_id, response), pending.endpoint)
        return True

    def cancel_request(self, correlation_id: int) -> bool:
        """Stop waiting for ``correlation_id``: no callback will be called for it.

        Returns ``False`` if it was not pending.
        """
        pending = self._pending.pop(correlation_id, None)
        if pending is None:
            return False
        if pending.timer is not None and self._clock is not None:
            self._clock.cancel_timer(pending.timer)
        return True

    def pending_requests(self) -> list[int]:
        """Correlation ids of the requests still waiting for an answer, oldest first."""
        return list(self._pending)

    def _expire(self, correlation_id: int, _event: TimeEvent) -> None:
        pending = self._pending.pop(correlation_id, None)
        if pending is None or pending.on_timeout is None:
            return
        self._call(pending.on_timeout, correlation_id, pending.endpoint)
