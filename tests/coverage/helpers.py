"""A temporary copy of the Texas chain (federal, texas, travis-county) whose texas manifest gains
test duties (not law): what the duty, coverage and desk-page tests edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from detainer_desk.law.pack import default_packs_dir

TEXAS_CHAIN = ("federal", "texas", "travis-county")


def texas_chain_with_duties(folder: Path, duties_yaml: str) -> Path:
    """Copy the chain into `folder` and append `duties_yaml` (a `duties:` block) to texas."""
    for name in TEXAS_CHAIN:
        shutil.copytree(default_packs_dir() / name, folder / name)
    texas = folder / "texas" / "manifest.yaml"
    assert "duties:" not in texas.read_text(), "texas has duties now: use a temporary pack"
    texas.write_text(texas.read_text() + duties_yaml)
    return folder
