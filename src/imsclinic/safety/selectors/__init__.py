"""Reads for safety operations: the needle lot recall, stock, follow-ups, incident reports
and admin notifications. Each takes the Actor; the recall writes its audit event.

- recall: needle_lot_recall (and its SQL, recall_statements), recall_problems
- stock: needle_stock, lots_in_stock, lot_warnings
- incidents: follow-ups, incident reports, serious events awaiting a report, admin
  notifications
"""

from imsclinic.safety.selectors.incidents import (
    AwaitingReport,
    followup_get,
    followup_list,
    followups_open,
    incident_counts,
    incident_get,
    incident_reports,
    notification_get,
    notifications,
    serious_events_awaiting_report,
    session_followups,
    session_incident,
)
from imsclinic.safety.selectors.recall import (
    LOT_MAX,
    MANUFACTURER_MAX,
    Recall,
    RecallSession,
    RecallSite,
    needle_lot_recall,
    recall_problems,
    recall_statements,
)
from imsclinic.safety.selectors.stock import (
    LotStock,
    LotWarning,
    lot_warnings,
    lots_in_stock,
    needle_stock,
)

__all__ = [
    "LOT_MAX",
    "MANUFACTURER_MAX",
    "AwaitingReport",
    "LotStock",
    "LotWarning",
    "Recall",
    "RecallSession",
    "RecallSite",
    "followup_get",
    "followup_list",
    "followups_open",
    "incident_counts",
    "incident_get",
    "incident_reports",
    "lot_warnings",
    "lots_in_stock",
    "needle_lot_recall",
    "needle_stock",
    "notification_get",
    "notifications",
    "recall_problems",
    "recall_statements",
    "serious_events_awaiting_report",
    "session_followups",
    "session_incident",
]
