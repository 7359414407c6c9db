"""Rich rendering of decisions and packs for the terminal (the CLI's only presentation code)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from detainer_desk.law.decision import ActionDecision, Decision
from detainer_desk.law.pack import PolicyLibrary, VersionSet
from detainer_desk.replay.importer import Imported
from detainer_desk.replay.replay import PolicyResult

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
    return text


def print_decision(decision: Decision, console: Console) -> None:
    pack = decision.pack
    console.print(
        f"[bold]{decision.jurisdiction}[/] on {decision.decided_on}: "
        f"{decision.request['kind']} on form {decision.request['form']}, "
        f"warrant {decision.request['warrant_kind']} — booking {decision.booking_id}"
    )
    if pack is None:
        console.print("[bold red]No law in force on this date[/]")
    else:
        console.print(f"[dim]Law: {pack.name} version {pack.version} — {pack.label}[/]")
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


def print_replay(
    title: str,
    imported: Imported,
    results: list[PolicyResult],
    console: Console,
    daily_cost: float | None = 126,
) -> None:
    console.print(f"[bold]{title}[/] — {imported.summary()}")
    for bad in imported.bad_rows:
        console.print(f"[yellow]line {bad.line}: {bad.reason}[/]")
    table = Table(title="Bookings with an ICE hold, replayed under each policy")
    columns = [
        ("policy", "policy"),
        ("bookings with hold", "bookings_with_hold"),
        ("held past local charges", "holds_honoured"),
        ("hold hours", "hold_hours"),
        ("bed-days", "bed_days"),
        (f"cost (${daily_cost:g}/day)" if daily_cost else "cost (no rate)", "cost_dollars"),
        ("notifications permitted", "notifications_permitted"),
        ("released to ICE", "released_to_immigration"),
    ]
    table.add_column(columns[0][0], no_wrap=True)
    for header, _ in columns[1:]:
        table.add_column(header, justify="right")
    for r in results:
        values = [getattr(r, attr) for _, attr in columns]
        table.add_row(*("—" if v is None else str(v) for v in values))
    console.print(table)


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
