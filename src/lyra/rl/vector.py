""":class:`VectorTradingEnv`: many trading environments stepped in one call into Rust.

It follows gymnasium's ``VectorEnv`` API: batched spaces, ``reset(seed=..., options=...)``,
``step(actions)`` returning arrays, the autoreset modes of ``gymnasium.vector.AutoresetMode``
(``metadata["autoreset_mode"]``), and ``options={"reset_mask": mask}`` for partial resets.
Environment ``i`` behaves exactly as a :class:`~lyra.rl.TradingEnv` seeded ``seed + i`` stepped
alone. Needs gymnasium (``pip install lyra[rl]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from lyra._native import RlCore
from lyra.errors import InvalidInput, MissingDependency, ResetNeeded
from lyra.rl.config import EnvConfig, StepState
from lyra.rl.data import EnvData
from lyra.rl.env import DataSource, make_spaces, resolve

try:
    from gymnasium.vector import AutoresetMode, VectorEnv
    from gymnasium.vector.utils import batch_space
except ImportError as exc:  # pragma: no cover - lyra.rl.env above fails first
    raise MissingDependency("lyra.rl's environments need gymnasium: pip install lyra[rl]") from exc

__all__ = ("VectorTradingEnv",)

_Obs: TypeAlias = npt.NDArray[np.float32]
_MODES = {AutoresetMode.NEXT_STEP: 0, AutoresetMode.SAME_STEP: 1, AutoresetMode.DISABLED: 2}


class VectorTradingEnv(VectorEnv[_Obs, npt.NDArray[Any], npt.NDArray[Any]]):
    """``num_envs`` trading environments over one market data set, stepped together by one
    call into Rust per :meth:`step`.

    ``VectorTradingEnv(data, config, num_envs=64, autoreset_mode=..., **overrides)`` takes
    the same ``data``, ``config`` and overrides as :class:`~lyra.rl.TradingEnv`. Actions are
    an int array of ``num_envs`` (discrete) or a ``(num_envs, k)`` float array; the data is
    shared, not copied.

    ``autoreset_mode`` (default ``NEXT_STEP``, gymnasium's default): the step after an
    environment's episode ended ignores its action, resets it, and returns its first
    observation with reward 0 and both flags false. ``SAME_STEP``: the step that ends an
    episode resets at once; the returned observation is the new episode's first and
    ``infos["final_obs"]`` (an object array, ``None`` elsewhere, mask ``infos["_final_obs"]``)
    holds the last one, with ``infos["final_info"]`` its position and equity. ``DISABLED``:
    reset ended environments yourself with ``reset(options={"reset_mask": mask})``; stepping
    one first raises.

    Every call returns new arrays (the core writes them directly; nothing is copied).
    """

    metadata: dict[str, Any] = {  # noqa: RUF012  # VectorEnv declares it a plain attribute
        "render_modes": [],
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    def __init__(
        self,
        data: DataSource = None,
        config: EnvConfig | None = None,
        *,
        num_envs: int = 1,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **overrides: Any,
    ) -> None:
        env_data, cfg = resolve(data, config, overrides)
        if type(num_envs) is not int or num_envs < 1:
            raise InvalidInput("num_envs", "must be an int >= 1", num_envs)
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            raise InvalidInput(
                "autoreset_mode", "must be an AutoresetMode (or its value)", autoreset_mode
            ) from None
        self._data = env_data
        self._config = cfg
        self._core = RlCore(
            env_data.native,
            num_envs,
            autoreset=_MODES[mode],
            **cfg.core_kwargs(env_data.tick_value),
        )
        self.num_envs = num_envs
        self.autoreset_mode = mode
        self.metadata = {"render_modes": [], "autoreset_mode": mode}
        self.render_mode = None
        self.single_observation_space, self.single_action_space = make_spaces(self._core, cfg)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._reward_fn = cfg.reward_fn
        self._step: Any = self._not_started  # the core's step once reset
        self._state = self._core.state
        self._same_step = mode == AutoresetMode.SAME_STEP
        # no custom reward and no final-observation infos: the step returns the core's arrays
        self._plain = self._reward_fn is None and not self._same_step
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
        """The Rust core."""
        return self._core

    @property
    def observation_layout(self) -> dict[str, slice]:
        """The blocks of one observation as slices (see :class:`~lyra.rl.TradingEnv`)."""
        return {name: slice(a, b) for name, a, b in self._core.layout}

    @property
    def state(self) -> StepState:
        """What the last step (or reset) did in each environment (a copy)."""
        return StepState.from_array(self._state.copy())

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[_Obs, dict[str, Any]]:
        """Reset every environment (or those of ``options["reset_mask"]``, a bool array).
        ``seed``: an int seeds environment ``i`` with ``seed + i``; a list gives one seed (or
        ``None``) per environment; ``None`` goes on to each one's next episode (the first
        reset of a new vector draws a seed from gymnasium's ``np_random``)."""
        n = self.num_envs
        if isinstance(seed, int):
            super().reset(seed=seed)
            seeds: list[int | None] = [(seed + i) % 2**64 for i in range(n)]
            self._seeded = True
        elif seed is None:
            if self._seeded:
                seeds = [None] * n
            else:
                base = int(self.np_random.integers(2**63))
                seeds = [base + i for i in range(n)]
                self._seeded = True
        else:
            seeds = [None if s is None else int(s) % 2**64 for s in seed]
            if len(seeds) != n:
                raise InvalidInput("seed", f"must hold {n} seeds", seed)
            self._seeded = True
        mask = None
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.dtype != np.bool_ or mask.shape != (n,) or not mask.any():
                raise InvalidInput(
                    "options['reset_mask']",
                    f"must be a bool array of shape ({n},), not all false",
                    options["reset_mask"],
                )
        obs = self._core.reset(seeds, None if mask is None else np.ascontiguousarray(mask))
        self._step = self._core.step
        return obs, {}

    def step(
        self, actions: npt.ArrayLike
    ) -> tuple[
        _Obs, npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_], dict[str, Any]
    ]:
        """Step every environment with its action; returns ``(observations, rewards,
        terminations, truncations, infos)``."""
        obs, rew, term, trunc, ended = self._step(actions)
        if self._plain:
            return obs, rew, term, trunc, {}
        if self._reward_fn is not None:
            rew = self._custom_rewards()
        infos: dict[str, Any] = {}
        if ended and self._same_step:
            infos = self._final_infos(self._core.final_mask)
        return obs, rew, term, trunc, infos

    @staticmethod
    def _not_started(actions: object) -> Any:
        raise ResetNeeded("call reset() before step()")

    def _custom_rewards(self) -> npt.NDArray[np.float64]:
        assert self._reward_fn is not None
        state = StepState.from_array(self._state)
        out = np.asarray(self._reward_fn(state), dtype=np.float64)
        rew = np.array(np.broadcast_to(out, (self.num_envs,)), dtype=np.float64)
        # next-step autoreset: a reset environment's step earns nothing
        rew[state.step == 0] = 0.0
        return rew

    def _final_infos(self, ended: npt.NDArray[np.bool_]) -> dict[str, Any]:
        n = self.num_envs
        final_obs = np.full(n, None, dtype=object)
        fo = self._core.final_obs
        for i in np.flatnonzero(ended):
            final_obs[i] = fo[i].copy()
        mask = ended.copy()
        state = self._state
        final_info = {
            "position": state[:, 3].astype(np.int64),
            "_position": mask.copy(),
            "equity": state[:, 2].copy(),
            "_equity": mask.copy(),
        }
        return {
            "final_obs": final_obs,
            "_final_obs": mask.copy(),
            "final_info": final_info,
            "_final_info": mask,
        }

    def __repr__(self) -> str:
        return f"VectorTradingEnv(num_envs={self.num_envs}, {self._data!r})"
