"""Safety follows the anatomy and the level, never the word typed (issue 10, item 1).

Over the whole catalog: every name a practitioner can type resolves to an entry whose
safety flags at that level are at least those of the level-specific entry, and at least
those of any other entry the word could mean.
"""

from __future__ import annotations

import pytest

from imsclinic.anatomy import PARASPINAL_LEVELS, Catalog, LevelRequired, Muscle, UnknownMuscle
from imsclinic.anatomy.names import normalize_name
from imsclinic.rules.needling import SiteFacts

# Names that cover more than one entry, and the entries they cover.
COMPOSITES = {"iliopsoas": ("psoas_major", "iliacus")}


def _flags(site: SiteFacts) -> tuple[bool, bool, bool]:
    return (site.lung_risk, site.noncompressible, site.pregnancy_avoid)


def _at_least(resolved: SiteFacts, other: SiteFacts) -> bool:
    return all(a or not b for a, b in zip(_flags(resolved), _flags(other), strict=True))


def _names(muscle: Muscle) -> list[str]:
    return [muscle.id, muscle.name, *muscle.synonyms]


def test_any_paraspinal_name_at_a_thoracic_level_is_over_the_lung(catalog: Catalog) -> None:
    names = [*catalog.retired_ids, "multifidus", "erector spinae", "paraspinal", "longissimus"]
    names += [name for m in catalog.muscles if m.is_paraspinal for name in _names(m)]
    for name in names:
        for level in PARASPINAL_LEVELS:
            try:
                muscle = catalog.resolve(name, level)
            except LevelRequired:
                pytest.fail(f"{name!r} at {level} did not resolve")
            if level not in catalog.paraspinal_levels_for(muscle):
                continue  # e.g. "lumbar multifidus" at T5: refused by the level check
            site = catalog.site(muscle, level, "left")
            assert site.lung_risk == level.startswith("T"), (name, level)


def test_every_paraspinal_name_gets_exactly_the_flags_of_its_level(catalog: Catalog) -> None:
    typed = [
        *catalog.retired_ids,
        "multifidus",
        "erector spinae",
        "paraspinals",
        "paravertebral muscles",
        "iliocostalis",
    ]
    for level in PARASPINAL_LEVELS:
        specific = catalog.get(catalog.paraspinal_site(level).muscle_id)
        expected = catalog.site(specific, level, "right")
        for name in [*typed, *_names(specific)]:
            assert catalog.site(catalog.resolve(name, level), level, "right") == expected, (
                name,
                level,
            )


def test_no_synonym_resolves_to_weaker_flags_than_an_entry_it_could_mean(
    catalog: Catalog,
) -> None:
    keys = {m.id: [normalize_name(n) for n in _names(m)] for m in catalog.muscles}
    for muscle in catalog.muscles:
        if muscle.is_paraspinal:
            continue  # covered by the level tests above
        for name in _names(muscle):
            key = normalize_name(name)
            abbreviation = name.replace("-", "").isupper()  # "PT": explicit, tested elsewhere
            resolved = catalog.resolve(name)
            assert resolved.id == muscle.id, name
            site = catalog.site(resolved, "", "left")
            # Any entry whose own names contain the typed word could be what was meant.
            for other in catalog.muscles:
                if other.is_paraspinal or other.id == muscle.id:
                    continue
                if not abbreviation and any(key in other_key for other_key in keys[other.id]):
                    assert _at_least(site, catalog.site(other, "", "left")), (name, other.id)
                    if other.max_depth_mm is not None:
                        assert (
                            resolved.max_depth_mm is not None
                            and resolved.max_depth_mm <= other.max_depth_mm
                        ), (name, other.id)


def test_composite_names_carry_the_strictest_flags_of_what_they_cover(catalog: Catalog) -> None:
    for name, covered in COMPOSITES.items():
        site = catalog.site(catalog.resolve(name), "", "left")
        for muscle_id in covered:
            assert _at_least(site, catalog.site(catalog.get(muscle_id), "", "left")), muscle_id


def test_group_names_are_refused_rather_than_guessed(catalog: Catalog) -> None:
    # "scalenes" or "pectoralis major" must not pick one member: the practitioner names it.
    for name in ("scalenes", "pectoralis major", "hamstrings", "PL"):
        with pytest.raises(UnknownMuscle) as error:
            catalog.resolve(name)
        assert len(error.value.suggestions) >= 2, name
