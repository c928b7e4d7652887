"""Outcome-measure scoring for IMS Clinic: framework-free, plain data, cited rules.

Score a form with :func:`score`, compare two scores with :func:`change`, and read the
instrument's published properties (MCID, bands, sources, licence) from :data:`MEASURES`.
Statistics for clinic-level reports live in :mod:`imsclinic.measures.statistics`.
"""

from __future__ import annotations

from imsclinic.measures.change import (
    Change,
    change,
    first_responder_index,
    is_responder,
    responder_sql,
)
from imsclinic.measures.definitions import MEASURES, Band, Licence, Measure, get_measure
from imsclinic.measures.errors import ItemError, UnknownMeasure, WordingFileError
from imsclinic.measures.published import PUBLISHED
from imsclinic.measures.scoring import Score, score
from imsclinic.measures.wording import load_item_wording, parse_item_wording

__all__ = [
    "MEASURES",
    "PUBLISHED",
    "Band",
    "Change",
    "ItemError",
    "Licence",
    "Measure",
    "Score",
    "UnknownMeasure",
    "WordingFileError",
    "change",
    "first_responder_index",
    "get_measure",
    "is_responder",
    "load_item_wording",
    "parse_item_wording",
    "responder_sql",
    "score",
]
