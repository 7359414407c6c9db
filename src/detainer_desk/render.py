"""Rich rendering of decisions and packs for the terminal (the CLI's only presentation code)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from detainer_desk.law.decision import ActionDecision, Decision
from detainer_desk.law.pack import PolicyLibrary, VersionSet

_STYLE = {"permit": "bold green", "deny": "bold red", "review_required": "bold yellow"}


def _effect(a: ActionDecision) -> Text:
    label = a.effect.value + (" (required)" if a.required else "")
    label += " (default)" if a.by_default else ""
    return Text(label, style=_STYLE[a.effect.value])


def _why(a: ActionDecision) -> Text:
    text = Text(a.reason)
    for p in a.provisions:
        text.append(f"\n• {p['cite']}: ", style="bold")
        text.append(p["text"])
        if p.get("confidence", "verified") != "verified":
            # Not read in the primary text (secondary source, translation or unverified).
            text.append(f"  (confidence: {CONFIDENCE_WORDS[p['confidence']]})", style="yellow")
        text.append(f"  [{p['id']}]", style="dim")
    if a.hold_limit:
        h = a.hold_limit
        window = f"{h.hours} h" + (
            " excluding weekends and holidays" if h.excludes_weekends_and_holidays else ""
        )
        end = f", ends {h.ends_at.isoformat()}" if h.ends_at else f" ({h.note})"
        text.append(f"\nHold limit: {window}{end} — {h.cite}", style="cyan")
    for c in a.conditions:
        text.append("\nCondition: ", style="bold magenta")
        text.append(f"{c['text']} ({c['cite']})")
    for part in a.parts:
        text.append(f"\n{part.subject}: {part.effect.value}", style="bold")
        text.append(f" — {part.reason}")
    return text


CONFIDENCE_WORDS = {
    "secondary": "secondary source",
    "translated": "read in translation",
    "unverified": "unverified",
}


def print_decision(decision: Decision, console: Console) -> None:
    pack = decision.pack
    console.print(
        f"[bold]{decision.jurisdiction}[/] on {decision.decided_on}: "
        f"{decision.request['kind']} on form {decision.request['form']}, "
        f"warrant {decision.request['warrant_kind']} — booking {decision.booking_id}"
    )
    place = decision.place
    if place is not None:
        where = (place["county"] or place["state"] or {"name": place["pack"]})["name"]
        console.print(
            f"Place: {place['input']!r} → {where}; "
            f"law of {' → '.join(place['chain'])}"
            + (f" ({place['note']})" if place["note"] else "")
        )
    if pack is None:
        console.print("[bold red]No law in force on this date[/]")
    else:
        console.print(f"[dim]Law: {pack.name} version {pack.version} — {pack.label}[/]")
        if decision.law_may_have_changed:
            console.print(f"[bold yellow]Warning: {decision.currency_note}[/]")
        elif decision.currency_note:
            console.print(f"[dim]Verified: {decision.currency_note}[/]")
    if pack is not None and pack.notes:
        console.print(f"[dim]Note: {pack.notes}[/]")
    table = Table(show_lines=True, expand=True)
    table.add_column("action", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("why (provisions, limits, conditions)", ratio=1)
    for a in decision.actions:
        table.add_row(a.action.value, _effect(a), _why(a))
    console.print(table)
    if pack is not None:
        console.print(f"[dim]chain {', '.join(pack.chain)}; digest {pack.digest}[/]\n")


def print_pack_list(library: PolicyLibrary, console: Console) -> None:
    table = Table(title="Policy packs")
    for column in ("pack", "builds on", "versions", "title"):
        table.add_column(column)
    for name in library.names():
        m = library.pack(name).manifest
        spans = "\n".join(
            f"{v.from_} → {v.to or 'now'}" for v in sorted(m.versions, key=lambda v: v.from_)
        )
        table.add_row(name, m.builds_on or "—", spans, m.title)
    console.print(table)


def print_version_set(vs: VersionSet, console: Console) -> None:
    console.print(
        f"[bold]{vs.pack.manifest.title}[/] — version {vs.version.from_}: {vs.version.label}"
    )
    if vs.version.notes:
        console.print(f"[dim]{vs.version.notes.strip()}[/]")
    table = Table(show_lines=True, expand=True)
    table.add_column("rule", no_wrap=True)
    for column in ("effect", "actions", "citation and text"):
        table.add_column(column)
    for p in sorted(vs.provisions.values(), key=lambda p: (p.pack, p.id)):
        effect = (
            "condition" if p.is_condition else p.effect + (" (mandatory)" if p.mandatory else "")
        )
        actions = "\n".join(sorted(a.value for a in p.actions))
        table.add_row(
            f"{p.id}\n[dim]{p.pack}, from {p.effective}[/]", effect, actions, f"{p.cite}\n{p.text}"
        )
    console.print(table)
    console.print(f"[dim]digest {vs.digest}[/]")


def _figure(value: float | int | None, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if unit == "dollars":
        return f"${value:,.2f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".") + (" %" if unit == "%" else "")


def print_replay(payload: dict[str, Any], console: Console, daily_cost: float | None) -> None:
    """The replay's summary: policies side by side, the study's figures, per month, caveats."""
    duplicates = payload["duplicates_not_counted"]
    console.print(
        f"[bold]{payload['source']}[/], {payload['period']} — {payload['imported']:,} rows "
        f"imported, {payload['bad_rows_count']:,} bad rows reported"
        + (f" ({duplicates:,} duplicate ids not counted)" if duplicates else "")
    )
    for note in payload["notes"]:
        console.print(f"[dim]{note}[/]")
    table = Table(title="Bookings of the study's detainer group, replayed under each policy")
    cost_header = f"cost of those hours (${daily_cost:g}/day)" if daily_cost else "cost (no rate)"
    columns = [
        ("policy", "policy"),
        ("bookings", "bookings_with_hold"),
        ("held past last local charge", "holds_honoured"),
        ("hours held past it", "hold_hours"),
        ("bed-days", "bed_days"),
        (cost_header, "cost_dollars"),
        ("notifications permitted", "notifications_permitted"),
        ("released to ICE", "released_to_immigration"),
    ]
    table.add_column(columns[0][0], no_wrap=True)
    for header, _ in columns[1:]:
        table.add_column(header, justify="right")
    for r in payload["results"]:
        values = [r[attr] for _, attr in columns]
        table.add_row(*("—" if v is None else str(v) for v in values))
    console.print(table)
    if daily_cost:
        console.print(
            "[dim]The cost column prices only the hours held past the last local charge; the "
            "study's extra cost (whole stays against the no-hold mean) is among the figures.[/]"
        )
    figures = Table(title="The source study's figures, from this data")
    figures.add_column("figure (what it measures)")
    figures.add_column("value", justify="right")
    for f in payload["figures"]:
        unit = "" if f["unit"] in ("%", "dollars") else f" {f['unit']}"
        figures.add_row(f["label"], _figure(f["value"], f["unit"]) + unit)
    console.print(figures)
    months = payload["monthly"]
    if months:
        by = "month" if len(months) <= 36 else "year"
        counts: dict[str, list[float]] = {}
        for m in months:
            key = m["month"] if by == "month" else m["month"][:4]
            row = counts.setdefault(key, [0, 0, 0.0])
            row[0] += m["detainer_group"]
            row[1] += m["held_longer"]
            row[2] += m["hold_hours"]
        per = Table(title=f"Detainer group per {by} ({payload['period'].split(' ')[0]})")
        for header in (by, "bookings", "held past last local charge", "hours"):
            per.add_column(header, justify="right")
        for key, (n, held, hours) in counts.items():
            per.add_row(key, f"{int(n):,}", f"{int(held):,}", f"{hours:,.2f}")
        console.print(per)
    for note in payload["dominance"]:
        console.print(f"[yellow]Note: {note}[/]")
    for bias in payload["biases"]:
        console.print(f"[dim]Bias stated by the mapping: {bias}[/]")


def version_set_json(vs: VersionSet) -> dict[str, Any]:
    """The rules of a pack in force, as `policy show --json` prints them."""
    return {
        "pack": vs.pack.manifest.name,
        "title": vs.pack.manifest.title,
        "version": str(vs.version.from_),
        "label": vs.version.label,
        "digest": vs.digest,
        "rules": [
            {
                "id": p.id,
                "pack": p.pack,
                "effective": str(p.effective),
                "effect": "condition" if p.is_condition else p.effect,
                "mandatory": p.mandatory,
                "actions": sorted(a.value for a in p.actions),
                "cite": p.cite,
                "text": p.text,
            }
            for p in sorted(vs.provisions.values(), key=lambda p: (p.pack, p.id))
        ],
    }
