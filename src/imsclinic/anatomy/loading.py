"""Read and validate the versioned JSON data files that make up the knowledge base."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .chart import CHART_REGIONS
from .levels import PARASPINAL_LEVELS, is_level, level_index
from .names import normalize_name
from .records import (
    LIMBS,
    MUSCLE_REGIONS,
    Condition,
    Dermatome,
    Muscle,
    ParaspinalSite,
    RootSupply,
)
from .schema import CatalogDataError, Field, one_of, row_label, validate_rows

SOURCES_FILE = "sources.json"
MUSCLES_FILE = "muscles.json"
PARASPINAL_FILE = "paraspinal_sites.json"
DERMATOMES_FILE = "dermatomes.json"
CONDITIONS_FILE = "conditions.json"

_CITATION = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9-]*)\]")


def _level_check(value: Any) -> str | None:
    return None if is_level(value) else f"{value!r} is not a spinal level (C1..S5)"


def _paraspinal_level_check(value: Any) -> str | None:
    if value in PARASPINAL_LEVELS:
        return None
    return f"{value!r} is not a paraspinal level (C2..S2)"


def _id_check(value: Any) -> str | None:
    if re.fullmatch(r"[a-z][a-z0-9_]*", value):
        return None
    return f"{value!r} is not a snake_case id"


def _positive(value: Any) -> str | None:
    return None if value > 0 else f"expected a positive number of millimetres, got {value}"


_region_check = one_of(CHART_REGIONS, "body-chart region")

MUSCLE_FIELDS = (
    Field("id", "str", check=_id_check),
    Field("name", "str"),
    Field("synonyms", "str_list", required=False, default=[]),
    Field("region", "str", check=one_of(MUSCLE_REGIONS, "muscle region")),
    Field("nerve", "str"),
    # Cranial-nerve muscles (masseter, temporalis) have no spinal root: [] is allowed.
    Field("roots", "str_list", check=_level_check),
    Field("predominant", "str_list", required=False, default=[], check=_level_check),
    Field("chart_regions", "str_list", check=_region_check),
    Field("limb", "str", nullable=True, check=one_of(LIMBS, "limb")),
    Field("is_paraspinal", "bool", required=False, default=False),
    Field("lung_risk", "bool", required=False, default=False),
    Field("thorax", "bool", required=False, default=False),
    Field("max_depth_mm", "int", required=False, nullable=True, check=_positive),
    Field("safety_notes", "str_list", required=False, default=[]),
    Field("notes", "str_list", required=False, default=[]),
    Field("source", "str"),
    Field("verified", "bool"),
)

SITE_FIELDS = (
    Field("level", "str", check=_paraspinal_level_check),
    Field("muscle_id", "str"),
    Field("landmark", "str"),
    Field("lung_risk", "bool"),
    Field("thorax", "bool"),
    Field("safety_notes", "str_list", required=False, default=[]),
)

DERMATOME_FIELDS = (
    Field("level", "str", check=_level_check),
    Field("area", "str"),
    Field("key_sensory_point", "str"),
    Field("chart_regions", "str_list", check=_region_check),
    Field("source", "str"),
    Field("verified", "bool"),
)

CONDITION_FIELDS = (
    Field("code", "str"),
    Field("name", "str"),
    Field("typical_segments", "str_list", check=_level_check),
    Field("muscles", "str_list"),
    Field("source", "str"),
    Field("verified", "bool"),
    Field("notes", "str_list", required=False, default=[]),
)


@dataclass(frozen=True)
class KnowledgeBase:
    versions: dict[str, str]
    sources: dict[str, str]
    muscles: tuple[Muscle, ...]
    paraspinal_sites: tuple[ParaspinalSite, ...]
    dermatomes: tuple[Dermatome, ...]
    conditions: tuple[Condition, ...]


DataDirectory = Path | Traversable


def default_data_directory() -> Traversable:
    return resources.files("imsclinic.anatomy").joinpath("data")


def _read(directory: DataDirectory, file_name: str, list_key: str) -> tuple[str, Any]:
    path = directory.joinpath(file_name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogDataError([f"{file_name}: file not found in {directory}"]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise CatalogDataError([f"{file_name}: not valid JSON ({where}): {error.msg}"]) from None
    if not isinstance(document, dict):
        raise CatalogDataError([f"{file_name}: expected a JSON object at the top level"])
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise CatalogDataError([f"{file_name}: field 'version': missing or not a string"])
    if list_key not in document:
        raise CatalogDataError([f"{file_name}: field '{list_key}': missing"])
    return version, document[list_key]


def _citation_problems(
    file_name: str, label: str, field: str, texts: list[str], sources: dict[str, str]
) -> list[str]:
    problems = []
    for text in texts:
        for key in _CITATION.findall(text):
            if key not in sources:
                problems.append(
                    f"{file_name}: row {label}, field '{field}': cites unknown source [{key}]"
                )
    return problems


def _load_sources(directory: DataDirectory) -> tuple[str, dict[str, str]]:
    version, sources = _read(directory, SOURCES_FILE, "sources")
    if not isinstance(sources, dict) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip()
        for key, value in sources.items()
    ):
        raise CatalogDataError(
            [f"{SOURCES_FILE}: field 'sources': expected an object of key -> citation text"]
        )
    return version, sources


def _build_muscles(raw_rows: Any, sources: dict[str, str]) -> tuple[tuple[Muscle, ...], list[str]]:
    rows, problems = validate_rows(MUSCLES_FILE, raw_rows, MUSCLE_FIELDS, "id")
    muscles: list[Muscle] = []
    owner_of_name: dict[str, str] = {}
    for index, row in enumerate(rows):
        label = row_label(row, index, "id")
        where = f"{MUSCLES_FILE}: row {label}"
        row_problems: list[str] = []
        if len(set(row["roots"])) != len(row["roots"]):
            row_problems.append(f"{where}, field 'roots': repeated level")
        extra = [level for level in row["predominant"] if level not in row["roots"]]
        if extra:
            row_problems.append(
                f"{where}, field 'predominant': {', '.join(extra)} not among the roots"
            )
        if not row["chart_regions"] and not row["is_paraspinal"]:
            # Only the generic "paraspinals (any level)" entry may be unclickable.
            row_problems.append(f"{where}, field 'chart_regions': empty")
        if row["source"] not in sources:
            row_problems.append(f"{where}, field 'source': unknown source key {row['source']!r}")
        for field in ("safety_notes", "notes"):
            row_problems += _citation_problems(MUSCLES_FILE, label, field, row[field], sources)
        for name in (row["id"], row["name"], *row["synonyms"]):
            key = normalize_name(name)
            owner = owner_of_name.setdefault(key, row["id"])
            if owner != row["id"]:
                row_problems.append(
                    f"{where}, field 'synonyms': name {name!r} already used by {owner!r}"
                )
        problems.extend(row_problems)
        if row_problems:
            continue
        predominant = set(row["predominant"])
        muscles.append(
            Muscle(
                id=row["id"],
                name=row["name"],
                synonyms=tuple(row["synonyms"]),
                region=row["region"],
                nerve=row["nerve"],
                roots=tuple(
                    RootSupply(level, level in predominant)
                    for level in sorted(row["roots"], key=level_index)
                ),
                chart_regions=tuple(row["chart_regions"]),
                limb=row["limb"],
                is_paraspinal=row["is_paraspinal"],
                lung_risk=row["lung_risk"],
                thorax=row["thorax"],
                max_depth_mm=row["max_depth_mm"],
                safety_notes=tuple(row["safety_notes"]),
                source=row["source"],
                verified=row["verified"],
                notes=tuple(row["notes"]),
            )
        )
    return tuple(muscles), problems


def _build_sites(
    raw_rows: Any, muscles: dict[str, Muscle], sources: dict[str, str]
) -> tuple[tuple[ParaspinalSite, ...], list[str]]:
    rows, problems = validate_rows(PARASPINAL_FILE, raw_rows, SITE_FIELDS, "level")
    sites: list[ParaspinalSite] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        label = row_label(row, index, "level")
        where = f"{PARASPINAL_FILE}: row {label}"
        if row["level"] in seen:
            problems.append(f"{where}, field 'level': duplicate level")
            continue
        seen.add(row["level"])
        muscle = muscles.get(row["muscle_id"])
        if muscle is None or not muscle.is_paraspinal:
            problems.append(
                f"{where}, field 'muscle_id': {row['muscle_id']!r} is not a paraspinal muscle id"
            )
            continue
        problems += _citation_problems(
            PARASPINAL_FILE, label, "safety_notes", row["safety_notes"], sources
        )
        sites.append(
            ParaspinalSite(
                level=row["level"],
                muscle_id=row["muscle_id"],
                landmark=row["landmark"],
                lung_risk=row["lung_risk"],
                thorax=row["thorax"],
                safety_notes=tuple(row["safety_notes"]),
            )
        )
    missing = [level for level in PARASPINAL_LEVELS if level not in seen]
    if missing and not problems:
        problems.append(f"{PARASPINAL_FILE}: no site for levels {', '.join(missing)}")
    return tuple(sorted(sites, key=lambda site: level_index(site.level))), problems


def _build_dermatomes(
    raw_rows: Any, sources: dict[str, str]
) -> tuple[tuple[Dermatome, ...], list[str]]:
    rows, problems = validate_rows(DERMATOMES_FILE, raw_rows, DERMATOME_FIELDS, "level")
    dermatomes: list[Dermatome] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        where = f"{DERMATOMES_FILE}: row {row_label(row, index, 'level')}"
        if row["level"] in seen:
            problems.append(f"{where}, field 'level': duplicate level")
            continue
        if row["source"] not in sources:
            problems.append(f"{where}, field 'source': unknown source key {row['source']!r}")
            continue
        seen.add(row["level"])
        dermatomes.append(
            Dermatome(
                level=row["level"],
                area=row["area"],
                key_sensory_point=row["key_sensory_point"],
                chart_regions=tuple(row["chart_regions"]),
                source=row["source"],
                verified=row["verified"],
            )
        )
    return tuple(sorted(dermatomes, key=lambda d: level_index(d.level))), problems


def _build_conditions(
    raw_rows: Any, muscles: dict[str, Muscle], sources: dict[str, str]
) -> tuple[tuple[Condition, ...], list[str]]:
    rows, problems = validate_rows(CONDITIONS_FILE, raw_rows, CONDITION_FIELDS, "code")
    conditions: list[Condition] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        label = row_label(row, index, "code")
        where = f"{CONDITIONS_FILE}: row {label}"
        row_problems = []
        if row["code"].upper() in seen:
            row_problems.append(f"{where}, field 'code': duplicate code")
        unknown = [muscle_id for muscle_id in row["muscles"] if muscle_id not in muscles]
        if unknown:
            row_problems.append(f"{where}, field 'muscles': unknown muscle ids {unknown}")
        if row["source"] not in sources:
            row_problems.append(f"{where}, field 'source': unknown source key {row['source']!r}")
        row_problems += _citation_problems(CONDITIONS_FILE, label, "notes", row["notes"], sources)
        problems.extend(row_problems)
        if row_problems:
            continue
        seen.add(row["code"].upper())
        conditions.append(
            Condition(
                code=row["code"],
                name=row["name"],
                typical_segments=tuple(sorted(row["typical_segments"], key=level_index)),
                muscles=tuple(row["muscles"]),
                source=row["source"],
                verified=row["verified"],
                notes=tuple(row["notes"]),
            )
        )
    return tuple(conditions), problems


def load_knowledge_base(directory: DataDirectory | None = None) -> KnowledgeBase:
    """Load every data file; raise CatalogDataError listing all defects found."""
    directory = default_data_directory() if directory is None else directory
    versions: dict[str, str] = {}
    versions[SOURCES_FILE], sources = _load_sources(directory)
    versions[MUSCLES_FILE], raw_muscles = _read(directory, MUSCLES_FILE, "muscles")
    muscles, problems = _build_muscles(raw_muscles, sources)
    if problems:
        # The other files refer to muscle ids: checking them now would only echo these errors.
        raise CatalogDataError(problems)
    by_id = {muscle.id: muscle for muscle in muscles}
    versions[PARASPINAL_FILE], raw_sites = _read(directory, PARASPINAL_FILE, "sites")
    sites, site_problems = _build_sites(raw_sites, by_id, sources)
    versions[DERMATOMES_FILE], raw_dermatomes = _read(directory, DERMATOMES_FILE, "dermatomes")
    dermatomes, dermatome_problems = _build_dermatomes(raw_dermatomes, sources)
    versions[CONDITIONS_FILE], raw_conditions = _read(directory, CONDITIONS_FILE, "conditions")
    conditions, condition_problems = _build_conditions(raw_conditions, by_id, sources)
    problems += site_problems + dermatome_problems + condition_problems
    if problems:
        raise CatalogDataError(problems)
    return KnowledgeBase(
        versions=versions,
        sources=sources,
        muscles=muscles,
        paraspinal_sites=sites,
        dermatomes=dermatomes,
        conditions=conditions,
    )
