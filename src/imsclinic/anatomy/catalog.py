"""Look-up over the knowledge base: exact ids, forgiving names, type-ahead, chart regions."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable

from imsclinic.rules.needling import SiteFacts

from .chart import CHART_REGIONS
from .levels import PARASPINAL_LEVELS
from .loading import DataDirectory, KnowledgeBase, load_knowledge_base
from .names import normalize_name, words
from .records import Condition, Dermatome, Muscle, ParaspinalSite

MAX_SUGGESTIONS = 5
_FILLERS = frozenset({"of", "the", "and"})


class UnknownMuscle(ValueError):
    """No muscle matches `name`; `suggestions` holds display names of close matches."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        message = f"Unknown muscle {name!r}."
        if self.suggestions:
            message += f" Did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


class LevelRequired(UnknownMuscle):
    """A name that means "the paraspinals" without a region: only a level says which entry
    (and so which safety rules) applies."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        super().__init__(name, suggestions)
        self.args = (
            f"{name!r} names the paraspinals without a region: give the spinal level "
            f"({PARASPINAL_LEVELS[0]}..{PARASPINAL_LEVELS[-1]}); the level decides which entry "
            "and which safety rules apply.",
        )


class AmbiguousName(UnknownMuscle):
    """A name for several muscles (a group, an ambiguous abbreviation): name one of them."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        super().__init__(name, suggestions)
        self.args = (
            f"{name!r} may mean several muscles: name one of {', '.join(self.suggestions)}.",
        )


class UnknownCondition(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"Unknown condition code {code!r}.")


class Catalog:
    """Immutable view of the knowledge base; build with get_catalog() or load_catalog()."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.versions = dict(knowledge.versions)
        self.sources = dict(knowledge.sources)
        self.muscles: tuple[Muscle, ...] = knowledge.muscles
        self.paraspinal_sites: tuple[ParaspinalSite, ...] = knowledge.paraspinal_sites
        self.dermatomes: dict[str, Dermatome] = {d.level: d for d in knowledge.dermatomes}
        self.conditions: tuple[Condition, ...] = knowledge.conditions
        self.retired_ids: dict[str, str] = dict(knowledge.retired_ids)
        self._by_id = {muscle.id: muscle for muscle in self.muscles}
        # The one muscle-name map: every id, name and synonym -> its muscle, and every
        # generic paraspinal name or retired id -> None ("the level decides"). resolve(),
        # the suggestions and the type-ahead all read it; actions, API and CLI call resolve().
        self._by_name: dict[str, Muscle | None] = {}
        for muscle in self.muscles:
            for name in (muscle.id, muscle.name, *muscle.synonyms):
                self._by_name[normalize_name(name)] = muscle
        for name in (*knowledge.generic_paraspinal_names, *knowledge.retired_ids):
            self._by_name[normalize_name(name)] = None
        self._groups = {
            normalize_name(name): tuple(self._by_id[i] for i in ids)
            for name, ids in knowledge.groups.items()
        }
        self._sites_by_level = {site.level: site for site in self.paraspinal_sites}
        self._levels_by_muscle: dict[str, tuple[str, ...]] = {}
        for site in self.paraspinal_sites:
            levels = self._levels_by_muscle.get(site.muscle_id, ())
            self._levels_by_muscle[site.muscle_id] = (*levels, site.level)
        self._conditions_by_code = {c.code.upper(): c for c in self.conditions}
        self._by_region: dict[str, list[Muscle]] = {region: [] for region in CHART_REGIONS}
        for muscle in self.muscles:
            for region in muscle.chart_regions:
                self._by_region[region].append(muscle)
        # Body-chart region -> the dermatomes whose area includes it (Gunn's signs by region).
        self._dermatomes_by_region: dict[str, tuple[str, ...]] = {
            region: tuple(
                level for level, d in self.dermatomes.items() if region in d.chart_regions
            )
            for region in CHART_REGIONS
        }
        # Initials of every name and synonym ("peroneus longus" -> "pl"), so an unknown EMG
        # abbreviation suggests the muscles it may stand for.
        self._by_initials: dict[str, list[Muscle]] = {}
        for muscle in self.muscles:
            for label in (muscle.name, *muscle.synonyms):
                initials = "".join(word[0] for word in words(label) if word not in _FILLERS)
                entry = self._by_initials.setdefault(initials, [])
                if muscle not in entry:
                    entry.append(muscle)
        # Search keys: every display string with its words, computed once for type-ahead.
        self._search_keys = [
            (muscle, [(label.lower(), words(label)) for label in (muscle.name, *muscle.synonyms)])
            for muscle in self.muscles
        ]

    def __repr__(self) -> str:
        return f"<Catalog {len(self.muscles)} muscles, versions {self.versions}>"

    def get(self, muscle_id: str, level: str = "") -> Muscle:
        """The muscle with this id; a retired id (still held by signed notes) needs the
        stored level and gives the regional entry for it."""
        if muscle_id in self.retired_ids:
            return self._at_level(muscle_id, level)
        try:
            return self._by_id[muscle_id]
        except KeyError:
            raise UnknownMuscle(muscle_id, self._suggest(muscle_id)) from None

    def resolve(self, name: str, level: str = "") -> Muscle:
        """The muscle a typed name means. Names without a region ("multifidus") take the
        regional paraspinal entry of ``level``; without a level they raise LevelRequired."""
        key = normalize_name(name)
        if key in self._groups:
            raise AmbiguousName(name, [m.name for m in self._groups[key]])
        if not key or key not in self._by_name:
            raise UnknownMuscle(name, self._suggest(name))
        muscle = self._by_name[key]
        return self._at_level(name, level) if muscle is None else muscle

    def _at_level(self, name: str, level: str) -> Muscle:
        site = self._sites_by_level.get(level.strip().upper())
        if site is None:
            raise LevelRequired(
                name, [m.name for m in self.muscles if m.is_paraspinal][:MAX_SUGGESTIONS]
            )
        return self._by_id[site.muscle_id]

    def canonical_id(self, muscle_id: str, level: str = "") -> str:
        """The catalog id a stored row means (a retired id becomes its regional entry)."""
        if muscle_id in self.retired_ids and level.strip().upper() in self._sites_by_level:
            return self._at_level(muscle_id, level).id
        return muscle_id

    def display_names(self) -> dict[str, str]:
        """id -> name for every id a stored row may hold, retired ones included."""
        return {**self.retired_ids, **{m.id: m.name for m in self.muscles}}

    def site(self, muscle: Muscle, level: str, side: str) -> SiteFacts:
        """What the safety rules need about needling ``muscle`` at ``level`` on ``side``:
        for a paraspinal, the site of that level decides (any paraspinal at T1-T12 is over
        the lung, whatever the name typed)."""
        place: Muscle | ParaspinalSite = (
            self.paraspinal_site(level) if muscle.is_paraspinal else muscle
        )
        return SiteFacts(
            muscle_name=muscle.name,
            side=side,
            limb=muscle.limb,
            lung_risk=place.lung_risk,
            noncompressible=muscle.noncompressible,
            pregnancy_avoid=place.pregnancy_avoid,
            drains_to=place.drains_to,
            level=place.level if isinstance(place, ParaspinalSite) else "",
        )

    def search(self, query: str, limit: int = 10) -> list[Muscle]:
        needle = query.strip().lower()
        if not needle or limit <= 0:
            return []
        needle_words = words(needle)
        compact = normalize_name(needle)
        ranked: list[tuple[int, str, Muscle]] = []
        for muscle, labels in self._search_keys:
            rank = None
            for label, label_words in labels:
                if label.startswith(needle):
                    rank = 0
                elif needle_words and all(
                    any(word.startswith(part) for word in label_words) for part in needle_words
                ):
                    rank = 1 if rank is None else min(rank, 1)
                elif compact and compact in normalize_name(label):
                    rank = 2 if rank is None else min(rank, 2)
                if rank == 0:
                    break
            if rank is None and compact and compact in muscle.id.replace("_", ""):
                rank = 2
            if rank is not None:
                ranked.append((rank, muscle.name.lower(), muscle))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [muscle for _, _, muscle in ranked[:limit]]

    def in_chart_region(self, region: str) -> list[Muscle]:
        if region not in self._by_region:
            raise ValueError(f"Unknown body-chart region {region!r}")
        return list(self._by_region[region])

    def dermatomes_of_region(self, region: str) -> tuple[str, ...]:
        """Levels whose dermatome area includes a body-chart region, cranial first."""
        if region not in self._dermatomes_by_region:
            raise ValueError(f"Unknown body-chart region {region!r}")
        return self._dermatomes_by_region[region]

    @staticmethod
    def region_ids() -> tuple[str, ...]:
        return tuple(CHART_REGIONS)

    @staticmethod
    def region_label(region: str) -> str:
        return CHART_REGIONS.get(region, region).lower()

    def paraspinal_levels_for(self, muscle: Muscle) -> tuple[str, ...]:
        """The levels a regional paraspinal entry owns (its sites); () for other muscles."""
        return self._levels_by_muscle.get(muscle.id, ())

    def paraspinal_site(self, level: str) -> ParaspinalSite:
        try:
            return self._sites_by_level[level]
        except KeyError:
            raise ValueError(f"No paraspinal site for level {level!r} (C2..S2)") from None

    def condition(self, code: str) -> Condition:
        try:
            return self._conditions_by_code[code.strip().upper()]
        except KeyError:
            raise UnknownCondition(code) from None

    def _suggest(self, text: str) -> list[str]:
        key = normalize_name(text)
        if not key:
            return []
        # Abbreviations first ("PL" -> peroneus longus, palmaris longus), then prefix hits
        # ("pectoralis major" -> both heads), then fuzzy spelling matches.
        found: list[Muscle] = list(self._by_initials.get(key, [])) if len(key) <= 5 else []
        for name_key, muscle in self._by_name.items():
            if muscle is not None and name_key.startswith(key) and muscle not in found:
                found.append(muscle)
        close = difflib.get_close_matches(key, list(self._by_name), n=20, cutoff=0.6)
        for name_key in close:
            muscle = self._by_name[name_key]
            if muscle is not None and muscle not in found:
                found.append(muscle)
        return [muscle.name for muscle in found[:MAX_SUGGESTIONS]]


def load_catalog(directory: DataDirectory | None = None) -> Catalog:
    """Build a catalog from a data directory (default: the packaged data); not cached."""
    return Catalog(load_knowledge_base(directory))


@functools.cache
def get_catalog() -> Catalog:
    """The packaged catalog, loaded and validated once per process."""
    return load_catalog()
