"""Loading clinic-supplied item wording for licensed instruments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imsclinic.measures import UnknownMeasure, WordingFileError, load_item_wording


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "wording.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def test_loads_items_in_form_order(tmp_path: Path) -> None:
    # Synthetic placeholder text: real wording comes only from a clinic's licensed copy.
    path = write(tmp_path, {"items": [f"  Synthetic section {n}  " for n in range(1, 11)]})

    wording = load_item_wording("odi", path)

    assert wording[0] == "Synthetic section 1"
    assert len(wording) == 10


def test_wrong_count_names_file_and_counts(tmp_path: Path) -> None:
    path = write(tmp_path, {"items": ["x"] * 9})

    with pytest.raises(WordingFileError) as caught:
        load_item_wording("ndi", path)

    assert caught.value.path == path
    assert str(caught.value) == f"{path}: NDI has 10 items; the file has 9"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON (line 1"),
        ([1, 2], 'expected a JSON object with an "items" list'),
        ({"wording": []}, 'expected a JSON object with an "items" list'),
        ({"items": "all"}, '"items" must be a list; got str'),
        ({"items": ["a"] * 10 + [" "]}, "item 11 must be non-empty text"),
        ({"items": ["a"] * 4 + [5] + ["a"] * 6}, "item 5 must be non-empty text"),
    ],
)
def test_malformed_files_say_what_is_wrong(tmp_path: Path, content: object, problem: str) -> None:
    path = write(tmp_path, content)

    with pytest.raises(WordingFileError) as caught:
        load_item_wording("quickdash", path)

    assert str(caught.value).startswith(f"{path}: ")
    assert problem in caught.value.problem


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WordingFileError, match="file not found"):
        load_item_wording("lefs", tmp_path / "absent.json")


def test_psfs_has_no_fixed_wording(tmp_path: Path) -> None:
    path = write(tmp_path, {"items": ["a", "b", "c"]})

    with pytest.raises(WordingFileError, match="named by each patient"):
        load_item_wording("psfs", path)


def test_unknown_measure(tmp_path: Path) -> None:
    with pytest.raises(UnknownMeasure):
        load_item_wording("sf36", write(tmp_path, {"items": []}))
