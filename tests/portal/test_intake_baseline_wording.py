"""The intake's baseline questionnaire never shows a patient bare topic labels (issue 15):
an intake link cannot carry a measure the clinic has no wording for, and a link sent before
the wording went missing skips the baseline with a note that the clinic will give it at the
visit; the rest of the intake is kept."""

from __future__ import annotations

import pytest

from imsclinic.core.errors import ValidationProblem
from imsclinic.outcomes.models import MeasureWording
from imsclinic.portal import actions
from imsclinic.portal.models import IntakeLink, IntakeSubmission
from imsclinic.portal.schemas import IntakeLinkIn
from tests.outcomes.builders import give_wording
from tests.portal.test_intake import answers, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(actor):
    from tests.factories import make_patient

    return make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")


def test_an_intake_baseline_without_wording_is_refused_naming_the_fix(actor, newcomer):
    with pytest.raises(ValidationProblem) as refused:
        actions.intake_link_send(
            actor=actor, patient=newcomer, data=IntakeLinkIn(measure_code="quickdash")
        )
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("measure_code", "wording_missing")
    assert "Clinic settings > Questionnaire wording" in problem.message
    assert not IntakeLink.objects.exists()


def test_with_the_clinics_wording_the_intake_shows_it(client, actor, newcomer):
    wording = give_wording(actor.clinic, "odi")
    html = client.get(send(actor, newcomer, measure_code="odi")).content.decode()
    assert wording[0] in html and "Personal care" not in html


def test_a_baseline_whose_wording_is_gone_is_left_for_the_visit(client, actor, newcomer):
    give_wording(actor.clinic, "odi")
    url = send(actor, newcomer, measure_code="odi")
    MeasureWording.objects.all().delete()
    html = client.get(url).content.decode()
    assert "cannot be filled in online yet" in html
    assert 'name="baseline.items.1"' not in html and "Personal care" not in html
    assert client.post(url, answers()).status_code == 200
    submission = IntakeSubmission.objects.get()
    assert submission.baseline_measure_code == "" and submission.baseline_items == []
    assert submission.medications.startswith("apixaban")  # the rest is kept


def test_the_charts_intake_button_says_why_it_did_not_send(client, practitioner, newcomer):
    client.force_login(practitioner)
    page = client.post(
        f"/patients/{newcomer.pk}/intake/send/", {"measure_code": "lefs"}, follow=True
    ).content.decode()
    assert "The intake form was not sent. The LEFS cannot be sent to a patient" in page
    assert not IntakeLink.objects.exists()
