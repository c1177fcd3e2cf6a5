"""The conformance checks of lyra.venue.testing, run against the toy venue of
examples/custom_venue.py (quiet, noisy, and without amend), on asyncio and trio."""

from __future__ import annotations

import pytest

from lyra.venue import AmendMode
from lyra.venue.testing import CONFORMANCE_CHECKS, ConformanceCheck, run_conformance

from .toy import CAPABILITIES, scenario


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_toy_venue_conforms(check: ConformanceCheck) -> None:
    note = await check.run(scenario())
    assert note is None, note  # the quiet toy supports every path the checks take


@pytest.mark.anyio
@pytest.mark.parametrize("check", CONFORMANCE_CHECKS, ids=lambda c: c.name)
async def test_noisy_toy_venue_conforms(check: ConformanceCheck) -> None:
    # acknowledgements after fills and every answer twice: OrderFlow hides both
    await check.run(scenario(noisy=True))


@pytest.mark.anyio
async def test_a_venue_that_cannot_amend_refuses_modifies_locally() -> None:
    caps = CAPABILITIES.__class__(
        order_types=CAPABILITIES.order_types,
        time_in_force=CAPABILITIES.time_in_force,
        amend=AmendMode.NONE,
        book=False,
    )
    results = await run_conformance(scenario(capabilities=caps))
    assert dict(results)["modify"] == "passed"
    assert all(note == "passed" for _, note in results), results
