"""The patient's questionnaire page (/q/) speaks the patient's preferred language (English or
French, on their record), as the rest of the patient side does: the form, its thanks, used,
expired and invalid pages, the at-visit page, and the page a refused (CSRF) form shows a
patient. The catalogues are complete and their committed .mo files match the .po files."""

from __future__ import annotations

import datetime as dt
import gettext
import html as markup
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone, translation

from imsclinic.measures import MEASURES
from imsclinic.measures.forms import SCALE_ENDS
from imsclinic.outcomes import actions, patient_text
from imsclinic.outcomes.models import MeasureWording, QuestionnaireLink, QuestionnaireResponse
from imsclinic.outcomes.schemas import LinkIn
from tests.factories import PASSWORD, make_consented_patient, make_episode
from tests.outcomes.builders import give_wording

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "imsclinic"
CATALOGUES = [SRC / app / "locale/fr/LC_MESSAGES/django.po" for app in ("outcomes", "core")]


def _entries(po: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (multi-line strings joined)."""
    entries: dict[str, str] = {}
    for block in po.read_text().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        text = "\n".join(lines)
        if "msgid " not in text:
            continue
        head, _, tail = text.partition("msgstr ")
        msgid = "".join(json.loads(p) for p in head.removeprefix("msgid ").split("\n") if p)
        msgstr = "".join(json.loads(p) for p in tail.split("\n") if p)
        if msgid:
            entries[msgid] = msgstr
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated_and_the_mo_matches(po):
    entries = _entries(po)
    assert entries and "#, fuzzy" not in po.read_text()
    assert not [msgid for msgid, msgstr in entries.items() if not msgstr.strip()]
    compiled = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
    stale = [m for m, s in entries.items() if compiled.gettext(m) != s]
    assert not stale, f"recompile {po.with_suffix('.mo')}: {stale[:3]}"


def test_the_english_restated_for_translation_is_the_measures_own():
    assert set(patient_text.NAMES) == set(MEASURES) == set(patient_text.SCALE_ENDS)
    with translation.override("en"):
        for code, measure in MEASURES.items():
            assert str(patient_text.NAMES[code]) == measure.name
            assert tuple(str(end) for end in patient_text.SCALE_ENDS[code]) == SCALE_ENDS[code]


@pytest.fixture
def camille_episode(actor):
    camille = make_consented_patient(
        actor, family_name="Tremblay", given_name="Camille", preferred_language="fr"
    )
    return make_episode(actor, camille)


def _link(actor, episode, code="nprs"):
    return actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code=code))


def test_a_french_patient_answers_the_nprs_in_french(client, actor, camille_episode):
    issued = _link(actor, camille_episode)
    html = markup.unescape(client.get(f"/q/{issued.token}/").content.decode())
    assert '<html lang="fr">' in html
    assert "Échelle numérique d'intensité de la douleur" in html
    assert "Quelle est l'intensité de votre douleur aujourd'hui ?" in html
    assert "Envoyer les réponses" in html and "Aucune douleur" in html
    assert "Submit answers" not in html and "How strong" not in html
    done = markup.unescape(
        client.post(f"/q/{issued.token}/", {"items.1": "4", "lang": "fr"}).content.decode()
    )
    assert "Merci" in done and "Vos réponses au NPRS ont été enregistrées." in done
    assert QuestionnaireResponse.objects.get().score == 4
    again = client.get(f"/q/{issued.token}/")
    assert (
        again.status_code == 410 and "Ce questionnaire a déjà été rempli" in again.content.decode()
    )


def test_an_english_patient_keeps_english(client, actor, episode):
    html = client.get(f"/q/{_link(actor, episode).token}/").content.decode()
    assert '<html lang="en">' in html and "How strong is your pain today?" in html


def test_expired_and_invalid_links_in_french(client, actor, camille_episode):
    issued = _link(actor, camille_episode)
    QuestionnaireLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert "Ce lien a expiré" in client.get(f"/q/{issued.token}/").content.decode()
    # An altered link has no patient: the browser's language, or ?lang=.
    french = client.get("/q/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert french.status_code == 404
    assert "Ce lien n'est pas valide" in markup.unescape(french.content.decode())
    english = client.get("/q/" + "x" * 43 + "/", HTTP_ACCEPT_LANGUAGE="en-CA")
    assert "This link is not valid" in english.content.decode()
    by_query = client.get("/q/" + "x" * 43 + "/?lang=fr").content.decode()
    assert "n'est pas valide" in markup.unescape(by_query)


def test_the_at_visit_page_in_french(client, actor, camille_episode):
    give_wording(actor.clinic, "odi")
    issued = _link(actor, camille_episode, "odi")
    MeasureWording.objects.all().delete()
    html = markup.unescape(client.get(f"/q/{issued.token}/").content.decode())
    assert "La clinique vous remettra ce questionnaire lors de votre visite" in html
    assert "Indice d'incapacité d'Oswestry" in html


def test_uploaded_wording_is_shown_as_uploaded_around_french_instructions(
    client, actor, camille_episode
):
    wording = give_wording(actor.clinic, "ndi")
    html = client.get(f"/q/{_link(actor, camille_episode, 'ndi').token}/").content.decode()
    assert wording[0] in html and "Répondez à chaque question" in html


def test_a_refused_form_tells_the_patient_in_their_language(actor, camille_episode):
    issued = _link(actor, camille_episode)
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/q/{issued.token}/")
    refused = browser.post(f"/q/{issued.token}/", {"items.1": "3", "lang": "fr"})
    html = markup.unescape(refused.content.decode())
    assert refused.status_code == 403 and '<html lang="fr">' in html
    assert "Vos réponses n'ont pas été envoyées" in html and "rechargez-la" in html
    assert "Log in" not in html  # no staff menu on a patient's page
    english = browser.post(f"/q/{issued.token}/", {"items.1": "3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your answers were not sent" in english.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_a_refused_staff_form_keeps_the_staff_page(practitioner, episode):
    browser = Client(enforce_csrf_checks=True)
    browser.login(username=practitioner.username, password=PASSWORD)
    refused = browser.post(f"/episodes/{episode.pk}/questionnaires/link/", {"measure_code": "nprs"})
    html = refused.content.decode()
    assert refused.status_code == 403 and "Form not accepted" in html
    assert "Find a patient" in html


def test_the_admin_page_says_uploaded_wording_is_not_translated(client, clinic):
    from tests.factories import make_user

    admin = make_user(clinic, "fr.admin", "admin")
    client.login(username=admin.username, password=PASSWORD)
    html = client.get("/clinic/questionnaire-wording/").content.decode()
    assert "in the language it is written in; IMS Clinic does not translate it" in html


def test_a_french_patient_is_told_what_to_fix_in_french(client, actor, camille_episode):
    give_wording(actor.clinic, "odi")
    issued = _link(actor, camille_episode, "odi")
    page = client.post(f"/q/{issued.token}/", {"items.1": "2", "items.2": "9"})
    html = markup.unescape(page.content.decode())
    assert page.status_code == 422
    assert "Choisissez un chiffre de 0 à 5." in html
    page = client.post(f"/q/{issued.token}/", {"items.1": "2", "items.2": "3"})
    html = markup.unescape(page.content.decode())
    assert "Veuillez répondre à au moins 8 des 10 questions ; 8 sont sans réponse." in html
    assert QuestionnaireLink.objects.get().used_at is None
