"""Every runnable script under examples/ runs to completion.

Files named ``test_*.py`` under examples/ are pytest files that users can copy; pytest
collects those directly (see ``testpaths``). Every other ``*.py`` there is a script and runs
here in a fresh interpreter, so it must exit 0 quickly and print something.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith(("test_", "_")))


def test_there_are_examples() -> None:
    assert SCRIPTS, "examples/ holds no scripts"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    env = dict(os.environ, LYRA_EXAMPLE_QUICK="1", PYTHONWARNINGS="error")
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=EXAMPLES,
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), f"{script.name} printed nothing"
