"""Look-up over the knowledge base: exact ids, forgiving names, type-ahead, chart regions."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable

from .chart import CHART_REGIONS
from .levels import PARASPINAL_LEVELS
from .loading import DataDirectory, KnowledgeBase, load_knowledge_base
from .names import normalize_name, words
from .records import Condition, Dermatome, Muscle, ParaspinalSite

MAX_SUGGESTIONS = 5


class UnknownMuscle(ValueError):
    """No muscle matches `name`; `suggestions` holds display names of close matches."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        message = f"Unknown muscle {name!r}."
        if self.suggestions:
            message += f" Did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


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
        self._by_id = {muscle.id: muscle for muscle in self.muscles}
        self._by_name: dict[str, Muscle] = {}
        for muscle in self.muscles:
            for name in (muscle.id, muscle.name, *muscle.synonyms):
                self._by_name[normalize_name(name)] = muscle
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
        # Search keys: every display string with its words, computed once for type-ahead.
        self._search_keys = [
            (muscle, [(label.lower(), words(label)) for label in (muscle.name, *muscle.synonyms)])
            for muscle in self.muscles
        ]

    def __repr__(self) -> str:
        return f"<Catalog {len(self.muscles)} muscles, versions {self.versions}>"

    def get(self, muscle_id: str) -> Muscle:
        try:
            return self._by_id[muscle_id]
        except KeyError:
            raise UnknownMuscle(muscle_id, self._suggest(muscle_id)) from None

    def resolve(self, name: str) -> Muscle:
        muscle = self._by_name.get(normalize_name(name))
        if muscle is None or not normalize_name(name):
            raise UnknownMuscle(name, self._suggest(name))
        return muscle

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

    def paraspinal_levels_for(self, muscle: Muscle) -> tuple[str, ...]:
        if not muscle.is_paraspinal:
            return ()
        # Regional entries own the sites listed for them; the generic entry takes any level.
        return self._levels_by_muscle.get(muscle.id, PARASPINAL_LEVELS)

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
        found: list[Muscle] = []
        # Prefix hits first ("pectoralis major" -> both heads), then fuzzy spelling matches.
        for name_key, muscle in self._by_name.items():
            if name_key.startswith(key) and muscle not in found:
                found.append(muscle)
        close = difflib.get_close_matches(key, list(self._by_name), n=20, cutoff=0.6)
        for name_key in close:
            muscle = self._by_name[name_key]
            if muscle not in found:
                found.append(muscle)
        return [muscle.name for muscle in found[:MAX_SUGGESTIONS]]


def load_catalog(directory: DataDirectory | None = None) -> Catalog:
    """Build a catalog from a data directory (default: the packaged data); not cached."""
    return Catalog(load_knowledge_base(directory))


@functools.cache
def get_catalog() -> Catalog:
    """The packaged catalog, loaded and validated once per process."""
    return load_catalog()
