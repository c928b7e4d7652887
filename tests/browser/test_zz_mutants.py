import pytest
from pathlib import Path
from tests.browser import test_keyboard_and_labels as k, test_session_rules as r
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JS = Path("src/imsclinic/static/imsclinic/clinic.js").read_text()

def mutate(page, old, new):
    assert old in JS
    body = JS.replace(old, new)
    page.route("**/clinic.js", lambda route: route.fulfill(status=200, content_type="application/javascript", body=body))

def test_no_carry(page, live_server, practitioner, patient, episode):
    mutate(page, "if (row && isNeedleField(event.target)) carryForward(row);", "")
    with pytest.raises(Exception) as e:
        k.test_session_charted_and_signed_with_the_keyboard_only(page, live_server, practitioner, patient, episode)
    print("CARRY:", str(e.value)[:150])

def test_no_renumber(page, live_server, login, practitioner, patient, episode):
    mutate(page, 'if (el.tagName === "LABEL" && !el.children.length', 'if (false')
    with pytest.raises(Exception) as e:
        k.test_every_form_control_on_the_charting_pages_has_a_label(page, live_server, login, practitioner, patient, episode)
    print("RENUMBER:", str(e.value)[:300])

def test_no_synonym(page, live_server, login, practitioner, patient, episode):
    mutate(page, "|| (name && !known[name])", "")
    with pytest.raises(Exception) as e:
        r.test_paraspinal_typed_as_a_synonym_can_be_given_its_level(page, live_server, login, practitioner, patient, episode)
    print("SYN:", str(e.value)[:150])

def test_no_focus(page, live_server, login, practitioner, patient, episode, screenshot):
    mutate(page, "if (invalid) invalid.focus();", "")
    with pytest.raises(Exception) as e:
        r.test_unknown_muscle_shows_an_accessible_error_with_suggestions(page, live_server, login, practitioner, patient, episode, screenshot)
    print("FOCUS:", str(e.value)[:150])
