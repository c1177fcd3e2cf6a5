"""Lyra: composable building blocks for automated trading, with a Rust matching core.

Import the pieces you need from their subpackages (``lyra.model``, ``lyra.clock``,
``lyra.bus``, ...). Importing ``lyra`` itself is cheap: it loads no adapter, no Redis client
and not the Rust extension.
"""

from __future__ import annotations

__all__ = ("__version__",)

__version__ = "0.1.0"
