""":class:`TradingEnv`: a ``gymnasium.Env`` trading one instrument on the simulated exchange.

The whole step -- the action's orders, matching against the replayed market, fills, PnL,
reward and observation -- runs in Rust (:class:`lyra._native.RlCore`); Python makes one call
per step. Needs gymnasium (``pip install lyra[rl]``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from lyra._native import RlCore
from lyra.backtest.synthetic import L2Data
from lyra.errors import InvalidInput, MissingDependency, ResetNeeded
from lyra.model.columnar import BookDeltaBatch, QuoteBatch
from lyra.rl.config import EnvConfig, StepState
from lyra.rl.data import EnvData

try:
    import gymnasium as gym
    from gymnasium import spaces
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise MissingDependency("lyra.rl's environments need gymnasium: pip install lyra[rl]") from exc

__all__ = ("ENV_ID", "DataSource", "TradingEnv", "make_spaces", "resolve")

ENV_ID: Final = "lyra/Trading-v0"
"""The gymnasium id of :class:`TradingEnv` (``gymnasium.make(ENV_ID, ...)``; with
``gymnasium.make_vec`` it builds a :class:`~lyra.rl.VectorTradingEnv`)."""

DataSource: TypeAlias = "EnvData | QuoteBatch | L2Data | BookDeltaBatch | None"
"""What an environment accepts as data: an :class:`~lyra.rl.EnvData`, a
:class:`~lyra.model.columnar.QuoteBatch`, an :class:`~lyra.backtest.L2Data`, a
:class:`~lyra.model.columnar.BookDeltaBatch`, or ``None`` for
``EnvData.synthetic()``."""

_Obs: TypeAlias = npt.NDArray[np.float32]


def resolve(
    data: DataSource, config: EnvConfig | None, overrides: dict[str, Any]
) -> tuple[EnvData, EnvConfig]:
    """The :class:`EnvData` and :class:`EnvConfig` an environment is built from: ``data`` as
    given or converted, and ``config`` (default ``EnvConfig()``) with ``overrides``
    replacing its fields."""
    if data is None:
        env_data = EnvData.synthetic()
    elif isinstance(data, EnvData):
        env_data = data
    elif isinstance(data, QuoteBatch):
        env_data = EnvData.from_quotes(data)
    else:
        env_data = EnvData.from_l2(data)
    cfg = EnvConfig() if config is None else config
    if not isinstance(cfg, EnvConfig):
        raise InvalidInput("config", "must be an EnvConfig", cfg)
    if overrides:
        fields = {f.name for f in dataclasses.fields(EnvConfig)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise InvalidInput("config", f"has no setting {unknown[0]!r}", unknown[0])
        cfg = dataclasses.replace(cfg, **overrides)
    return env_data, cfg


def make_spaces(core: RlCore, config: EnvConfig) -> tuple[spaces.Box, spaces.Space[Any]]:
    """The observation and action spaces of one environment of ``core``."""
    bound = core.obs_bound
    obs = spaces.Box(-bound, bound, (core.obs_dim,), np.float32)
    act: spaces.Space[Any]
    if config.action == "discrete":
        act = spaces.Discrete(4)
    else:
        act = spaces.Box(-1.0, 1.0, (core.action_dim,), np.float32)
    return obs, act


class TradingEnv(gym.Env[_Obs, Any]):
    """A gymnasium environment trading one instrument on Lyra's simulated exchange.

    ``TradingEnv(data, config, **overrides)``: ``data`` is an :class:`~lyra.rl.EnvData` (or
    a batch it can be built from; default: ``EnvData.synthetic()``), ``config`` an
    :class:`~lyra.rl.EnvConfig`, and keyword ``overrides`` replace fields of it
    (``TradingEnv(data, action="quote", episode_steps=500)``).

    Observations are ``float32`` vectors (:attr:`observation_layout` names their parts);
    actions are ``Discrete(4)`` or a ``Box`` in ``[-1, 1]``, as :attr:`EnvConfig.action`
    says. ``reset(seed=s)`` starts a reproducible sequence of episodes; ``reset()`` goes on
    to the next one. ``info`` holds the ``position`` (lots) and the episode's ``equity``
    (PnL after fees, in the quote currency); :attr:`state` has the rest.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 4}  # noqa: RUF012

    def __init__(
        self,
        data: DataSource = None,
        config: EnvConfig | None = None,
        *,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        env_data, cfg = resolve(data, config, overrides)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidInput("render_mode", "must be None or 'ansi'", render_mode)
        self._data = env_data
        self._config = cfg
        self._core = RlCore(env_data.native, 1, **cfg.core_kwargs(env_data.tick_value))
        obs_space, self.action_space = make_spaces(self._core, cfg)
        self.observation_space = obs_space  # type: ignore[assignment]  # Box is generic in dtype
        self.render_mode = render_mode
        self._step1 = self._core.step1
        self._reward_fn = cfg.reward_fn
        self._state = self._core.state
        self._started = False
        self._seeded = False

    @property
    def data(self) -> EnvData:
        """The market data."""
        return self._data

    @property
    def config(self) -> EnvConfig:
        """The configuration."""
        return self._config

    @property
    def core(self) -> RlCore:
        """The Rust core (one environment)."""
        return self._core

    @property
    def observation_layout(self) -> dict[str, slice]:
        """The observation's blocks (``"depth"``, ``"window"``, ``"trades"``,
        ``"account"``, ``"time"``, those configured) as slices of the vector."""
        return {name: slice(a, b) for name, a, b in self._core.layout}

    @property
    def state(self) -> StepState:
        """What the last step (or reset) did, as arrays of one entry (a copy)."""
        return StepState.from_array(self._state.copy())

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[_Obs, dict[str, Any]]:
        """Start an episode: with ``seed``, the first of that seed's sequence; without, the
        next one (the first ``reset()`` of a new environment draws its seed from gymnasium's
        ``np_random``). ``options`` is accepted and ignored."""
        super().reset(seed=seed)
        if seed is not None:
            core_seed: int | None = seed % 2**64
            self._seeded = True
        elif not self._seeded:
            core_seed = int(self.np_random.integers(2**63))
            self._seeded = True
        else:
            core_seed = None
        obs = self._core.reset1(core_seed)
        self._started = True
        return obs, {"position": 0, "equity": 0.0}

    def step(self, action: Any) -> tuple[_Obs, float, bool, bool, dict[str, Any]]:
        """Send the action's orders, move the market one step, and return ``(observation,
        reward, terminated, truncated, info)``."""
        if not self._started:
            raise ResetNeeded("call reset() before step()")
        obs, reward, terminated, truncated, position, equity = self._step1(action)
        if self._reward_fn is not None:
            reward = self._custom_reward()
        return obs, reward, terminated, truncated, {"position": position, "equity": equity}

    def _custom_reward(self) -> float:
        assert self._reward_fn is not None
        out = np.asarray(self._reward_fn(StepState.from_array(self._state)), dtype=np.float64)
        return float(np.broadcast_to(out, (1,))[0])

    def render(self) -> str | None:
        """With ``render_mode="ansi"``: one line with the step, mid, position and PnL."""
        if self.render_mode != "ansi":
            return None
        s = self._state[0]
        return (
            f"step {int(s[7])}  mid {s[4]:.1f} ticks  position {int(s[3])}  "
            f"pnl {s[2]:.4f}  fees {s[1]:.4f}"
        )


if ENV_ID not in gym.registry:
    gym.register(
        ENV_ID,
        entry_point="lyra.rl.env:TradingEnv",
        vector_entry_point="lyra.rl.vector:VectorTradingEnv",
    )
