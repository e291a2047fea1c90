"""Folder names derived from catalog values cannot leave their folder (no Spark)."""
from __future__ import annotations

from pathlib import Path

import pytest

from mrnet.modelstore import read_manifest, write_artifact
from mrnet.paths import Paths, segment


@pytest.mark.parametrize("value, expected", [
    ("furniture", "furniture"), ("grocery & gourmet", "grocery & gourmet"), ("mv-l0-1a2b", "mv-l0-1a2b"),
    ("..", "%2E."), (".", "%2E"), (".hidden", "%2Ehidden"), ("a/b", "a%2Fb"), ("a\\b", "a%5Cb"),
    ("100%", "100%25"), ("tab\there", "tab%09here"), ("../../etc", "%2E.%2F..%2Fetc"),
])
def test_segment_encodes_only_what_could_escape(value, expected):
    assert segment(value) == expected


def test_segment_keeps_distinct_values_distinct_and_refuses_empty():
    values = ["a/b", "a%2Fb", "a%b", ".x", "%2Ex", "..", "%2E."]
    assert len({segment(v) for v in values}) == len(values)
    with pytest.raises(ValueError):
        segment("")


def test_hostile_group_names_stay_inside_the_store(tmp_path):
    root = tmp_path / "warehouse"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    paths = Paths(str(root))
    for group in ("../../../victim", "/victim", "..", "a/../../victim"):
        for folder in (paths.group_model("mv-1", "uk", group), paths.checkpoints("mv-1", "..", group),
                       paths.agnostic_model("../mv", group), paths.align_model("mv-1", group, "fr")):
            resolved = Path(folder).resolve()
            assert resolved.is_relative_to(root.resolve()), folder
            assert len(resolved.relative_to(root.resolve()).parts) == len(Path(folder).relative_to(root).parts)
        folder = paths.group_model("mv-1", "uk", group)
        write_artifact(folder, {"weights.bin": b"x"}, {"product_group": group})   # replaces a folder
        assert read_manifest(folder)["product_group"] == group
    assert (victim / "keep.txt").read_text() == "precious"
