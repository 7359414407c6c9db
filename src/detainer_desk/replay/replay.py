"""Replay real bookings under any policy: what the law would have decided, and what it costs.

Each distinct combination of decision-relevant facts is decided once through the policy engine
and the answer joined back to every booking that shares it.
"""

from __future__ import annotations

import csv
import gzip
import statistics
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from detainer_desk.errors import InputError
from detainer_desk.law.decide import decide
from detainer_desk.law.decision import Decision
from detainer_desk.law.hold_limit import hold_ends_at
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.replay.importer import Row
from detainer_desk.replay.mapping import FormRule, Mapping
from detainer_desk.vocabulary import WITHDRAWN_FORMS, WITHDRAWN_FORMS_LAST_ISSUE, Action, Effect

ACTUAL = "actual"


@dataclass(frozen=True)
class PolicySpec:
    pack: str  # a pack name, or "actual": what happened in the data
    on: date | None  # the law of this date for every booking; None: each booking's own date

    @property
    def label(self) -> str:
        return self.pack if self.on is None else f"{self.pack}@{self.on}"


def parse_policy(text: str) -> PolicySpec:
    pack, _, day = text.partition("@")
    try:
        return PolicySpec(pack, date.fromisoformat(day) if day else None)
    except ValueError:
        raise InputError(f"--policy {text!r}: write PACK or PACK@YYYY-MM-DD") from None


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    bookings_with_hold: int
    holds_honoured: int
    hold_hours: float
    bed_days: float
    cost_dollars: float | None  # None: no daily rate for this source
    notifications_permitted: int | None
    released_to_immigration: int | None
    distinct_decisions: int
    top3_hours: float = 0.0  # the three longest holds' hours: does a handful dominate?

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RESULT_LABELS = {
    "policy": "policy: actual (what happened) or PACK@DATE (that law, applied to every booking)",
    "bookings_with_hold": "bookings of the study's detainer group (ICE hold, in its analysis set)",
    "holds_honoured": "bookings held past their last local charge",
    "hold_hours": "hours held past the last local charge, in all (capped by the hold's window)",
    "bed_days": "those hours as jail bed-days (hours / 24)",
    "cost_dollars": "those bed-days at the source's daily rate — NOT the study's extra cost, "
    "which compares whole stays with the no-hold mean (see the figures)",
    "notifications_permitted": "bookings whose release notification ICE may be sent",
    "released_to_immigration": "bookings released to ICE (what happened)",
    "distinct_decisions": "distinct (form, date) cases answered by the policy engine (days under "
    "the same law with the same facts share one answer)",
    "top3_hours": "hours of the three longest holds (does a handful dominate the total?)",
}


def detainer_group(rows: list[Row]) -> list[Row]:
    """The source study's population: bookings with an ICE hold, in its analysis set."""
    return [r for r in rows if r["has_immigration_hold"] and r["in_study_population"]]


def _excess_hours(row: Row) -> float:
    return max(row["hold_outlasts_local_charges_hours"] or 0.0, 0.0)


def _result(
    policy: str, group: list[Row], hours: list[float], mapping: Mapping, **extra: Any
) -> PolicyResult:
    total = sum(hours)
    return PolicyResult(
        policy=policy,
        bookings_with_hold=len(group),
        holds_honoured=sum(h > 0 for h in hours),
        hold_hours=round(total, 2),
        bed_days=round(total / 24, 2),
        cost_dollars=cost(total, mapping),
        top3_hours=round(sum(sorted(hours)[-3:]), 2),
        **extra,
    )


def cost(hours: float, mapping: Mapping) -> float | None:
    """Bed-days × the source's daily rate, when it gives one."""
    daily = mapping.published.daily_cost_dollars
    return None if daily is None else round(hours / 24 * daily, 2)


def replay_actual(rows: list[Row], mapping: Mapping) -> PolicyResult:
    group = detainer_group(rows)
    return _result(
        ACTUAL,
        group,
        [_excess_hours(r) for r in group],
        mapping,
        notifications_permitted=None,
        released_to_immigration=sum(
            r["hold_release_disposition"] in mapping.released_to_immigration for r in group
        ),
        distinct_decisions=0,
    )


def replay_request(mapping: Mapping, pack: str, rule: FormRule, day: date) -> dict[str, Any]:
    """The request document a replayed booking stands for: the mapping's request on `rule`'s
    form, received on `day`, about a booking whose convictions are known to be none."""
    request: dict[str, Any] = {
        "kind": mapping.request.kind.value,
        "form": rule.form.value,
        "warrant_kind": rule.warrant_kind.value,
    }
    if rule.form in WITHDRAWN_FORMS:
        # The form was issued with the booking (before the rule's `before`, and for the shipped
        # mappings before the I-247D/N/X cut-off of 2017-04-02: Pierce's rule ends then, Travis's
        # rows are booked before 2015-10-01), while the law date `day` may be later. The last
        # possible issue day answers the cut-off (FED_I247A_GUIDANCE) without leaving it unknown.
        last = WITHDRAWN_FORMS_LAST_ISSUE
        if rule.before is not None:
            last = min(last, rule.before - timedelta(days=1))
        request["issued_on"] = last.isoformat()
    return {
        "jurisdiction": pack,
        "received_at": datetime.combine(day, datetime.min.time()).isoformat(),
        "request": request,
        "booking": {"booking_id": "replay", "convictions": []},
    }


def decide_replayed(
    mapping: Mapping, pack: str, rule: FormRule, day: date, library: PolicyLibrary
) -> Decision:
    """What `pack` decides on `day` for a replayed booking's hold and notification."""
    return decide(
        replay_request(mapping, pack, rule, day),
        on=day,
        library=library,
        actions=[Action.hold_beyond_release, Action.notify_release],
    )


def _allowed_hours(row: Row, window_hours: int, excludes: bool) -> float:
    start: datetime | None = row["release_eligible_at"]
    if start is None:
        return 0.0
    return (hold_ends_at(start, window_hours, excludes) - start).total_seconds() / 3600


def replay_policy(
    rows: list[Row], mapping: Mapping, spec: PolicySpec, library: PolicyLibrary
) -> PolicyResult:
    group = detainer_group(rows)
    cache: dict[tuple[str, date], tuple[Effect, Any, Effect]] = {}
    hours, notified = [], 0
    for row in group:
        day = spec.on or row["booked_at"].date()
        form = mapping.request.form_on(row["booked_at"].date()).form.value
        key = (form, day)
        if key not in cache:
            rule = mapping.request.form_on(row["booked_at"].date())
            d = decide_replayed(mapping, spec.pack, rule, day, library)
            hold, notify = d.action(Action.hold_beyond_release), d.action(Action.notify_release)
            cache[key] = (hold.effect, hold.hold_limit, notify.effect)
        hold_effect, limit, notify_effect = cache[key]
        excess = _excess_hours(row)
        if hold_effect is Effect.permit and limit is not None:
            excess = min(
                excess, _allowed_hours(row, limit.hours, limit.excludes_weekends_and_holidays)
            )
        elif hold_effect is not Effect.permit:
            excess = 0.0
        hours.append(excess)
        notified += notify_effect is Effect.permit
    return _result(
        spec.label,
        group,
        hours,
        mapping,
        notifications_permitted=notified,
        released_to_immigration=None,
        distinct_decisions=len(cache),
    )


def study_figures(rows: list[Row], mapping: Mapping) -> dict[str, float]:
    """The source study's headline figures, computed its way (PROVENANCE.md, last table)."""
    group = detainer_group(rows)
    days = [r["days_in_jail"] for r in group]
    felony = [r["days_in_jail"] for r in group if (r["max_seriousness"] or 0) >= 4]
    misd = [r["days_in_jail"] for r in group if 2 <= (r["max_seriousness"] or 0) <= 3]
    longer = [_excess_hours(r) for r in group if _excess_hours(r) > 0]
    to_ice = [r["days_in_jail"] for r in group if r["hold_release_disposition"] == "Immigration"]
    all_holds = [r for r in rows if r["has_immigration_hold"]]
    no_hold_mean, daily = mapping.published.no_hold_mean_days, mapping.published.daily_cost_dollars
    if no_hold_mean is None or daily is None:
        raise InputError(f"mapping {mapping.name!r} publishes no no-hold mean or daily rate")
    excess_days = sum(days) - len(days) * no_hold_mean
    return {
        "bookings": len(rows),
        "bookings_with_hold": len(all_holds),
        "detainer_group": len(group),
        "mean_days": statistics.fmean(days),
        "median_days": statistics.median(days),
        "max_days": max(days),
        "felony_n": len(felony),
        "felony_mean_days": statistics.fmean(felony),
        "misdemeanor_n": len(misd),
        "misdemeanor_mean_days": statistics.fmean(misd),
        "held_longer_n": len(longer),
        "held_longer_hours": sum(longer),
        "held_longer_median_hours": statistics.median(longer),
        "excess_days_vs_no_hold_mean": excess_days,
        "excess_cost_dollars": excess_days * daily,
        "paid_bail_n": sum(bool(r["paid_bail"]) for r in group),
        "released_to_ice_group": len(to_ice),
        "released_to_ice_all_holds": sum(
            r["hold_release_disposition"] == "Immigration" for r in all_holds
        ),
        "released_to_ice_mean_days": statistics.fmean(to_ice),
        "released_to_ice_median_days": statistics.median(to_ice),
    }


def personal_recognizance_share(charges: Path, rows: list[Row]) -> tuple[int, int]:
    """The study's PR share: of the detainer group's charge rows, how many ended "PR" (personal
    recognisance). Reads the charges file beside the bookings (PROVENANCE.md). Returns (PR, all).
    """
    group = {r["booking_id"] for r in detainer_group(rows)}
    pr = total = 0
    with gzip.open(charges, "rt", encoding="utf-8", newline="") as handle:
        for charge in csv.DictReader(handle):
            if charge["booking_id"] in group:
                total += 1
                pr += charge["release_disposition_desc"] == "PR"
    return pr, total
