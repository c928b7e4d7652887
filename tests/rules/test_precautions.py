"""The one precautions table and the Precautions value the rules and the plan read."""

from __future__ import annotations

import pytest

from imsclinic.rules.precautions import (
    ABSOLUTE_CODES,
    BY_CODE,
    FLAG_CODES,
    LIMB_LIST_FIELDS,
    PRECAUTIONS,
    RELATIVE_CODES,
    Precautions,
)


def test_every_precaution_is_absolute_or_relative_and_cites_a_source() -> None:
    assert len(FLAG_CODES) == len(set(FLAG_CODES)) == len(PRECAUTIONS)
    assert set(ABSOLUTE_CODES) | set(RELATIVE_CODES) == set(FLAG_CODES)
    for precaution in PRECAUTIONS:
        assert precaution.kind in ("absolute", "relative")
        assert "[" in precaution.message and "]" in precaution.message, precaution.code
        assert precaution.label


def test_issue_10_precautions_are_in_the_table() -> None:
    assert {
        "systemic_infection",
        "local_infection",
        "recent_trauma_or_surgery",
        "vascular_disease",
        "abnormal_needling_reaction",
    } <= set(FLAG_CODES)
    assert BY_CODE["systemic_infection"].kind == "absolute"
    assert BY_CODE["vascular_disease"].kind == "relative"
    assert set(LIMB_LIST_FIELDS) == {"lymphedema_sites", "lymph_nodes_removed"}


def test_flags_read_by_name() -> None:
    precautions = Precautions(pregnancy=True, needle_phobia=True)
    assert precautions.pregnancy and precautions.needle_phobia
    assert not precautions.anticoagulants
    assert precautions.relative() == ["pregnancy"]
    assert precautions.absolute() == ["needle_phobia"]
    with pytest.raises(AttributeError):
        precautions.no_such_flag  # noqa: B018


def test_unknown_flags_and_limbs_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown precautions"):
        Precautions(pregnant=True)
    with pytest.raises(ValueError, match="lymphedema_sites"):
        Precautions(lymphedema_sites=("left_arm",))
    with pytest.raises(ValueError, match="lymph_nodes_removed"):
        Precautions(lymph_nodes_removed=("left",))


def test_value_semantics() -> None:
    a = Precautions(diabetes=True, lymphedema_sites=["left_upper", "right_lower"])
    b = Precautions(diabetes=True, lymphedema_sites=("right_lower", "left_upper"), epilepsy=False)
    assert a == b and hash(a) == hash(b)
    assert a != Precautions()
    with pytest.raises(AttributeError):
        a.flags = frozenset()  # type: ignore[misc]


def test_of_reads_any_record_with_the_table_fields() -> None:
    class Record:
        lymphedema_sites = ["left_upper"]
        lymph_nodes_removed = None
        anticoagulants = True

    precautions = Precautions.of(Record())
    assert precautions.anticoagulants and precautions.lymphedema_sites == ("left_upper",)
    assert precautions.lymph_nodes_removed == ()
    fields = precautions.as_fields()
    assert set(fields) == {*FLAG_CODES, "lymphedema_sites", "lymph_nodes_removed"}
