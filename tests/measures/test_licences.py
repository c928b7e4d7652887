"""Every outcome measure the app offers has its licence written up with a source in
docs/clinical-references.md ("Outcome measure licences"), and the app agrees with it: a
new measure cannot ship without a row, and wording ships only where the row says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imsclinic.measures import MEASURES

REFERENCES = Path(__file__).resolve().parents[2] / "docs" / "clinical-references.md"


def licence_rows() -> dict[str, dict[str, str]]:
    text = REFERENCES.read_text()
    section = text.split("## Outcome measure licences", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("measure", "") and not cells[0].startswith("-"):
            rows[cells[0]] = dict(zip(("holder", "ships", "source"), cells[1:], strict=True))
    return rows


def test_the_table_has_no_row_for_a_measure_the_app_does_not_offer():
    assert set(licence_rows()) <= {m.abbreviation for m in MEASURES.values()}


@pytest.mark.parametrize("code", sorted(MEASURES))
def test_each_measure_has_a_licence_row_with_holder_and_source(code):
    measure = MEASURES[code]
    row = licence_rows().get(measure.abbreviation)
    assert row is not None, f"add a row for {measure.abbreviation} to {REFERENCES.name}"
    assert row["holder"] and row["source"]
    listed = set(re.findall(r"\*\*([^*]+)\*\*", REFERENCES.read_text()))
    for key in re.split(r",\s*", row["source"]):
        assert key in listed, f"{measure.abbreviation}: source {key!r} is not listed"


@pytest.mark.parametrize("code", sorted(MEASURES))
def test_the_app_ships_wording_only_where_the_docs_say_it_may(code):
    measure = MEASURES[code]
    ships = licence_rows()[measure.abbreviation]["ships"]
    assert ships.split(":")[0] in ("yes", "no", "could not confirm")
    assert measure.licence.item_wording_shippable == ships.startswith("yes")
    assert measure.licence.holder and measure.licence.source
