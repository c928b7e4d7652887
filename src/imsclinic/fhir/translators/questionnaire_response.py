"""QuestionnaireResponse <-> outcomes.QuestionnaireResponse: one completed form.

The episode it belongs to travels in the R4 core extension ``workflow-episodeOfCare``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from imsclinic.fhir.importing import Entry, Problems
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators import questionnaire
from imsclinic.fhir.translators.common import Context, drop_empty, instant, meta, ref
from imsclinic.measures import MEASURES
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.outcomes.schemas import ResponseIn

EPISODE_OF_CARE = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "episode_id",
    "measure_code",
    "answers",
    "activities",
    "answered_at",
    "source",
    "entered_by_id",
)


def _items(row: Row) -> list[dict[str, Any]]:
    measure = MEASURES[row["measure_code"]]
    labels = measure.section_labels
    answers = list(row["answers"] or [])
    if row["measure_code"] == "psfs":
        activities = list(row["activities"] or [])
        groups = []
        for n, rating in enumerate(answers, start=1):
            inner = []
            if n <= len(activities) and activities[n - 1]:
                inner.append(
                    {"linkId": f"{n}.activity", "answer": [{"valueString": activities[n - 1]}]}
                )
            if rating is not None:
                inner.append({"linkId": f"{n}.rating", "answer": [{"valueInteger": rating}]})
            if inner:
                groups.append({"linkId": str(n), "text": labels[n - 1], "item": inner})
        return groups
    return [
        {"linkId": str(n), "text": labels[n - 1], "answer": [{"valueInteger": value}]}
        for n, value in enumerate(answers, start=1)
        if value is not None
    ]


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    patient = ref("Patient", row["patient_id"])
    author = ref("Practitioner", row["entered_by_id"]) if row["entered_by_id"] else patient
    return drop_empty(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": [
                {"url": EPISODE_OF_CARE, "valueReference": ref("EpisodeOfCare", row["episode_id"])}
            ],
            "questionnaire": questionnaire.url(row["measure_code"]),
            "status": "completed",
            "subject": patient,
            "authored": instant(row["answered_at"]),
            "author": author,
            "source": patient,
            "item": _items(row),
        }
    )


def _questionnaire_match(system: str | None, code: str) -> Q:
    measure = questionnaire.measure_for(code) or code
    return Q(measure_code=measure)


SOURCE = Source(
    resource_type="QuestionnaireResponse",
    model=QuestionnaireResponse,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="answered_at",
    code=_questionnaire_match,
)


# Import ---------------------------------------------------------------------------------


def _answer(item: dict[str, Any]) -> Any:
    answers = item.get("answer") or []
    if not answers:
        return None
    answer = answers[0]
    for key in ("valueInteger", "valueDecimal", "valueString"):
        if key in answer:
            return answer[key]
    coding = answer.get("valueCoding")
    if coding is not None:
        return coding.get("code")
    return next(iter(answer.values()), None)


def to_input(entry: Entry, problems: Problems) -> ResponseIn | None:
    """ResponseIn for this form; items by linkId (1-based, as on the paper form)."""
    resource = entry.resource
    at = entry.problem_at
    code = questionnaire.measure_for(str(resource.get("questionnaire", "")))
    if code is None:
        known = ", ".join(questionnaire.url(c) for c in MEASURES)
        at(
            problems,
            "QuestionnaireResponse.questionnaire",
            "not-supported",
            f"Answer one of this server's questionnaires: {known}.",
        )
        return None
    if resource.get("status") not in ("completed", "amended"):
        at(
            problems,
            "QuestionnaireResponse.status",
            "business-rule",
            "Only completed forms are imported (status 'completed' or 'amended').",
        )
    measure = MEASURES[code]
    by_link = {
        str(item.get("linkId")): (index, item)
        for index, item in enumerate(resource.get("item") or [])
    }
    items: list[Any] = []
    activities: list[str] = []
    if code == "psfs":
        count = max((int(k) for k in by_link if k.isdigit()), default=0)
        for n in range(1, count + 1):
            _, group = by_link.get(str(n), (0, {}))
            inner = {str(i.get("linkId")): i for i in group.get("item") or []}
            items.append(_answer(inner.get(f"{n}.rating", {})))
            activities.append(str(_answer(inner.get(f"{n}.activity", {})) or ""))
    else:
        count = measure.item_count if isinstance(measure.item_count, int) else len(by_link)
        unknown = sorted(set(by_link) - {str(n) for n in range(1, count + 1)})
        for link in unknown:
            at(
                problems,
                f"QuestionnaireResponse.item[{by_link[link][0]}].linkId",
                "structure",
                f"{measure.abbreviation} has items 1-{count}; there is no item '{link}'.",
            )
        items = [
            _answer(by_link[str(n)][1]) if str(n) in by_link else None for n in range(1, count + 1)
        ]
    if problems.for_entry(entry.index):
        return None
    return entry.parse(
        ResponseIn,
        {"measure_code": code, "items": items, "activities": activities},
        {"items": "QuestionnaireResponse.item", "activities": "QuestionnaireResponse.item"},
        problems,
    )


def item_path(resource: dict[str, Any], field: str) -> str:
    """The FHIR path of a scoring error's field ('items.3' = the third item, 1-based)."""
    parts = field.split(".")
    if len(parts) == 2 and parts[1].isdigit():
        link = parts[1]
        for index, item in enumerate(resource.get("item") or []):
            if str(item.get("linkId")) == link:
                return f"QuestionnaireResponse.item[{index}].answer[0]"
    return "QuestionnaireResponse.item"
