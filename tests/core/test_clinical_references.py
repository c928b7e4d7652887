"""The repository carries its own clinical references (issue 10): every source key cited in
code or data is listed in docs/clinical-references.md, and nothing points to a domain file
outside the repository."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "imsclinic"
DATA = SRC / "anatomy" / "data"
REFERENCES = ROOT / "docs" / "clinical-references.md"

# A citation is written " [KEY]" or " [KEY, OTHER]" (a bracket after a space, a bracket or
# the start of the text), so subscripts (`row[key]`) and regex classes are not mistaken
# for one.
_CITATION = re.compile(
    r"(?:^|(?<=[\s(\[]))\[([A-Za-z][A-Za-z0-9-]*(?:, ?[A-Za-z][A-Za-z0-9-]*)*)\]"
)
_NOT_CITATIONS = {"options", "KEY", "name"}  # usage text, the data README, the outbox [[name]]
_RANGE = re.compile(r"^(?:[A-Za-z0-9]-[A-Za-z0-9])+")  # a regex class such as [A-Za-z0-9]


def listed_keys() -> set[str]:
    return set(re.findall(r"\*\*([^*]+)\*\*", REFERENCES.read_text()))


def _texts(path: Path) -> list[str]:
    if path.suffix != ".py":
        return [path.read_text()]
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [
        t.string
        for t in tokens
        if t.type == tokenize.STRING
        or (
            t.type == tokenize.COMMENT and "type: ignore" not in t.string and "noqa" not in t.string
        )
    ]


def cited_keys() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".py", ".html", ".json", ".md") or "migrations" in path.parts:
            continue
        for text in _texts(path):
            for match in _CITATION.finditer(text):
                for key in re.split(r", ?", match.group(1)):
                    if key not in _NOT_CITATIONS and not _RANGE.match(key):
                        cited.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return cited


def data_source_keys() -> set[str]:
    keys = set(json.loads((DATA / "sources.json").read_text())["sources"])
    for file_name, rows in (
        ("muscles.json", "muscles"),
        ("dermatomes.json", "dermatomes"),
        ("conditions.json", "conditions"),
    ):
        keys |= {row["source"] for row in json.loads((DATA / file_name).read_text())[rows]}
    return keys


def test_every_key_cited_in_code_and_data_is_listed() -> None:
    listed = listed_keys()
    missing = {key: files for key, files in cited_keys().items() if key not in listed}
    assert not missing, f"add these keys to docs/clinical-references.md: {missing}"


def test_every_data_source_is_listed() -> None:
    missing = data_source_keys() - listed_keys()
    assert not missing, f"add these keys to docs/clinical-references.md: {sorted(missing)}"


def test_the_scan_finds_citations() -> None:
    # The check above is only as good as the scan: it must see the keys the rules cite.
    cited = cited_keys()
    assert {"AHPCSA-121", "APTA-list", "GEMt-pregnancy", "ISNCSCI", "T03"} <= set(cited)
    assert not {"key", "a-z", "arg-type"} & set(cited)


def test_nothing_points_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *sorted(SRC.rglob("*")), *sorted((ROOT / "docs").rglob("*"))]:
        if path.suffix not in (".py", ".html", ".json", ".md") or "migrations" in path.parts:
            continue
        text = path.read_text()
        assert "DOMAIN.md" not in text and "../shared" not in text, path
