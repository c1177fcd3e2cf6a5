"""The Python snippets in the README and the docs run as written.

A page's ``python`` blocks run in order in one namespace, as a reader would run them; a block
containing ``# doc: no-run`` is skipped (e.g. one that needs a network server).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _pages_with_code() -> list[Path]:
    return [p for p in PAGES if p.exists() and _BLOCK.search(p.read_text())]


@pytest.mark.parametrize("page", _pages_with_code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_page_snippets_run(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__doc_snippet__"}
    for i, block in enumerate(_BLOCK.findall(page.read_text())):
        if "# doc: no-run" in block:
            continue
        # dont_inherit: snippets must not pick up this module's `from __future__` flags
        code = compile(block, f"{page.relative_to(ROOT)}[block {i}]", "exec", dont_inherit=True)
        exec(code, namespace)


def test_readme_has_a_snippet() -> None:
    assert _BLOCK.search((ROOT / "README.md").read_text())
