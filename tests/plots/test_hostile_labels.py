"""Text typed by people reaches every plot as labels: it must be drawn as typed, never
parsed as mathtext or TeX (a bad expression made matplotlib raise, and the clinic
outcomes page answered 500 for everyone)."""

from __future__ import annotations

import datetime as dt
import inspect
from html import unescape

import pytest

import imsclinic.plots.outcomes
import imsclinic.plots.pain
from imsclinic.charting.schemas import EpisodeIn
from imsclinic.measures import MEASURES
from imsclinic.measures.statistics import KMPoint
from tests.factories import make_consented_patient, make_session, today

HOSTILE = [
    r"Fibro $\undefinedcmd{x}^^$",
    r"$\frac{1}{$",
    "$$",
    r"50% $x_",
    r"\textbf{x} $\mathrm{",
    "<script>alert(1)</script> & ]]>",
]

PLOTS = {
    "pain_course_svg": lambda label: imsclinic.plots.pain.pain_course_svg(
        [(dt.date(2026, 1, 5), 7, 4, 1), (dt.date(2026, 1, 12), 5, 3, 2)], title=label
    ),
    "outcome_course_svg": lambda label: imsclinic.plots.outcomes.outcome_course_svg(
        MEASURES["odi"], [(label, 40.0), (label + " 2", 20.0)], title=label, first_mcid_index=1
    ),
    "time_to_mcid_svg": lambda label: imsclinic.plots.outcomes.time_to_mcid_svg(
        {label: [KMPoint(1, 5, 2, 0, 0.6), KMPoint(3, 3, 1, 0, 0.4)]}, title=label
    ),
}


def test_every_plot_is_in_the_table():
    defined = {
        name
        for module in (imsclinic.plots.pain, imsclinic.plots.outcomes)
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if name.endswith("_svg") and fn.__module__ == module.__name__
    }
    assert defined == set(PLOTS), "a new plot needs a row here"


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("plot", sorted(PLOTS))
def test_hostile_labels_are_drawn_as_typed(plot, label):
    svg = PLOTS[plot](label)
    assert svg.startswith("<svg")
    # The text is in the SVG literally (escaped as XML), not rendered as math glyphs.
    assert label in unescape(svg)
    assert "<script>" not in svg


def test_clinic_outcomes_page_survives_a_hostile_condition_label(client, practitioner, actor):
    from imsclinic.charting import actions as charting

    patient = make_consented_patient(actor)
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(
            condition_code="M79.7",
            condition_label=HOSTILE[0],
            opened_on=today() - dt.timedelta(days=30),
        ),
    )
    for days, pain in ((21, 8), (14, 5), (7, 3)):
        make_session(
            actor,
            patient,
            episode,
            session_date=today() - dt.timedelta(days=days),
            pain_before=pain,
        )
    client.force_login(practitioner)
    response = client.get("/outcomes/")
    assert response.status_code == 200
    assert r"\undefinedcmd" in unescape(response.content.decode())
