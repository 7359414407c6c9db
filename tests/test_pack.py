"""Policy packs load, or are refused with a message naming the pack, the rule and the fix.

Each test builds a small world of packs in a temporary folder (a `base` pack and a `city` that
builds on it) so the expected values can be worked out by hand from the few lines written.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from detainer_desk.errors import NoVersionInForceError, PackError, UnknownJurisdictionError
from detainer_desk.law.pack import (
    HoldWindow,
    Manifest,
    PolicyLibrary,
    default_packs_dir,
    hold_window_for,
    load_pack,
    load_schema,
)
from detainer_desk.vocabulary import Action, Effect, Form

SCHEMA = load_schema()[1]


def rule(
    rule_id: str,
    body: str = 'forbid (principal, action == Action::"hold_beyond_release", resource);',
    *,
    effective: str = "2020-01-01",
    extra: str = "",
    source: str = "TEST_1",
) -> str:
    return (
        f'@id("{rule_id}")\n@cite("Test § {rule_id}")\n@source("{source}")\n'
        f'@effective("{effective}")\n{extra}@text("Test rule {rule_id}.")\n{body}\n'
    )


BASE_MANIFEST = """\
name: base
title: Base
time_zone: America/New_York
verified_through: 2026-12-05
defaults:
  notify_release: {effect: permit, reason: "base permits notices"}
  share_release_date: {effect: permit, reason: "base shares dates"}
hold_windows:
  I-247A: {excludes_weekends_and_holidays: false, cite: "base I-247A window"}
  default: {excludes_weekends_and_holidays: true, cite: "base default window"}
versions:
  - {from: 2020-01-01, label: Base law}
"""

CITY_MANIFEST = """\
name: city
title: City
builds_on: base
time_zone: America/Denver
verified_through: 2026-11-30
defaults:
  notify_release: {effect: deny, reason: "city keeps release dates"}
hold_windows:
  I-247A: {excludes_weekends_and_holidays: true, cite: "city I-247A window", hours: 24}
versions:
  - {from: 2021-01-01, to: 2021-06-30, label: City first}
  - {from: 2020-01-01, to: 2020-12-31, label: City before}
  - {from: 2021-07-01, label: City ordinance}
"""

BASE_RULES = rule(
    "base.only-detainers",
    'forbid (principal, action == Action::"hold_beyond_release", resource)\n'
    'unless { context.request.kind == "detainer" };',
) + rule(
    "base.serve-copy",
    'permit (principal, action == Action::"hold_beyond_release", resource)\n'
    'when { context.request.form == "I-247A" };',
    extra='@kind("condition")\n',
)
CITY_RULES = rule(
    "city.no-notice",
    'forbid (principal, action == Action::"notify_release", resource)\n'
    "when { !context.booking.release_date_public };",
    effective="2021-07-01",
)


def write_pack(root: Path, name: str, manifest: str, **cedar: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(manifest)
    for stem, text in cedar.items():
        (folder / f"{stem}.cedar").write_text(text)
    return folder


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_pack(tmp_path, "base", BASE_MANIFEST, policies=BASE_RULES)
    write_pack(tmp_path, "city", CITY_MANIFEST, policies=CITY_RULES)
    (tmp_path / "notes").mkdir()  # a folder without a manifest is not a pack
    return tmp_path


def refused(folder: Path) -> PackError:
    with pytest.raises(PackError) as caught:
        load_pack(folder, SCHEMA)
    return caught.value


def library_refused(root: Path) -> PackError:
    with pytest.raises(PackError) as caught:
        PolicyLibrary.load(root)
    return caught.value


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_defaults_when_left_out(tmp_path: Path) -> None:
    folder = write_pack(
        tmp_path,
        "bare",
        "name: bare\ntitle: Bare\ntime_zone: UTC\nverified_through: 2026-12-05\n"
        "versions: [{from: 2020-01-01, label: L}]\n"
        "hold_windows:\n  default: {excludes_weekends_and_holidays: false, cite: C}\n",
        policies=rule("bare.r"),
    )
    manifest = load_pack(folder, SCHEMA).manifest
    assert manifest.builds_on is None
    assert manifest.summary == ""
    assert manifest.defaults == {}
    window = manifest.hold_windows["default"]
    assert (window.hours, window.note, window.counted_from) == (48, "", "release_eligibility")
    version = manifest.versions[0]
    assert (version.to, version.notes) == (None, "")
    assert manifest.zone.key == "UTC"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # pydantic names the field by its dotted location and says what is wrong with it
        (("time_zone: America/Denver\n", ""), "city: manifest.yaml time_zone: Field required"),
        (
            ("time_zone: America/Denver", "time_zone: America/Austin"),
            "city: manifest.yaml time_zone: Value error, unknown IANA time zone "
            "'America/Austin' (e.g. America/Denver)",
        ),
        (
            ("time_zone: America/Denver", "time_zone: ../etc"),  # ZoneInfo: ValueError, not found
            "city: manifest.yaml time_zone: Value error, unknown IANA time zone "
            "'../etc' (e.g. America/Denver)",
        ),
        (
            ("title: City\n", "title: City\ncolour: red\n"),
            "city: manifest.yaml colour: Extra inputs are not permitted",
        ),
        (
            (
                "  - {from: 2020-01-01, to: 2020-12-31, label: City before}\n",
                "  - {to: 2020-12-31, label: X}\n",
            ),
            "city: manifest.yaml versions.1.from: Field required",
        ),
    ],
)
def test_manifest_field_errors(world: Path, change: tuple[str, str], message: str) -> None:
    manifest = world / "city" / "manifest.yaml"
    text = manifest.read_text()
    assert change[0] in text
    manifest.write_text(text.replace(*change))
    error = refused(world / "city")
    assert (error.message, error.pack, error.rule) == (message, "city", None)


def test_manifest_without_versions(world: Path) -> None:
    manifest = world / "city" / "manifest.yaml"
    manifest.write_text(manifest.read_text().split("versions:")[0] + "versions: []\n")
    assert refused(world / "city").message == (
        "city: manifest.yaml versions: Tuple should have at least 1 item after validation, not 0"
    )


def test_unreadable_manifest(world: Path) -> None:
    (world / "city" / "manifest.yaml").unlink()
    error = refused(world / "city")
    path = world / "city" / "manifest.yaml"
    assert error.message == (
        f"city: cannot read manifest.yaml: [Errno 2] No such file or directory: '{path}'"
    )
    assert error.pack == "city"


def test_manifest_that_is_not_yaml(world: Path) -> None:
    broken = "name: city\ntitle: [unclosed\n"
    (world / "city" / "manifest.yaml").write_text(broken)
    with pytest.raises(yaml.YAMLError) as yaml_error:
        yaml.safe_load(broken)
    error = refused(world / "city")
    assert error.message == f"city: cannot read manifest.yaml: {yaml_error.value}"
    assert error.pack == "city"


def test_manifest_name_must_match_its_folder(world: Path) -> None:
    (world / "city").rename(world / "town")
    assert refused(world / "town").message == ("town: manifest name 'city' differs from its folder")


# --- the policy files -----------------------------------------------------------------------


def test_policy_files_are_joined_in_name_order_and_digested(world: Path) -> None:
    folder = world / "city"
    (folder / "policies.cedar").unlink()
    first = rule("city.a", effective="2021-07-01")
    second = rule("city.b", effective="2021-07-01")
    (folder / "b.cedar").write_text(second)
    (folder / "a.cedar").write_text(first)
    (folder / "notes.txt").write_text("not a policy")
    pack = load_pack(folder, SCHEMA)
    assert pack.name == "city"
    assert pack.policy_text == first + "\n" + second
    assert [p.id for p in pack.provisions] == ["city.a", "city.b"]
    # the digest covers the manifest's bytes, a NUL, then the joined policy text
    expected = hashlib.sha256(
        CITY_MANIFEST.encode() + b"\0" + (first + "\n" + second).encode()
    ).hexdigest()
    assert pack.source_digest == expected


def test_pack_without_policy_file(world: Path) -> None:
    (world / "city" / "policies.cedar").unlink()
    error = refused(world / "city")
    assert (error.message, error.pack) == ("city: no .cedar policy file", "city")


def test_cedar_syntax_error(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text("forbid (principal, action, resource")
    error = refused(world / "city")
    assert error.message.startswith("city: Cedar syntax error: ")
    assert len(error.message) > len("city: Cedar syntax error: ")
    assert (error.pack, error.rule) == ("city", None)


def test_rule_not_matching_the_schema_is_named_by_its_id(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text(
        CITY_RULES.replace("release_date_public", "release_date_publik")
    )
    error = refused(world / "city")
    assert error.message.startswith(
        "city: rule 'city.no-notice' does not match the shared schema: "
    )
    assert "release_date_publik" in error.message
    assert (error.pack, error.rule) == ("city", "city.no-notice")


def test_rule_without_a_required_annotation_names_pack_and_rule(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text(
        CITY_RULES.replace('@cite("Test § city.no-notice")\n', "")
    )
    error = refused(world / "city")
    assert error.message == (
        "city: rule 'city.no-notice' lacks @cite; every rule needs @id, @cite, @source, "
        "@effective, @text"
    )
    assert (error.pack, error.rule) == ("city", "city.no-notice")


def test_provisions_belong_to_their_pack(world: Path) -> None:
    pack = load_pack(world / "city", SCHEMA)
    assert [(p.id, p.pack) for p in pack.provisions] == [("city.no-notice", "city")]


def test_rule_id_used_twice(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text(CITY_RULES + CITY_RULES)
    error = refused(world / "city")
    assert error.message == "city: rule id 'city.no-notice' is used twice"
    assert (error.pack, error.rule) == ("city", "city.no-notice")


# --- versions -------------------------------------------------------------------------------


def _versions(world: Path, lines: str) -> None:
    manifest = world / "city" / "manifest.yaml"
    manifest.write_text(manifest.read_text().split("versions:")[0] + "versions:\n" + lines)


def test_version_ending_before_it_starts(world: Path) -> None:
    _versions(world, "  - {from: 2020-01-01, to: 2019-12-31, label: L}\n")
    assert refused(world / "city").message == "city: version 2020-01-01 ends before it starts"


def test_version_of_one_day_is_fine(world: Path) -> None:
    _versions(
        world,
        "  - {from: 2020-01-01, to: 2020-01-01, label: A}\n"
        "  - {from: 2020-01-02, to: 2021-06-30, label: B}\n"
        "  - {from: 2021-07-01, label: C}\n",
    )
    pack = load_pack(world / "city", SCHEMA)
    assert pack.version_on(date(2020, 1, 1)).label == "A"  # type: ignore[union-attr]
    assert pack.version_on(date(2020, 1, 2)).label == "B"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "lines",
    [
        # written out of order: sorted by start, 2020-06-30 is not before 2020-06-30
        "  - {from: 2020-06-30, label: B}\n  - {from: 2020-01-01, to: 2020-06-30, label: A}\n",
        # an open-ended version followed by another
        "  - {from: 2020-01-01, label: A}\n  - {from: 2020-06-30, label: B}\n",
    ],
)
def test_overlapping_versions(world: Path, lines: str) -> None:
    _versions(world, lines)
    error = refused(world / "city")
    assert error.message == (
        "city: versions 2020-01-01 and 2020-06-30 overlap; end the earlier one (to:) before "
        "2020-06-30"
    )
    assert error.pack == "city"


def test_version_on_follows_from_and_to_inclusive(world: Path) -> None:
    pack = load_pack(world / "city", SCHEMA)
    labels = {
        day: (v.label if (v := pack.version_on(day)) else None)
        for day in (
            date(2019, 12, 31),
            date(2020, 1, 1),
            date(2020, 12, 31),
            date(2021, 1, 1),
            date(2021, 6, 30),
            date(2021, 7, 1),
            date(2030, 1, 1),
        )
    }
    assert labels == {
        date(2019, 12, 31): None,
        date(2020, 1, 1): "City before",
        date(2020, 12, 31): "City before",
        date(2021, 1, 1): "City first",
        date(2021, 6, 30): "City first",
        date(2021, 7, 1): "City ordinance",
        date(2030, 1, 1): "City ordinance",
    }


# --- the library: chains, boundaries, version sets ------------------------------------------


def test_library_loads_every_pack_folder(world: Path) -> None:
    library = PolicyLibrary.load(world)
    assert library.names() == ["base", "city"]
    assert library.schema is not None
    assert [p.name for p in library.chain("city")] == ["city", "base"]
    assert [p.name for p in library.chain("base")] == ["base"]


def test_default_library_is_the_shipped_packs() -> None:
    shipped = sorted(
        p.name for p in default_packs_dir().iterdir() if (p / "manifest.yaml").exists()
    )
    assert PolicyLibrary.load().names() == shipped
    assert "federal" in shipped


def test_unknown_jurisdiction(world: Path) -> None:
    library = PolicyLibrary.load(world)
    with pytest.raises(UnknownJurisdictionError) as caught:
        library.pack("town")
    assert caught.value.message == (
        "unknown jurisdiction 'town': no pack, state or county of that name; name a policy pack "
        "(e.g. 'denver'), a state or DC by name or two-letter code ('Texas', 'TX'), a county's "
        "five-digit FIPS code ('48453') or a county with its state ('Travis County, TX'); "
        "packs: base, city"
    )
    assert caught.value.field == "jurisdiction"


def test_builds_on_a_missing_pack(world: Path) -> None:
    manifest = world / "city" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("builds_on: base", "builds_on: state"))
    error = library_refused(world)
    assert error.message == "city: builds_on 'state', which is not a pack"
    assert error.pack == "city"


def test_builds_on_cycle(world: Path) -> None:
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().replace("title: Base\n", "title: Base\nbuilds_on: city\n"))
    error = library_refused(world)
    # packs are checked in name order: base -> city -> base
    assert error.message == "base: builds_on forms a cycle through 'base'"
    assert error.pack == "base"


def test_builds_on_cycle_further_up_the_chain(world: Path) -> None:
    # city -> county -> state -> county: the city is not in the cycle, the loop still ends
    for name, parent in (("county", "state"), ("state", "county")):
        write_pack(
            world,
            name,
            f"name: {name}\ntitle: T\nbuilds_on: {parent}\ntime_zone: UTC\n"
            "verified_through: 2026-12-05\n"
            "versions: [{from: 2020-01-01, label: L}]\n",
            policies=rule(f"{name}.r"),
        )
    city = world / "city" / "manifest.yaml"
    city.write_text(city.read_text().replace("builds_on: base", "builds_on: county"))
    # packs are checked in name order: base passes, then the city's chain meets county again
    assert library_refused(world).message == "city: builds_on forms a cycle through 'county'"


def test_builds_on_itself(world: Path) -> None:
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().replace("title: Base\n", "title: Base\nbuilds_on: base\n"))
    assert library_refused(world).message == "base: builds_on forms a cycle through 'base'"


def _base_versions(world: Path, *starts: str) -> None:
    """Give the base pack versions starting on these days, each ending the day before the next."""
    days = [date.fromisoformat(s) for s in starts]
    lines = [
        f"  - {{from: {d}, to: {n.fromordinal(n.toordinal() - 1)}, label: V{d}}}\n"
        for d, n in itertools.pairwise(days)
    ] + [f"  - {{from: {days[-1]}, label: V{days[-1]}}}\n"]
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().split("versions:")[0] + "versions:\n" + "".join(lines))


def test_change_of_law_in_an_ancestor_must_start_a_version(world: Path) -> None:
    (world / "base" / "policies.cedar").write_text(
        BASE_RULES + rule("base.later", effective="2021-03-01")
    )
    _base_versions(world, "2020-01-01", "2021-03-01")  # the base itself is in order
    error = library_refused(world)
    assert error.message == (
        "city: rule 'base.later' (base) changes on 2021-03-01, but no version of city starts "
        "that day; add one"
    )
    assert (error.pack, error.rule) == ("city", "base.later")


def test_repeal_in_own_pack_must_start_a_version(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text(
        CITY_RULES.replace('@text("Test', '@repealed("2022-02-02")\n@text("Test', 1)
    )
    assert library_refused(world).message == (
        "city: rule 'city.no-notice' (city) changes on 2022-02-02, but no version of city "
        "starts that day; add one"
    )


def test_change_on_or_before_the_first_version_needs_no_version(world: Path) -> None:
    # the city's first version starts 2020-01-01: a base rule from then on, or from before,
    # changes nothing inside the city's versions
    (world / "base" / "policies.cedar").write_text(
        BASE_RULES
        + rule("base.same-day", effective="2020-01-01")
        + rule("base.older", effective="2019-01-01")
        + rule("base.at-city-start", effective="2021-07-01")
    )
    _base_versions(world, "2019-01-01", "2020-01-01", "2021-07-01")
    library = PolicyLibrary.load(world)
    assert library.names() == ["base", "city"]


def test_no_version_in_force_names_the_spans(world: Path) -> None:
    library = PolicyLibrary.load(world)
    with pytest.raises(NoVersionInForceError) as caught:
        library.version_set("city", date(2019, 12, 31))
    assert caught.value.message == (
        "city has no policy version in force on 2019-12-31 (versions: 2020-01-01..2020-12-31, "
        "2021-01-01..2021-06-30, 2021-07-01..now); choose a date inside one — holds are never "
        "decided without law in force"
    )
    assert caught.value.field == "on"


def test_an_ancestor_without_law_on_the_version_start(world: Path) -> None:
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().replace("{from: 2020-01-01,", "{from: 2020-06-01,"))
    library = PolicyLibrary.load(world)
    with pytest.raises(NoVersionInForceError) as caught:
        library.version_set("city", date(2020, 7, 1))
    assert caught.value.message == (
        "city builds on base, which has no version in force on 2020-01-01"
    )
    assert caught.value.field == "on"


def test_version_set_is_compiled_once_per_version(world: Path) -> None:
    library = PolicyLibrary.load(world)
    first = library.version_set("city", date(2021, 7, 1))
    assert library.version_set("city", date(2025, 3, 3)) is first
    earlier = library.version_set("city", date(2021, 6, 30))
    assert earlier is not first
    assert earlier.version.label == "City first"
    assert library.version_set("base", date(2021, 7, 1)) is not first


def test_version_set_contents(world: Path) -> None:
    library = PolicyLibrary.load(world)
    vs = library.version_set("city", date(2021, 8, 1))
    assert vs.pack.name == "city"
    assert vs.version.label == "City ordinance"
    assert [(n, v.label) for n, v in vs.chain] == [("city", "City ordinance"), ("base", "Base law")]
    assert sorted(vs.provisions) == ["base.only-detainers", "base.serve-copy", "city.no-notice"]
    assert set(vs.rules.to_pst().static_policies) == {"base.only-detainers", "city.no-notice"}
    assert set(vs.conditions.to_pst().static_policies) == {"base.serve-copy"}
    # the nearest pack wins: the city's notify_release default and I-247A window
    assert {a: (d.effect, d.reason) for a, d in vs.defaults.items()} == {
        Action.notify_release: (Effect.deny, "city keeps release dates"),
        Action.share_release_date: (Effect.permit, "base shares dates"),
    }
    assert {f: (w.hours, w.cite) for f, w in vs.hold_windows.items()} == {
        "I-247A": (24, "city I-247A window"),
        "default": (48, "base default window"),
    }
    assert vs.reads_by_action == {
        **{a: frozenset() for a in Action},
        Action.hold_beyond_release: frozenset({"request.kind", "request.form"}),
        Action.notify_release: frozenset({"booking.release_date_public"}),
    }
    assert vs.schema is library.schema
    assert vs.entities is not None


def test_rules_out_of_force_are_left_out(world: Path) -> None:
    vs = PolicyLibrary.load(world).version_set("city", date(2021, 6, 30))
    assert sorted(vs.provisions) == ["base.only-detainers", "base.serve-copy"]
    assert set(vs.rules.to_pst().static_policies) == {"base.only-detainers"}
    assert vs.reads_by_action[Action.notify_release] == frozenset()


def _expected_digest(vs: Any) -> str:
    """The digest as documented: chain, provisions in force, defaults and windows, as JSON."""
    content = {
        "chain": [["city", "2021-07-01"], ["base", "2020-01-01"]],
        "provisions": {pid: vs.provisions[pid].est for pid in sorted(vs.provisions)},
        "defaults": {
            "notify_release": {"effect": "deny", "reason": "city keeps release dates"},
            "share_release_date": {"effect": "permit", "reason": "base shares dates"},
        },
        "hold_windows": {
            "I-247A": {
                "hours": 24,
                "excludes_weekends_and_holidays": True,
                "cite": "city I-247A window",
                "note": "",
                "counted_from": "release_eligibility",
            },
            "default": {
                "hours": 48,
                "excludes_weekends_and_holidays": True,
                "cite": "base default window",
                "note": "",
                "counted_from": "release_eligibility",
            },
        },
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_version_set_digest_covers_the_law_in_force(world: Path) -> None:
    vs = PolicyLibrary.load(world).version_set("city", date(2021, 8, 1))
    assert vs.digest == _expected_digest(vs)


# --- hold windows ---------------------------------------------------------------------------


def test_hold_window_of_a_rule_a_form_or_the_default(world: Path) -> None:
    vs = PolicyLibrary.load(world).version_set("city", date(2021, 8, 1))
    plain = vs.provisions["city.no-notice"]
    assert hold_window_for(vs, Form.I_247A, None) == vs.hold_windows["I-247A"]
    assert hold_window_for(vs, Form.I_247A, plain) == vs.hold_windows["I-247A"]
    assert hold_window_for(vs, Form.I_247, plain) == vs.hold_windows["default"]
    for note, excludes, counted in [
        ("48h", False, "release_eligibility"),
        ("48h_excluding_weekends_and_holidays", True, "release_eligibility"),
        ("48h_from_receipt", False, "receipt"),
    ]:
        own = hold_window_for(vs, Form.I_247A, _with_window(plain, note))
        assert own == HoldWindow(
            hours=48,
            excludes_weekends_and_holidays=excludes,
            cite="Test § city.no-notice",
            counted_from=counted,
        )


def test_no_hold_window_without_form_or_default(world: Path) -> None:
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().replace("  default: {", "  I-247: {"))
    vs = PolicyLibrary.load(world).version_set("base", date(2021, 8, 1))
    assert hold_window_for(vs, Form.I_247D, None) is None
    assert hold_window_for(vs, Form.I_247, None) == vs.hold_windows["I-247"]


def _with_window(provision: Any, note: str) -> Any:
    import dataclasses

    return dataclasses.replace(provision, hold_window=note)


def test_manifest_model_is_strict() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        Manifest.model_validate({"name": "x", "title": "X", "time_zone": "UTC", "x": 1})
