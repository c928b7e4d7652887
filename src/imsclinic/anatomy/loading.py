"""Read and validate the versioned JSON data files that make up the knowledge base.

Size: one validator per data file of the knowledge base, with the cross-file checks
between them; they read as one contract.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .chart import CHART_REGIONS
from .levels import PARASPINAL_LEVELS, is_level, level_index
from .names import normalize_name
from .records import (
    LIMBS,
    LYMPH_NODES,
    MUSCLE_REGIONS,
    NODES_OF_LIMB,
    STATUSES,
    Condition,
    Dermatome,
    Muscle,
    ParaspinalSite,
    RootConvention,
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
_nodes_check = one_of(LYMPH_NODES, "lymph node group")

MUSCLE_FIELDS = (
    Field("id", "str", check=_id_check),
    Field("name", "str"),
    Field("synonyms", "str_list", required=False, default=[]),
    Field("region", "str", check=one_of(MUSCLE_REGIONS, "muscle region")),
    Field("nerve", "str"),
    # Cranial-nerve muscles (masseter, temporalis) have no spinal root: [] is allowed.
    Field("roots", "str_list", check=_level_check),
    Field("predominant", "str_list", required=False, default=[], check=_level_check),
    Field("isncsci_level", "str", required=False, check=_level_check),
    Field("chart_regions", "str_list", check=_region_check),
    Field("limb", "str", nullable=True, check=one_of(LIMBS, "limb")),
    Field("drains_to", "str_list", required=False, default=[], check=_nodes_check),
    Field("is_paraspinal", "bool", required=False, default=False),
    Field("lung_risk", "bool", required=False, default=False),
    Field("max_depth_mm", "int", required=False, nullable=True, check=_positive),
    Field("noncompressible", "bool", required=False, default=False),
    Field("pregnancy_avoid", "bool", required=False, default=False),
    Field("safety_notes", "str_list", required=False, default=[]),
    Field("notes", "str_list", required=False, default=[]),
    Field("source", "str"),
    Field("status", "str", check=one_of(STATUSES, "verification status")),
    Field("evidence", "str_list", required=False, default=[]),
    Field("alternative", "object", required=False),
    Field("status_note", "str", required=False, default=""),
)

SITE_FIELDS = (
    Field("level", "str", check=_paraspinal_level_check),
    Field("muscle_id", "str"),
    Field("landmark", "str"),
    Field("lung_risk", "bool"),
    Field("drains_to", "str_list", required=False, default=[], check=_nodes_check),
    Field("pregnancy_avoid", "bool", required=False, default=False),
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
    # Names that mean "the paraspinals" without a region: the level picks the entry.
    generic_paraspinal_names: tuple[str, ...] = ()
    # Ids no longer in the catalog that stored (signed) rows may still hold -> display name;
    # they resolve like a generic paraspinal name, by the row's level.
    retired_ids: dict[str, str] = field(default_factory=dict)
    # Names of several muscles (groups, ambiguous abbreviations) -> the ids they may mean:
    # refused with those as suggestions, never guessed.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


DataDirectory = Path | Traversable


def default_data_directory() -> Traversable:
    return resources.files("imsclinic.anatomy").joinpath("data")


def _read(directory: DataDirectory, file_name: str, list_key: str) -> tuple[str, Any]:
    version, document = _read_document(directory, file_name, list_key)
    return version, document[list_key]


def _read_document(
    directory: DataDirectory, file_name: str, list_key: str
) -> tuple[str, dict[str, Any]]:
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
    return version, document


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


def _alternative(
    where: str, raw: Any, sources: dict[str, str]
) -> tuple[RootConvention | None, list[str]]:
    """The other value of a disputed row: {"roots": [...], "predominant": [...],
    "evidence": "... [KEY]"}."""
    if raw is None:
        return None, []
    problems = []
    roots, predominant, evidence = raw.get("roots"), raw.get("predominant", []), raw.get("evidence")
    if not isinstance(roots, list) or not all(is_level(level) for level in roots):
        problems.append(f"{where}, field 'alternative': 'roots' must list spinal levels")
    elif not isinstance(predominant, list) or not set(predominant) <= set(roots):
        problems.append(f"{where}, field 'alternative': 'predominant' must be among its roots")
    if not isinstance(evidence, str) or not _CITATION.search(evidence):
        problems.append(f"{where}, field 'alternative': 'evidence' must cite a source [KEY]")
    elif any(key not in sources for key in _CITATION.findall(evidence)):
        problems.append(f"{where}, field 'alternative': cites an unknown source")
    if set(raw) - {"roots", "predominant", "evidence"}:
        problems.append(f"{where}, field 'alternative': unknown key")
    if problems:
        return None, problems
    return RootConvention(
        tuple(sorted(roots, key=level_index)), tuple(predominant), str(evidence)
    ), []


def _status_problems(where: str, row: dict[str, Any]) -> list[str]:
    """A verified row cites what a source gives; a disputed row shows the other value and
    its convention; an unverified row says why."""
    status = row["status"]
    if status == "verified" and not row["evidence"]:
        return [f"{where}, field 'evidence': a verified row cites at least one reference"]
    if status == "verified" and any(not _CITATION.search(text) for text in row["evidence"]):
        return [f"{where}, field 'evidence': every item cites its source as [KEY]"]
    if status == "disputed" and (row["alternative"] is None or not row["status_note"]):
        return [f"{where}, field 'alternative': a disputed row gives the other value and a note"]
    if status == "unverified" and not row["status_note"]:
        return [f"{where}, field 'status_note': say why the row is unverified"]
    return []


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
        if row["isncsci_level"] is not None and row["isncsci_level"] not in row["roots"]:
            row_problems.append(f"{where}, field 'isncsci_level': not among the roots")
        if not row["chart_regions"]:
            row_problems.append(f"{where}, field 'chart_regions': empty")
        if row["limb"] and row["drains_to"]:
            # A limb muscle drains with its limb; saying it twice could disagree.
            row_problems.append(f"{where}, field 'drains_to': limb muscles drain with their limb")
        if row["source"] not in sources:
            row_problems.append(f"{where}, field 'source': unknown source key {row['source']!r}")
        for field_name in ("safety_notes", "notes", "evidence"):
            row_problems += _citation_problems(
                MUSCLES_FILE, label, field_name, row[field_name], sources
            )
        row_problems += _citation_problems(
            MUSCLES_FILE, label, "status_note", [row["status_note"]], sources
        )
        alternative, alternative_problems = _alternative(where, row["alternative"], sources)
        row_problems += alternative_problems + _status_problems(where, row)
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
        drains_to = tuple(row["drains_to"]) or (
            (NODES_OF_LIMB[row["limb"]],) if row["limb"] else ()
        )
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
                max_depth_mm=row["max_depth_mm"],
                safety_notes=tuple(row["safety_notes"]),
                source=row["source"],
                status=row["status"],
                notes=tuple(row["notes"]),
                noncompressible=row["noncompressible"],
                pregnancy_avoid=row["pregnancy_avoid"],
                drains_to=drains_to,
                isncsci_level=row["isncsci_level"],
                evidence=tuple(row["evidence"]),
                alternative=alternative,
                status_note=row["status_note"],
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
                safety_notes=tuple(row["safety_notes"]),
                drains_to=tuple(row["drains_to"]),
                pregnancy_avoid=row["pregnancy_avoid"],
            )
        )
    missing = [level for level in PARASPINAL_LEVELS if level not in seen]
    if missing and not problems:
        problems.append(f"{PARASPINAL_FILE}: no site for levels {', '.join(missing)}")
    return tuple(sorted(sites, key=lambda site: level_index(site.level))), problems


def _groups(raw: Any, muscles: tuple[Muscle, ...]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    if not isinstance(raw, dict):
        return {}, [f"{MUSCLES_FILE}: field 'groups': expected name -> list of muscle ids"]
    ids = {muscle.id for muscle in muscles}
    taken = {
        normalize_name(name): muscle.id
        for muscle in muscles
        for name in (muscle.id, muscle.name, *muscle.synonyms)
    }
    problems = []
    for name, members in raw.items():
        if not isinstance(members, list) or not members or not set(members) <= ids:
            problems.append(f"{MUSCLES_FILE}: group {name!r}: expected a list of muscle ids")
        if normalize_name(name) in taken:
            problems.append(
                f"{MUSCLES_FILE}: group {name!r}: name already used by "
                f"{taken[normalize_name(name)]!r}"
            )
    return {name: tuple(members) for name, members in raw.items()}, problems


def _paraspinal_names(
    document: dict[str, Any], muscles: tuple[Muscle, ...]
) -> tuple[tuple[str, ...], dict[str, str], list[str]]:
    """``generic_names`` (no region: the level decides) and ``retired_ids`` (id -> name),
    neither of which may collide with a muscle's id, name or synonym."""
    problems: list[str] = []
    generic = document.get("generic_names", [])
    retired = document.get("retired_ids", {})
    if not isinstance(generic, list) or not all(isinstance(n, str) and n for n in generic):
        problems.append(f"{PARASPINAL_FILE}: field 'generic_names': expected a list of names")
        generic = []
    if not isinstance(retired, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in retired.items()
    ):
        problems.append(f"{PARASPINAL_FILE}: field 'retired_ids': expected id -> name")
        retired = {}
    taken = {
        normalize_name(name): muscle.id
        for muscle in muscles
        for name in (muscle.id, muscle.name, *muscle.synonyms)
    }
    for name in [*generic, *retired]:
        if normalize_name(name) in taken:
            problems.append(
                f"{PARASPINAL_FILE}: name {name!r} is already used by "
                f"{taken[normalize_name(name)]!r}"
            )
    return tuple(generic), dict(retired), problems


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
    versions[MUSCLES_FILE], muscle_document = _read_document(directory, MUSCLES_FILE, "muscles")
    muscles, problems = _build_muscles(muscle_document["muscles"], sources)
    if not problems:
        groups, problems = _groups(muscle_document.get("groups", {}), muscles)
    if problems:
        # The other files refer to muscle ids: checking them now would only echo these errors.
        raise CatalogDataError(problems)
    by_id = {muscle.id: muscle for muscle in muscles}
    versions[PARASPINAL_FILE], site_document = _read_document(directory, PARASPINAL_FILE, "sites")
    sites, site_problems = _build_sites(site_document["sites"], by_id, sources)
    generic, retired, name_problems = _paraspinal_names(site_document, muscles)
    versions[DERMATOMES_FILE], raw_dermatomes = _read(directory, DERMATOMES_FILE, "dermatomes")
    dermatomes, dermatome_problems = _build_dermatomes(raw_dermatomes, sources)
    versions[CONDITIONS_FILE], raw_conditions = _read(directory, CONDITIONS_FILE, "conditions")
    conditions, condition_problems = _build_conditions(raw_conditions, by_id, sources)
    problems += site_problems + name_problems + dermatome_problems + condition_problems
    if problems:
        raise CatalogDataError(problems)
    return KnowledgeBase(
        versions=versions,
        sources=sources,
        muscles=muscles,
        paraspinal_sites=sites,
        dermatomes=dermatomes,
        conditions=conditions,
        generic_paraspinal_names=generic,
        retired_ids=retired,
        groups=groups,
    )
