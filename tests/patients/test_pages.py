"""The patient form reports every problem at once, each with its limit (issue 16)."""

from __future__ import annotations

from imsclinic.patients.models import Patient
from tests.factories import PASSWORD, today


def test_every_problem_of_the_patient_form_at_once(client, practitioner):
    client.login(username=practitioner.username, password=PASSWORD)
    # A too-long name is a shape problem (the schema); a future date of birth and a bad
    # e-mail address are the action's checks: all three come back from one save.
    response = client.post(
        "/patients/new/",
        {
            "family_name": "O" * 101,
            "given_name": "Ana",
            "date_of_birth": today().replace(year=today().year + 1).isoformat(),
            "sex": "female",
            "email": "ana-at-example.org",
            "phone": "call me",
        },
    )
    assert response.status_code == 422
    errors = response.context["errors"]
    assert errors == {
        "family_name": "At most 100 characters; this has 101. Shorten it.",
        "date_of_birth": "Date of birth cannot be in the future.",
        "email": "Enter a valid email address, e.g. name@example.org.",
        "phone": "Phone: digits, spaces, +, (, ), . or - only, e.g. 403-555-0100.",
    }
    page = response.content.decode()
    assert "Please correct the 4 highlighted fields." in page
    assert 'value="' + "O" * 101 + '"' in page  # nothing typed is lost
    assert not Patient.objects.exists()


def test_consent_form_reports_its_problems_together(client, practitioner, patient):
    client.login(username=practitioner.username, password=PASSWORD)
    response = client.post(
        f"/patients/{patient.pk}/consent/",
        {
            "consented_on": "2999-01-01",
            "text_version": "no-such-version",
            "given_by": "guardian",
            "substitute_name": "G" * 151,
        },
    )
    errors = response.context["errors"]
    assert set(errors) == {"consented_on", "text_version", "substitute_name"}
    assert errors["substitute_name"].startswith("At most 150 characters")
