"""`policy check`: load every pack under a folder and report every problem found.

A pack fails when a rule lacks a citation or another required annotation, reads an attribute
the shared schema does not have, or when versions overlap or leave a change of law inside one
version, or when a rule citing a provision the fact sheet binds to one agency
(`agency_bound.yaml`) does not name that agency. A manifest without `verified_through` fails
(the field is required), and so does a `@mandatory("true")` permit on `hold_beyond_release`
whose `@confidence` is not `verified`: a required hold needs the law's primary text, never only
a secondary source. Each problem names the pack and the rule.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from detainer_desk.errors import PackError
from detainer_desk.law.pack import Pack, PolicyLibrary, load_pack, load_schema
from detainer_desk.law.scenarios import load_scenarios
from detainer_desk.vocabulary import Action


def check_packs(packs_dir: Path) -> list[str]:
    """Every problem in the packs under `packs_dir`; empty when all pass."""
    _, schema = load_schema()
    problems: list[str] = []
    packs: dict[str, Pack] = {}
    for folder in sorted(p for p in packs_dir.iterdir() if (p / "manifest.yaml").exists()):
        try:
            packs[folder.name] = load_pack(folder, schema)
        except PackError as exc:
            problems.append(exc.message)
            continue
        scenarios = folder / "scenarios.yaml"
        if scenarios.exists():
            try:
                load_scenarios(scenarios)
            except PackError as exc:
                problems.append(exc.message)
    problems.extend(_agency_bound_problems(packs))
    problems.extend(_unverified_hold_mandates(packs))
    for name in sorted(packs):
        try:
            PolicyLibrary({n: packs[n] for n in _chain_names(packs, name)}, schema)
        except PackError as exc:
            problems.append(exc.message)
    return list(dict.fromkeys(problems))


def _chain_names(packs: dict[str, Pack], name: str) -> list[str]:
    names, current = [], packs.get(name)
    while current is not None and current.name not in names:
        names.append(current.name)
        parent = current.manifest.builds_on
        current = packs.get(parent) if parent else None
    return names


def _agency_bound_problems(packs: dict[str, Pack]) -> list[str]:
    """A rule citing a provision the fact sheet binds to one agency must name that agency."""
    bound = yaml.safe_load(
        resources.files("detainer_desk.law").joinpath("agency_bound.yaml").read_text()
    )
    problems = []
    for name in sorted(packs):
        for rule in packs[name].provisions:
            for key in (k.strip() for k in rule.source.split(",")):
                if key not in bound:
                    continue
                kinds = set(bound[key]["agencies"])
                if not rule.agencies or not rule.agencies <= kinds:
                    problems.append(
                        f"{name}: rule {rule.id!r} cites {key}, which binds only "
                        f"{', '.join(sorted(kinds))} ({bound[key]['why']}); add "
                        f'@agency("{",".join(sorted(kinds))}") and test context.agency.kind'
                    )
    return problems


def _unverified_hold_mandates(packs: dict[str, Pack]) -> list[str]:
    """A required hold must rest on primary text: a mandatory hold permit must be `verified`."""
    return [
        f"{name}: rule {rule.id!r} requires holds (@mandatory on hold_beyond_release) but its "
        f"@confidence is {rule.confidence!r}: a required hold needs the law's primary text "
        "(verified); encode it as not required, and say in the version notes that the duty is "
        "reported only by a secondary source"
        for name in sorted(packs)
        for rule in packs[name].provisions
        if rule.mandatory
        and rule.effect == "permit"
        and Action.hold_beyond_release in rule.actions
        and rule.confidence != "verified"
    ]
