"""Property test over the search parameters of every resource type: whatever the names,
values, prefixes, modifiers and paging a client sends, the server answers a Bundle (200) or
an OperationOutcome (4xx), never a server error. Bounded and derandomized for CI."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imsclinic.fhir.registry import resource_types
from imsclinic.fhir.search import PREFIXES
from tests.fhir.conftest import build_course, fhir_as

TYPES = sorted(resource_types())
CONTROL = ["_count", "_offset", "_include", "_format", "_id", "_lastUpdated", "_sort", "_summary"]

dates = st.builds(
    lambda prefix, y, m, d, tail: f"{prefix}{y:04d}-{m:02d}-{d:02d}{tail}",
    st.sampled_from(["", *PREFIXES, "xx"]),
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(
        ["", "T10:00", "T10:00:00Z", "T25:61:61+14:00", "T10:00:00.123456789-06:00", "junk"]
    ),
)
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
tokens = st.builds(
    lambda system, code: f"{system}|{code}" if system is not None else code,
    st.one_of(
        st.none(), st.sampled_from(["", "http://loinc.org", "http://snomed.info/sct"]), words
    ),
    st.one_of(st.sampled_from(["72514-3", "odi", "M54.5", "lumbar_flexion", "session-1"]), words),
)
references = st.one_of(
    st.integers(-5, 10**20).map(str),
    st.builds(lambda t, i: f"{t}/{i}", st.sampled_from(["Patient", "Practitioner", "x"]), words),
    words,
)
values = st.one_of(dates, tokens, references, words, st.integers(-(10**12), 10**12).map(str))


def names_for(type_name: str) -> st.SearchStrategy[str]:
    declared = list(resource_types()[type_name].params_by_name)
    base = st.sampled_from(declared + CONTROL + ["colour", ""])
    modifier = st.sampled_from(["", ":exact", ":contains", ":missing", ":", ":text"])
    return st.builds(lambda n, m: n + m, base, modifier)


queries = st.sampled_from(TYPES).flatmap(
    lambda t: st.tuples(
        st.just(t),
        st.lists(
            st.tuples(
                names_for(t),
                st.one_of(values, st.lists(values, max_size=3).map(",".join)),
            ),
            max_size=4,
        ),
    )
)


@pytest.fixture
def searcher(db, clinic):
    from tests.factories import make_actor, make_practitioner, make_user

    build_course(make_actor(make_practitioner(clinic, "prop.pt")))
    return fhir_as(make_user(clinic, "prop.admin", "admin"))


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(query=queries)
def test_no_search_input_causes_a_server_error(searcher, query):
    type_name, params = query
    response = searcher.client.get(f"/fhir/R4/{type_name}", params, **searcher.headers())
    assert response.status_code < 500, (type_name, params, response.content[:500])
    body = response.json()
    if response.status_code == 200:
        assert body["resourceType"] == "Bundle"
        assert body["total"] >= len(
            [e for e in body.get("entry", []) if e["search"]["mode"] == "match"]
        )
    else:
        assert body["resourceType"] == "OperationOutcome", body


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    type_name=st.sampled_from(TYPES),
    ident=st.text(
        alphabet=string.printable.replace("/", "").replace("?", "").replace("#", ""),
        min_size=1,
        max_size=40,
    ),
)
def test_no_read_id_causes_a_server_error(searcher, type_name, ident):
    response = searcher.get(f"{type_name}/{ident}")
    assert response.status_code < 500, (type_name, ident, response.content[:300])


@pytest.mark.parametrize(
    "value",
    [
        "ap0001-01-01",
        "ap9999-12-31",
        "lt0001-01-01T00:00+14:00",
        "gt9999-12-31T23:59-12:00",
        "eq9999",
        "ne0001-01",
        "sa9999-12-31T23:59:59.999999999Z",
    ],
)
def test_dates_at_the_ends_of_the_calendar(searcher, value):
    for name, param in (("Patient", "birthdate"), ("Observation", "date"), ("AuditEvent", "date")):
        response = searcher.get(name, {param: value, "_lastUpdated": value})
        assert response.status_code in (200, 400), (name, value, response.content[:300])
