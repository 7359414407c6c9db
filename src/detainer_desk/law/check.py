"""`policy check`: load every pack under a folder and report every problem found.

A pack fails when a rule lacks a citation or another required annotation, reads an attribute
the shared schema does not have, or when versions overlap or leave a change of law inside one
version. Each problem names the pack and the rule.
"""

from __future__ import annotations

from pathlib import Path

from detainer_desk.errors import PackError
from detainer_desk.law.pack import Pack, PolicyLibrary, load_pack, load_schema
from detainer_desk.law.scenarios import load_scenarios


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
