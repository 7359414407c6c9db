"""A temporary copy of the Texas chain (federal, texas, travis-county) whose texas manifest gains
test duties (not law): what the duty, coverage and desk-page tests edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from detainer_desk.law.pack import default_packs_dir

TEXAS_CHAIN = ("federal", "texas", "travis-county")


def texas_chain_with_duties(folder: Path, duties_yaml: str) -> Path:
    """Copy the chain into `folder` and append `duties_yaml` (a `duties:` block) to texas."""
    for name in TEXAS_CHAIN:
        shutil.copytree(default_packs_dir() / name, folder / name)
    texas = folder / "texas" / "manifest.yaml"
    manifest = yaml.safe_load(texas.read_text())
    # the test's duties replace the law's
    manifest["duties"] = yaml.safe_load(duties_yaml)["duties"]
    texas.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    return folder
