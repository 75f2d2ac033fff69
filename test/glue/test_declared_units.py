"""Declared columns, the pure parts: the argument, which declarations register what, and the refusal of a
retyping declaration (test_declared_columns.py runs them through the job)."""

from __future__ import annotations

import pytest

from ndjson_parquet.declared import declared_additions, parse_declared, registry_type
from ndjson_parquet.errors import DeclaredColumnConflictError, JobArgumentsError
from ndjson_parquet.schema import RegisteredColumn, decimal_of, is_column_type, plan_schema


def registry(**types: str) -> dict[str, RegisteredColumn]:
    return {name.lower(): RegisteredColumn(name, t) for name, t in types.items()}


def test_declared_columns_not_registered_yet_are_added_with_their_registry_type():
    # Arrange
    declared = {"amount": "decimal(12,2)", "sent": "timestamp(epoch_ms)", "id": "string", "n": "bigint"}
    # Act
    added = declared_additions(declared, registry(id="string"))
    # Assert
    assert [(c.name, c.type) for c in added] == [("amount", "decimal(12,2)"), ("n", "bigint"), ("sent", "timestamp")]


@pytest.mark.parametrize(
    ("declared", "registered", "conflict"),
    [
        ({"n": "bigint"}, {"n": "double"}, {"declared": "bigint", "registered": "n double"}),
        ({"amount": "decimal(12,2)"}, {"amount": "decimal(12,3)"}, {"declared": "decimal(12,2)", "registered": "amount decimal(12,3)"}),
        ({"Amount": "double"}, {"amount": "double"}, {"declared": "double", "registered": "amount double"}),
    ],
)
def test_a_declaration_that_retypes_or_respells_a_registered_column_is_refused(declared, registered, conflict):
    # Act
    with pytest.raises(DeclaredColumnConflictError) as raised:
        declared_additions(declared, registry(**registered))
    # Assert
    assert raised.value.context["conflicts"] == {next(iter(declared)): conflict}
    assert "new table" in str(raised.value)


def test_an_epoch_declaration_matches_a_registered_timestamp():
    # Act
    added = declared_additions({"sent": "timestamp(epoch_s)"}, registry(sent="timestamp"))
    # Assert
    assert added == []
    assert registry_type("timestamp(epoch_s)") == "timestamp"


@pytest.mark.parametrize("text", ["[1]", "{bad", '{"n": "int"}', '{"n": "decimal(40,2)"}', '{"a-b": "bigint"}', '{"date": "date"}'])
def test_a_bad_declared_columns_argument_is_a_typed_error(text):
    with pytest.raises(JobArgumentsError):
        parse_declared(text)


def test_decimal_types_are_valid_exactly_within_athenas_bounds():
    # Arrange
    cases = [(p, s) for p in range(45) for s in range(45)]
    # Act
    valid = {(p, s) for p, s in cases if is_column_type(f"decimal({p},{s})")}
    # Assert
    assert valid == {(p, s) for p, s in cases if 1 <= p <= 38 and s <= p}
    assert decimal_of("decimal(12,2)") == (12, 2)
    assert decimal_of("decimal(12, 2)") is None


def test_a_converted_column_the_parser_typed_is_checked_for_rescue_and_others_are_not():
    # Arrange
    reg = registry(n="bigint", at="timestamp", score="double")
    # Act
    plan = plan_schema([], reg, {"at": 0, "n": 1, "score": 2}, frozenset({"n", "score"}))
    # Assert
    assert [(c.name, c.type, c.slot) for c in plan.columns] == [("n", "bigint", 1), ("score", "double", 2)]
    assert plan.rescued == {"n": "values_not_bigint"}
