"""No bare topic labels to a patient (issue 15): a measure goes to a patient (link, e-mail,
intake baseline) only in wording they can answer: IMS Clinic's own words where the
licence allows (NPRS, PSFS), else the clinic's uploaded licensed wording. A link issued
before the wording went missing shows a polite page and loses nothing."""

from __future__ import annotations

import pytest

from imsclinic.core.errors import RuleViolation, ValidationProblem
from imsclinic.notifications.models import OutboxMessage
from imsclinic.outcomes import actions
from imsclinic.outcomes.models import MeasureWording, QuestionnaireLink, QuestionnaireResponse
from imsclinic.outcomes.schemas import LinkIn, ResponseIn
from tests.outcomes.builders import give_wording

ODI_POST = {f"items.{n}": "2" for n in range(1, 11)}
FIX = "Upload the clinic's licensed wording in Clinic settings > Questionnaire wording"


@pytest.mark.parametrize("code", ["odi", "ndi", "quickdash", "lefs"])
def test_a_link_for_a_measure_without_wording_is_refused_naming_measure_and_fix(
    actor, episode, code
):
    with pytest.raises(ValidationProblem) as refused:
        actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code=code))
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("measure_code", "wording_missing")
    abbreviation = {"odi": "ODI", "ndi": "NDI", "quickdash": "QuickDASH", "lefs": "LEFS"}[code]
    assert f"The {abbreviation} cannot be sent" in problem.message and FIX in problem.message
    assert not QuestionnaireLink.objects.exists()


def test_the_nprs_ships_in_our_own_words_and_the_psfs_asks_for_activities(client, actor, episode):
    nprs = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="nprs"))
    page = client.get(f"/q/{nprs.token}/").content.decode()
    assert "How strong is your pain today?" in page and 'name="items.1"' in page
    assert "Pain intensity" not in page  # the topic label is not the question
    psfs = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="psfs"))
    page = client.get(f"/q/{psfs.token}/").content.decode()
    assert "Activity you find hard" in page and 'name="activities.1"' in page


def test_uploaded_wording_makes_the_measure_sendable(client, actor, episode):
    wording = give_wording(actor.clinic, "quickdash")
    issued = actions.link_create(
        actor=actor, episode=episode, data=LinkIn(measure_code="quickdash")
    )
    page = client.get(f"/q/{issued.token}/").content.decode()
    assert wording[0] in page and wording[10] in page and "Tight jar" not in page


def test_another_clinics_wording_does_not_count(actor, episode):
    from tests.factories import make_clinic

    give_wording(make_clinic("elsewhere"), "odi")
    with pytest.raises(ValidationProblem):
        actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))


def test_the_progress_page_offers_only_sendable_measures_and_says_why(
    client, practitioner, episode
):
    client.force_login(practitioner)
    html = client.get(f"/episodes/{episode.pk}/progress/").content.decode()
    form = html.split('id="l-measure"')[1].split("</select>")[0]
    assert '<option value="odi" disabled>ODI — no licensed wording uploaded</option>' in form
    assert '<option value="nprs" ' in form and 'value="nprs" disabled' not in form
    assert "Not sent to patients: ODI, NDI, QuickDASH, LEFS" in html
    give_wording(episode.clinic, "odi")
    html = client.get(f"/episodes/{episode.pk}/progress/").content.decode()
    assert 'value="odi" disabled' not in html and "Not sent to patients: NDI, QuickDASH" in html


def test_a_forced_post_of_an_unsendable_measure_says_what_to_do(client, practitioner, episode):
    client.force_login(practitioner)
    page = client.post(
        f"/episodes/{episode.pk}/questionnaires/link/", {"measure_code": "lefs"}
    ).content.decode()
    assert "The LEFS cannot be sent to a patient" in page
    assert "Clinic settings &gt; Questionnaire wording" in page
    assert not QuestionnaireLink.objects.exists()


def test_the_email_button_refuses_with_the_reason_and_sends_nothing(
    client, practitioner, patient, episode
):
    patient.email = "maren@example.org"
    patient.save()
    client.force_login(practitioner)
    page = client.post(
        f"/episodes/{episode.pk}/questionnaire-links/email/", {"measure_code": "ndi"}, follow=True
    ).content.decode()
    assert "The link was not sent. The NDI cannot be sent to a patient" in page
    assert not QuestionnaireLink.objects.exists() and not OutboxMessage.objects.exists()


@pytest.fixture
def orphan(actor, episode):
    """A link issued while the clinic had the wording, which is gone since (a link issued
    before this rule, or a wording file removed from IMSCLINIC_MEASURE_WORDING_DIR)."""
    give_wording(actor.clinic, "odi")
    issued = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    MeasureWording.objects.all().delete()
    return issued


def test_a_link_whose_wording_is_gone_tells_the_patient_politely(client, orphan):
    page = client.get(f"/q/{orphan.token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "The clinic will give you this questionnaire at your visit" in html
    assert 'type="radio"' not in html and "Personal care" not in html
    assert client.post(f"/q/{orphan.token}/", ODI_POST).status_code == 200
    assert not QuestionnaireResponse.objects.exists()
    assert QuestionnaireLink.objects.get().used_at is None  # not spent: nothing lost


def test_the_link_works_again_once_the_wording_is_back(client, actor, orphan):
    wording = give_wording(actor.clinic, "odi")
    assert wording[0] in client.get(f"/q/{orphan.token}/").content.decode()
    assert "Thank you" in client.post(f"/q/{orphan.token}/", ODI_POST).content.decode()
    assert QuestionnaireResponse.objects.get().score == 40.0


def test_the_action_refuses_answers_to_a_link_without_wording(orphan):
    with pytest.raises(RuleViolation) as refused:
        actions.response_record_from_link(
            token=orphan.token, data=ResponseIn(measure_code="odi", items=[2] * 10)
        )
    assert refused.value.code == "wording_missing"
    assert not QuestionnaireResponse.objects.exists()


def test_the_tablet_still_shows_topic_labels_with_a_notice_to_staff(client, practitioner, episode):
    client.force_login(practitioner)
    page = client.get(f"/episodes/{episode.pk}/questionnaires/ndi/fill/").content.decode()
    assert "Headaches" in page and "licensed wording is not loaded" in page
    assert "Staff cannot send this questionnaire to a patient by link" in page


def test_every_measure_whose_licence_lets_wording_ship_has_our_own_words():
    from imsclinic.measures import MEASURES
    from imsclinic.outcomes.patient_text import OWN_WORDING

    for code, measure in MEASURES.items():
        fixed = not isinstance(measure.item_count, range)
        if measure.licence.item_wording_shippable and fixed:
            assert len(OWN_WORDING[code]) == measure.item_count, code
        else:
            assert code not in OWN_WORDING, f"{code}: its licence does not let wording ship"
