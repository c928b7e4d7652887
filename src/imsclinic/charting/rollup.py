"""The per-episode rollup (``EpisodeSummary``) that clinic outcomes read, kept current by
the database itself.

Clinic outcomes need, per episode, the session count, the pain before the first and last
session, when pain first fell by the MCID, and the adverse events by severity. Computing
that from every session and event was most of the clinic outcomes page at 1M sessions;
the rollup holds one row per episode. Row triggers on the session and adverse-event
tables recompute an episode's row whenever one of its rows is inserted, deleted, or has
a counted column changed, so every writer (the actions, the bulk generator, a person at a
SQL prompt) keeps it true; ``rebuild`` recomputes every row (after a bulk load with
triggers disabled, or to check it: see tests/charting/test_rollup.py).

The recompute for one episode is a few small lookups on the ``session_outcomes_order``
index (clinic, episode, sequence, date, id, pain before/after) and the adverse events'
episode index. Writers that number sessions lock the episode first (charting.actions),
so two recomputes for one episode do not interleave.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imsclinic.charting.vocabulary import SEVERITY
from imsclinic.measures import MEASURES, responder_sql

SESSIONS = "charting_treatmentsession"
EVENTS = "charting_adverseevent"
ROLLUP = "charting_episodesummary"
# Adverse events counted per severity (charting/vocabulary.py; a new severity needs its
# column on EpisodeSummary).
SEVERITIES = SEVERITY.values
# Pain before each session is the NPRS (0-10); "first reached" is the first session whose
# pain responds against the baseline: 2 points or 30% (measures.change, Farrar 2001).
PAIN_MEASURE = MEASURES["nprs"]
# A change to any other column (signing, notes) leaves the rollup as it is.
COUNTED = {
    SESSIONS: ("episode_id", "clinic_id", "sequence", "session_date", "pain_before", "pain_after"),
    EVENTS: ("episode_id", "clinic_id", "severity"),
}
PG_TRIGGERS = {SESSIONS: "treatmentsession_episode_summary", EVENTS: "adverseevent_episode_summary"}
COLUMNS = ", ".join(
    [
        "episode_id",
        "clinic_id",
        "sessions",
        "with_after",
        "effect",
        "baseline",
        "latest",
        "first_mcid",
    ]
    + [f"adverse_{severity}" for severity in SEVERITIES]
)


def _first(order: str) -> str:
    return f"""(SELECT x.pain_before FROM {SESSIONS} x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence {order}, x.session_date {order}, x.id {order} LIMIT 1)"""  # noqa: S608


def select_sql(where: str) -> str:
    """One rollup row per episode of the sessions matching ``where`` (over ``s``)."""
    events = "".join(
        f""",
    (SELECT COUNT(*) FROM {EVENTS} a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = '{severity}')"""  # noqa: S608
        for severity in SEVERITIES
    )
    return f"""
SELECT s.episode_id, s.clinic_id, COUNT(*), COUNT(s.pain_after),
    SUM(s.pain_before - s.pain_after), {_first("ASC")}, {_first("DESC")},
    (SELECT MIN(x.sequence) - 1 FROM {SESSIONS} x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        AND {responder_sql(PAIN_MEASURE, _first("ASC"), "x.pain_before")}){events}
FROM {SESSIONS} s WHERE {where} GROUP BY s.clinic_id, s.episode_id"""  # noqa: S608


def _sync_sql(row: str) -> list[str]:
    """Recompute one episode's row; ``row`` is NEW or OLD in a trigger."""
    return [
        f"DELETE FROM {ROLLUP} WHERE episode_id = {row}.episode_id",  # noqa: S608
        f"INSERT INTO {ROLLUP} ({COLUMNS}) "
        + select_sql(f"s.clinic_id = {row}.clinic_id AND s.episode_id = {row}.episode_id"),
    ]


def _pg_statements() -> list[str]:
    body_old = ";\n    ".join(_sync_sql("OLD"))
    body_new = ";\n    ".join(_sync_sql("NEW"))
    return [
        f"""
CREATE OR REPLACE FUNCTION imsclinic_episode_summary() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {body_old};
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.episode_id, NEW.clinic_id)
      IS DISTINCT FROM (OLD.episode_id, OLD.clinic_id)) THEN
    {body_new};
  END IF;
  RETURN NULL;
END $$""",
    ] + [
        statement
        for table, name in PG_TRIGGERS.items()
        for statement in (
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(COUNTED[table])} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION imsclinic_episode_summary()",
        )
    ]


def _sqlite_statements() -> list[str]:
    old = ";\n  ".join(_sync_sql("OLD"))
    new = ";\n  ".join(_sync_sql("NEW"))
    statements = []
    for table in (SESSIONS, EVENTS):
        counted = ", ".join(COUNTED[table])
        bodies = {
            "insert": f"AFTER INSERT ON {table}\nBEGIN\n  {new};\nEND",
            "delete": f"AFTER DELETE ON {table}\nBEGIN\n  {old};\nEND",
            "update": f"AFTER UPDATE OF {counted} ON {table}\nBEGIN\n  {old};\n  {new};\nEND",
        }
        for op, body in bodies.items():
            # Drop first: SQLite has no CREATE OR REPLACE TRIGGER, and a changed definition
            # (e.g. the responder rule) must replace the installed one.
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_summary_{op}",
                f"CREATE TRIGGER {table}_summary_{op} {body}",
            ]
    return statements


TRIGGER_NAMES = {
    "postgresql": list(PG_TRIGGERS.values()),
    "sqlite": [
        f"{t}_summary_{op}" for t in (SESSIONS, EVENTS) for op in ("insert", "delete", "update")
    ],
}


def install(connection: Any) -> None:
    """Create (or replace) the triggers; idempotent, re-run after every migrate because
    SQLite drops a table's triggers when a migration rebuilds the table."""
    tables = set(connection.introspection.table_names())
    if not {SESSIONS, EVENTS, ROLLUP} <= tables:
        return
    if connection.vendor == "postgresql":
        statements = _pg_statements()
    elif connection.vendor == "sqlite":
        statements = _sqlite_statements()
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, name in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        elif connection.vendor == "sqlite":
            for name in TRIGGER_NAMES["sqlite"]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(connection: Any, clinic_id: int | None = None) -> None:
    """Recompute the rollup for every episode (of one clinic, or of all)."""
    where, params = ("s.clinic_id = %s", [clinic_id]) if clinic_id is not None else ("1 = 1", [])
    with connection.cursor() as cursor:
        if clinic_id is None:
            cursor.execute(f"DELETE FROM {ROLLUP}")  # noqa: S608
        else:
            cursor.execute(f"DELETE FROM {ROLLUP} WHERE clinic_id = %s", [clinic_id])  # noqa: S608
        cursor.execute(f"INSERT INTO {ROLLUP} ({COLUMNS}) " + select_sql(where), params)


def differences(connection: Any, episode_ids: Sequence[int] | None = None) -> list[int]:
    """Episode ids whose stored rollup row differs from a recomputation (missing or extra
    rows included), for `imsclinic rollup --check` and the load test; all episodes, or
    only ``episode_ids``."""
    if episode_ids is None:
        where, stored_where, params = "1 = 1", "", []
    else:
        if not episode_ids:
            return []
        marks = ", ".join(["%s"] * len(episode_ids))
        where = f"s.episode_id IN ({marks})"
        stored_where, params = f" WHERE episode_id IN ({marks})", list(episode_ids)
    with connection.cursor() as cursor:
        cursor.execute(select_sql(where), params)
        fresh = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
        cursor.execute(f"SELECT {COLUMNS} FROM {ROLLUP}{stored_where}", params)  # noqa: S608
        stored = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    return sorted(e for e in fresh.keys() | stored.keys() if fresh.get(e) != stored.get(e))
