"""What a trading environment does: :class:`EnvConfig` (actions, reward, episodes, venue),
:class:`Observation` (the blocks of the observation vector) and :class:`StepState` (what a
custom reward function receives).

Everything here is plain data with no gymnasium import; :class:`lyra.rl.TradingEnv` and
:class:`lyra.rl.VectorTradingEnv` take an :class:`EnvConfig`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from lyra.errors import InvalidInput

__all__ = (
    "ACTIONS",
    "REWARDS",
    "STATE_COLUMNS",
    "ActionName",
    "EnvConfig",
    "Observation",
    "RewardFn",
    "RewardName",
    "StepState",
)

ActionName: TypeAlias = Literal["discrete", "target", "quote"]
"""How actions become orders: see :attr:`EnvConfig.action`."""
RewardName: TypeAlias = Literal["pnl", "pnl_net", "differential_sharpe"]
"""A built-in reward: see :attr:`EnvConfig.reward`."""

ACTIONS: Final[tuple[ActionName, ...]] = ("discrete", "target", "quote")
"""The action kinds, in the order of their codes in the Rust core."""
REWARDS: Final[tuple[RewardName, ...]] = ("pnl", "pnl_net", "differential_sharpe")
"""The built-in rewards, in the order of their codes in the Rust core."""
STATE_COLUMNS: Final = (
    "pnl",
    "fees",
    "equity",
    "position",
    "mid",
    "traded",
    "reward",
    "step",
    "unrealized",
)
"""The fields of :class:`StepState`, in the order of the core's state columns."""

_F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StepState:
    """What each environment did in the last step, one array entry per environment (shape
    ``(num_envs,)``; ``(1,)`` for a :class:`~lyra.rl.TradingEnv`).

    Money is in the instrument's quote currency, positions in lots (size increments), prices
    in ticks. A custom reward function receives one of these and returns the rewards; write
    it with NumPy operations so that the same function serves one environment and a batch.
    """

    pnl: _F64
    """Change of the marked-to-mid PnL in this step, before fees."""
    fees: _F64
    """Fees paid in this step (negative: rebates)."""
    equity: _F64
    """The episode's PnL so far, after fees, marked to the data's mid."""
    position: _F64
    """Signed position in lots."""
    mid: _F64
    """The data's mid price in ticks."""
    traded: _F64
    """Lots filled in this step."""
    reward: _F64
    """The built-in reward of this step."""
    step: _F64
    """Steps taken in the episode (0 right after a reset)."""
    unrealized: _F64
    """PnL of the open position against its average entry price."""

    @classmethod
    def from_array(cls, state: npt.NDArray[np.float64]) -> StepState:
        """A view of a ``(num_envs, 9)`` state array (the core's layout)."""
        return cls(*(state[:, i] for i in range(len(STATE_COLUMNS))))

    def as_dict(self) -> dict[str, _F64]:
        """The fields by name."""
        return {name: getattr(self, name) for name in STATE_COLUMNS}


RewardFn: TypeAlias = Callable[[StepState], npt.ArrayLike]
"""A custom reward: called after every step with the :class:`StepState`, returns one reward
per environment (a scalar is broadcast). It runs in Python, so it costs far more than a
built-in reward."""


def _int(owner: str, name: str, value: object, low: int, high: int | None = None) -> int:
    if type(value) is not int and not isinstance(value, np.integer):
        raise InvalidInput(f"{owner}.{name}", "must be an int", value)
    v = int(value)
    if v < low or (high is not None and v > high):
        rule = f"must be >= {low}" if high is None else f"must be in {low}..{high}"
        raise InvalidInput(f"{owner}.{name}", rule, value)
    return v


def _float(owner: str, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidInput(f"{owner}.{name}", "must be a number", value)
    v = float(value)
    if math.isnan(v):
        raise InvalidInput(f"{owner}.{name}", "must not be NaN", value)
    return v


@dataclass(frozen=True, slots=True)
class Observation:
    """The blocks of the observation vector, in this order; a block of size 0 (or
    ``False``) is left out. Prices are ticks relative to the data's current mid, sizes are
    lots divided by :attr:`EnvConfig.size_scale`, PnL is money times
    :attr:`EnvConfig.pnl_scale`.

    Every value is clipped to ``±1e9`` (the observation space's bounds).
    """

    depth: int = 1
    """Book levels per side now, each ``(distance from mid, size)``: bids best first, then
    asks. At most 1 for quote (L1) data; for L2 data the levels of the data's book."""
    window: int = 8
    """Past top-of-book snapshots, newest first (the current row first), ``stride`` rows
    apart, each ``(mid change, spread, bid size, ask size)``."""
    stride: int = 1
    """Rows between two window snapshots."""
    trades: int = 0
    """Last trades, newest first, each ``(price - mid, signed size, age in seconds)``: size
    positive when the buyer was the aggressor. Zeros where there were fewer trades."""
    account: bool = True
    """``(position / max_position, unrealized PnL, episode PnL after fees)``."""
    time: bool = True
    """``(episode progress 0..1, sin, cos of the UTC time of day)``."""

    def __post_init__(self) -> None:
        for name in ("depth", "window", "trades"):
            _int("Observation", name, getattr(self, name), 0, 4096)
        _int("Observation", "stride", self.stride, 1)
        for name in ("account", "time"):
            if type(getattr(self, name)) is not bool:
                raise InvalidInput(f"Observation.{name}", "must be a bool", getattr(self, name))

    @property
    def dim(self) -> int:
        """Length of the observation vector."""
        return (
            4 * self.depth
            + 4 * self.window
            + 3 * self.trades
            + (3 if self.account else 0)
            + (3 if self.time else 0)
        )


@dataclass(frozen=True, slots=True)
class EnvConfig:
    """How a trading environment acts, rewards, observes and runs its episodes.

    Quantities are in lots (the instrument's size increments) and prices in ticks; money is
    in the quote currency. Settings are checked here for type and in the Rust core for range
    (an :class:`~lyra.errors.InvalidInput` names the setting).
    """

    action: ActionName = "discrete"
    """``"discrete"``: ``Discrete(4)`` -- 0 hold, 1 buy ``trade_size``, 2 sell
    ``trade_size``, 3 flatten, by market orders, never past ``max_position``.
    ``"target"``: ``Box(-1, 1, (1,))`` -- the target position as a fraction of
    ``max_position`` (rounded to a whole number of ``trade_size`` lots); a market order
    trades the difference. ``"quote"``: ``Box(-1, 1, (2,))`` -- market making: post-only
    limit orders of ``trade_size`` at ``(a + 1) / 2 * max_offset`` ticks behind the data's best bid
    (``a[0]``) and best ask (``a[1]``); a quote whose price does not change stays in place
    and keeps its queue position; no quote on a side whose fill would pass
    ``max_position``."""
    reward: RewardName | RewardFn = "pnl_net"
    """``"pnl"``: the change of the marked-to-mid PnL; ``"pnl_net"``: the same after fees;
    ``"differential_sharpe"``: Moody and Saffell's differential Sharpe ratio of the net PnL
    changes (moving-average rate ``sharpe_eta``). PnL rewards are multiplied by
    ``pnl_scale``; every built-in reward then subtracts ``inventory_penalty * (position /
    trade_size) ** 2``. Or a function of a :class:`StepState` (see :data:`RewardFn`)."""
    observation: Observation = field(default_factory=Observation)
    """The observation's blocks."""
    trade_size: int = 1
    """Lots per order."""
    max_position: int | None = None
    """Largest absolute position in lots, a multiple of ``trade_size`` (default:
    ``trade_size``)."""
    max_offset: int = 5
    """Largest quoting distance in ticks (``"quote"`` actions)."""
    maker_fee: float = 0.0
    """Fee of a resting fill as a fraction of its notional (``0.0001`` is 1 bp; negative is
    a rebate)."""
    taker_fee: float = 0.0
    """Fee of a taking fill as a fraction of its notional."""
    pnl_scale: float | None = None
    """Money is multiplied by this in rewards and observations (default: one over the value
    of one tick on ``trade_size`` lots, so PnL reads in ticks earned on one order)."""
    inventory_penalty: float = 0.0
    """Subtracted from the reward each step, times ``(position / trade_size) ** 2``."""
    sharpe_eta: float = 0.01
    """Moving-average rate of the differential Sharpe ratio, in ``(0, 1)``."""
    max_loss: float | None = None
    """End the episode (``terminated``) once its PnL after fees is at or below
    ``-max_loss`` (money); ``None``: never."""
    episode_steps: int = 1000
    """Steps per episode; then ``truncated``."""
    step_rows: int = 1
    """Data rows (quotes, deltas, trades) fed per step."""
    step_ns: int | None = None
    """Step by time instead: every row up to ``step_ns`` nanoseconds later."""
    random_start: bool = True
    """Start episodes at seeded random rows; else each where the previous one stopped
    (wrapping to the start of the data)."""
    latency_ns: int = 0
    """Delay of every order and cancel on its way to the exchange. With 0 an action's
    orders act on the book the agent observed."""
    queue_model: Literal["pessimistic", "proportional"] = "pessimistic"
    """Where cancellations at a level come from, for the queue position of resting
    quotes."""
    size_scale: float | None = None
    """Sizes in observations are divided by this (lots); default: the data's mean touch
    size."""

    def __post_init__(self) -> None:
        o = "EnvConfig"
        if self.action not in ACTIONS:
            raise InvalidInput(f"{o}.action", f"must be one of {ACTIONS}", self.action)
        if not callable(self.reward) and self.reward not in REWARDS:
            raise InvalidInput(
                f"{o}.reward", f"must be one of {REWARDS} or a callable", self.reward
            )
        if not isinstance(self.observation, Observation):
            raise InvalidInput(f"{o}.observation", "must be an Observation", self.observation)
        _int(o, "trade_size", self.trade_size, 1)
        if self.max_position is not None:
            _int(o, "max_position", self.max_position, 1)
        _int(o, "max_offset", self.max_offset, 0, 1_000_000)
        for name in ("maker_fee", "taker_fee", "inventory_penalty", "sharpe_eta"):
            _float(o, name, getattr(self, name))
        for name in ("pnl_scale", "max_loss", "size_scale"):
            if getattr(self, name) is not None:
                _float(o, name, getattr(self, name))
        _int(o, "episode_steps", self.episode_steps, 1, 2**32 - 1)
        _int(o, "step_rows", self.step_rows, 1, 2**32 - 1)
        if self.step_ns is not None:
            _int(o, "step_ns", self.step_ns, 1)
        if type(self.random_start) is not bool:
            raise InvalidInput(f"{o}.random_start", "must be a bool", self.random_start)
        _int(o, "latency_ns", self.latency_ns, 0)
        if self.queue_model not in ("pessimistic", "proportional"):
            raise InvalidInput(
                f"{o}.queue_model", "must be 'pessimistic' or 'proportional'", self.queue_model
            )

    @property
    def reward_fn(self) -> RewardFn | None:
        """The custom reward function, or ``None`` for a built-in reward."""
        return None if isinstance(self.reward, str) else self.reward

    def core_kwargs(self, tick_value: float) -> dict[str, Any]:
        """The keyword arguments of :class:`lyra._native.RlCore` for data whose ticks are
        worth ``tick_value`` (money per tick per lot)."""
        ob = self.observation
        max_position = self.trade_size if self.max_position is None else self.max_position
        pnl_scale = (
            1.0 / (tick_value * self.trade_size) if self.pnl_scale is None else self.pnl_scale
        )
        reward = REWARDS.index(self.reward) if isinstance(self.reward, str) else 1
        return {
            "action": ACTIONS.index(self.action),
            "reward": reward,
            "depth": ob.depth,
            "window": ob.window,
            "stride": ob.stride,
            "trades": ob.trades,
            "account": ob.account,
            "time": ob.time,
            "trade_size": self.trade_size,
            "max_position": max_position,
            "max_offset": self.max_offset,
            "maker_fee": float(self.maker_fee),
            "taker_fee": float(self.taker_fee),
            "tick_value": float(tick_value),
            "pnl_scale": float(pnl_scale),
            "inventory_penalty": float(self.inventory_penalty),
            "sharpe_eta": float(self.sharpe_eta),
            "max_loss": math.inf if self.max_loss is None else float(self.max_loss),
            "episode_steps": self.episode_steps,
            "step_rows": self.step_rows,
            "step_ns": 0 if self.step_ns is None else self.step_ns,
            "random_start": self.random_start,
            "latency_ns": self.latency_ns,
            "queue_model": 0 if self.queue_model == "pessimistic" else 1,
            "size_scale": 0.0 if self.size_scale is None else float(self.size_scale),
        }
