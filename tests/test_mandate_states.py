"""States that require holds: `required` with an end time, or denied with the reason."""

from __future__ import annotations

from datetime import datetime

from detainer_desk import Action, Effect, decide
from tests.helpers import ROOT

EXAMPLES = ROOT / "examples"


def _hold(name: str) -> tuple[Effect, bool, datetime | None, str]:
    hold = decide(EXAMPLES / name).action(Action.hold_beyond_release)
    ends = hold.hold_limit.ends_at if hold.hold_limit else None
    return hold.effect, hold.required, ends, hold.reason


def test_florida_2020_detainer_with_i200_is_permitted_not_required_for_48_hours() -> None:
    # § 908.105's text was not read: a required hold needs primary text (law-states-2026 §0.4),
    # so the hold is permitted with secondary confidence, for at most the detainer's 48 hours.
    effect, required, ends, reason = _hold("florida-i247a-i200-2020-03-04.json")
    assert (effect, required) == (Effect.permit, False)
    assert ends == datetime.fromisoformat("2020-03-06T14:00:00-05:00")
    assert "§ 908.105" in reason


def test_florida_2020_request_without_the_warrant_is_not_a_detainer_under_ch_908() -> None:
    effect, required, ends, reason = _hold("florida-i247a-no-warrant-2020-03-04.json")
    assert (effect, required, ends) == (Effect.deny, False, None)
    assert "§ 908.102(2)" in reason


def test_iowa_2020_detainer_with_i200_is_required_for_48_hours() -> None:
    effect, required, ends, reason = _hold("iowa-i247a-i200-2020-03-04.json")
    assert (effect, required) == (Effect.permit, True)
    assert ends == datetime.fromisoformat("2020-03-06T14:00:00-06:00")
    assert "§ 27A.2" in reason
