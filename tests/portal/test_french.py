"""English and French: the patient's preferred language (on their record) chooses the
language of their intake form, consent wording, portal and e-mails; IMS explained pages
follow ?lang= or the browser; every French string is translated."""

from __future__ import annotations

import base64
import gettext
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from imsclinic.notifications.sender import send_all_due
from imsclinic.patients.consent_texts import CONSENT_TEXTS
from imsclinic.portal import actions
from imsclinic.portal.learn import TOPICS
from imsclinic.portal.models import IntakeSubmission
from imsclinic.portal.schemas import IntakeLinkIn
from tests.factories import make_consented_patient, make_episode, make_signed_session, today

pytestmark = pytest.mark.django_db

PO = Path(__file__).resolve().parents[2] / "src/imsclinic/portal/locale/fr/LC_MESSAGES/django.po"
SIGNATURE = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"x" * 40).decode()


@pytest.fixture
def camille(actor):
    return make_consented_patient(
        actor,
        family_name="Tremblay",
        given_name="Camille",
        email="camille@example.org",
        preferred_language="fr",
    )


def test_every_french_string_is_translated_and_compiled():
    text = PO.read_text()
    empty = re.findall(r'\nmsgid "(.+)"\nmsgstr ""\n(?!")', text)
    assert not empty, f"untranslated: {empty}"
    assert "#, fuzzy" not in text
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1


def test_no_french_sentence_is_said_twice():
    # A msgstr whose continuation lines repeated its first line showed every sentence
    # twice on the French pages (53 of them, until issue 15's follow-up).
    with PO.with_suffix(".mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    doubled = [
        text
        for text in catalog.values()
        if isinstance(text, str) and len(text) > 1 and text == text[: len(text) // 2] * 2
    ]
    assert not doubled, doubled


def test_a_french_patient_gets_the_intake_in_french_and_signs_the_french_consent(
    client, actor, camille
):
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        actions.intake_link_send(actor=actor, patient=camille, data=IntakeLinkIn())
    send_all_due()
    (message,) = mail.outbox
    assert "votre formulaire de santé" in message.subject
    url = re.search(r"http://testserver(/intake/[\w-]+/)", message.body).group(1)
    page = client.get(url).content.decode()
    assert '<html lang="fr">' in page and "Votre formulaire de santé" in page
    assert "Je prends un anticoagulant" in page and CONSENT_TEXTS["ims-2026.1-fr"][:40] in page
    answers = {
        **{
            f"red_flags.{c}": "no"
            for c in ("cauda_equina", "weight_loss", "fever", "cancer", "trauma")
        },
        "consent_agree": "yes",
        "consent_name": "Camille Tremblay",
        "consent_signature": SIGNATURE,
    }
    client.post(url, answers)
    submission = IntakeSubmission.objects.get()
    assert submission.consent_version == "ims-2026.1-fr"
    assert submission.consent_text == CONSENT_TEXTS["ims-2026.1-fr"]


def test_the_portal_speaks_the_patients_language(client, actor, clinic, camille):
    episode = make_episode(actor, camille)
    for pain in (6, 3):
        make_signed_session(actor, camille, episode, session_date=today(), pain_before=pain)
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        client.post(f"/portal/{clinic.slug}/", {"email": "camille@example.org"})
    send_all_due()
    assert "votre lien de connexion" in mail.outbox[-1].subject
    url = re.search(r"http://testserver(/portal/sign-in/[\w-]+/)", mail.outbox[-1].body).group(1)
    client.post(url)
    home = client.get("/portal/").content.decode()
    assert "Bonjour Camille" in home and "Vos rendez-vous" in home
    assert "est passée de 6 à 3 (sur 10) en 2 séances" in home
    assert "Composez le 911" in home


@pytest.mark.parametrize("topic", [t.slug for t in TOPICS])
def test_every_ims_explained_page_exists_in_french(client, topic):
    english = client.get(f"/learn/{topic}/?lang=en").content.decode()
    french = client.get(f"/learn/{topic}/?lang=fr").content.decode()
    assert '<html lang="en">' in english and '<html lang="fr">' in french
    body = lambda html: html.split("<article", 1)[1].split("</article>", 1)[0]  # noqa: E731
    assert body(english) != body(french)
    by_browser = client.get(f"/learn/{topic}/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    assert '<html lang="fr">' in by_browser.content.decode()


def test_the_preferred_language_is_on_the_patient_form(client, practitioner, patient):
    client.force_login(practitioner)
    form = client.get(f"/patients/{patient.pk}/edit/").content.decode()
    assert 'name="preferred_language"' in form and "Français" in form
