"""Reinforcement learning on the simulated exchange: gymnasium environments whose whole step
runs in Rust.

* :class:`TradingEnv` -- a ``gymnasium.Env`` trading one instrument: discrete, target-position
  or market-making (quote) actions; built-in or custom rewards; configurable observations;
  seeded random or sequential episodes over the data.
* :class:`VectorTradingEnv` -- ``num_envs`` of them stepped in one call, following
  ``gymnasium.vector.VectorEnv``.
* :class:`EnvData` -- the market data (quotes or L2 deltas, with trades), held once in Rust
  and shared by every environment.
* :class:`EnvConfig`, :class:`Observation`, :class:`StepState` -- settings, observation
  blocks, and what a custom reward function receives.

The environments need gymnasium (``pip install lyra[rl]``, which also brings
stable-baselines3); ``EnvData`` and the configuration classes do not. Nothing here imports an
ML framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lyra.rl.config import (
    ACTIONS,
    REWARDS,
    STATE_COLUMNS,
    EnvConfig,
    Observation,
    RewardFn,
    StepState,
)
from lyra.rl.data import EnvData

if TYPE_CHECKING:
    from lyra.rl.env import ENV_ID, TradingEnv
    from lyra.rl.vector import VectorTradingEnv

__all__ = (
    "ACTIONS",
    "ENV_ID",
    "REWARDS",
    "STATE_COLUMNS",
    "EnvConfig",
    "EnvData",
    "Observation",
    "RewardFn",
    "StepState",
    "TradingEnv",
    "VectorTradingEnv",
)

_LAZY = {
    "ENV_ID": "lyra.rl.env",
    "TradingEnv": "lyra.rl.env",
    "VectorTradingEnv": "lyra.rl.vector",
}


def __getattr__(name: str) -> Any:
    # The environments import gymnasium; loading them on first use keeps the data and
    # configuration classes usable without it (a missing gymnasium raises
    # MissingDependency here, naming lyra[rl]).
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lyra.rl' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
