"""Venue adapters: shared transport parts and one subpackage per venue.

The adapters arrive with the adapter issues; this package exists so the layout is fixed and
nothing in the core ever imports from it.
"""

from __future__ import annotations

__all__ = ()
