"""The schema policy (docs/glue.md, "Schema policy"), as pure functions.

A column's type follows from the JSON kinds of its values by a fixed rule:
    only numbers -> double      (integer 0 and 12.5 alike: JSON does not tell int from float reliably)
    only booleans -> boolean
    strings, or numbers mixed with booleans -> string (non-strings stored as their JSON text)
    any object or array -> json (a string column holding JSON text; strings quoted)
and the first manifest that sees a field registers that type in the column registry, per output prefix
(= per Athena table). Later manifests use the registered type whatever their own values look like, so a
column never changes type between files, manifests or dates. A value its column cannot hold (a string in a
double column, an integer beyond 2^53, any value of a field that cannot be a column) is not dropped: it goes,
as JSON text under its original field name, into the row's `_rescued_data` map.
Columns a stack declares (declared.py) are registered before any data, and may have the declared-only
types bigint, decimal(p,s), date and timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .profile import KIND_ARRAY, KIND_BOOLEAN, KIND_NUMBER, KIND_OBJECT, KIND_STRING, FieldProfile

STRING, DOUBLE, BOOLEAN, JSON = "string", "double", "boolean", "json"
# Declared only (declared.py): inference never picks them. decimal(p,s) is a family, see decimal_of.
BIGINT, DATE, TIMESTAMP = "bigint", "date", "timestamp"
TYPES = (STRING, DOUBLE, BOOLEAN, JSON, BIGINT, DATE, TIMESTAMP)
_DECIMAL = re.compile(r"^decimal\((\d{1,2}),(\d{1,2})\)$")
RESCUED_COLUMN = "_rescued_data"
SOURCE_FILE_COLUMN = "_source_file"
SOURCE_LINE_COLUMN = "_source_line"
DATE_COLUMN = "date"
RESERVED = frozenset({RESCUED_COLUMN, SOURCE_FILE_COLUMN, SOURCE_LINE_COLUMN, DATE_COLUMN})
# Names Athena, Glue and Spark all take unquoted in practice; others are rescued rather than mangled, since
# a renamed column would be a silent change too.
COLUMN_NAME = re.compile(r"^[A-Za-z0-9_]{1,255}$")
MAX_COLUMNS = 1000


@dataclass(frozen=True)
class RegisteredColumn:
    name: str
    type: str
    added_by: str = ""
    added_at: str = ""


Registry = Mapping[str, RegisteredColumn]  # keyed by lower-cased name: Athena matches names case-insensitively


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    type: str
    kinds: int  # what this batch's values were (of the values the parser could not type, see `slot`)
    exact: bool  # every value of this batch fits the type: no per-row check needed
    # The parser's typed field holding this column's values (registered before the run), or None for a
    # column registered by this run, whose values come from the tagged record.
    slot: int | None = None


@dataclass(frozen=True)
class SchemaPlan:
    columns: tuple[ColumnPlan, ...]
    # Fields (original names) some of whose values go to _rescued_data, and why.
    rescued: Mapping[str, str] = field(default_factory=dict)

    @property
    def needs_rescue(self) -> bool:
        return bool(self.rescued)


def decimal_of(column_type: str) -> tuple[int, int] | None:
    """(precision, scale) of a valid decimal(p,s) type, else None."""
    match = _DECIMAL.match(column_type)
    if not match:
        return None
    precision, scale = int(match[1]), int(match[2])
    return (precision, scale) if 1 <= precision <= 38 and scale <= precision else None


def is_column_type(column_type: str) -> bool:
    return column_type in TYPES or decimal_of(column_type) is not None


def is_converted(column_type: str) -> bool:
    """A declared-only type, whose values the parser hands over as text for declared.convert."""
    return column_type not in (STRING, DOUBLE, BOOLEAN, JSON)


def type_for_kinds(kinds: int) -> str | None:
    if kinds == 0:
        return None
    if kinds & (KIND_OBJECT | KIND_ARRAY):
        return JSON
    if kinds == KIND_NUMBER:
        return DOUBLE
    if kinds == KIND_BOOLEAN:
        return BOOLEAN
    return STRING


def fits_exactly(column_type: str, profile: FieldProfile) -> bool:
    if column_type in (STRING, JSON):
        return True
    if column_type == DOUBLE:
        return profile.kinds & ~KIND_NUMBER == 0 and not profile.big_integers
    if column_type == BOOLEAN:
        return profile.kinds & ~KIND_BOOLEAN == 0
    # A declared type: only a value-by-value conversion tells.
    return False


def column_name_problem(name: str) -> str | None:
    if not COLUMN_NAME.match(name):
        return "name_not_a_column"
    if name.lower() in RESERVED:
        return "reserved_name"
    return None


def propose_columns(profiles: list[FieldProfile], registry: Registry, max_columns: int = MAX_COLUMNS) -> list[RegisteredColumn]:
    """Columns this batch would add to the registry: eligible names not registered yet (case-insensitively),
    typed by the fixed rule. Of several spellings of one name the first in sort order wins; past
    max_columns, the least frequent new fields stay out (their values are rescued)."""
    candidates: dict[str, FieldProfile] = {}
    for p in sorted(profiles, key=lambda p: p.name):
        lower = p.name.lower()
        if column_name_problem(p.name) or lower in registry or lower in candidates or type_for_kinds(p.kinds) is None:
            continue
        candidates[lower] = p
    room = max(0, max_columns - len(registry))
    chosen = sorted(candidates.values(), key=lambda p: (-p.rows, p.name))[:room]
    return [RegisteredColumn(name=p.name, type=type_for_kinds(p.kinds) or STRING) for p in sorted(chosen, key=lambda p: p.name)]


def plan_schema(
    profiles: list[FieldProfile], registry: Registry, slots: Mapping[str, int] | None = None, present: frozenset[str] = frozenset()
) -> SchemaPlan:
    """The batch's columns and the fields whose values need rescuing.

    `slots` are the columns the parser typed (registered when the run started, name -> slot) and `present`
    those of them holding a value in this batch; `profiles` describe what the parser left in the tagged
    record: fields registered since, values their column cannot hold, fields that cannot be columns."""
    slots = slots or {}
    columns: dict[str, ColumnPlan] = {
        name: ColumnPlan(name=name, type=registry[name.lower()].type, kinds=0, exact=True, slot=slot)
        for name, slot in slots.items()
        if name in present
    }
    # A converted column's values are checked one by one as the rows are projected (project.py).
    rescued: dict[str, str] = {n: f"values_not_{c.type}" for n, c in columns.items() if is_converted(c.type)}
    for p in sorted(profiles, key=lambda p: p.name):
        registered = registry.get(p.name.lower())
        problem = column_name_problem(p.name)
        if problem or registered is None or registered.name != p.name:
            if p.kinds:  # all-null fields carry nothing to rescue
                rescued[p.name] = problem or ("case_variant_of_" + registered.name if registered else "column_limit")
            continue
        if p.name in slots:
            # The parser sends a registered column's value to the record only when the column cannot hold it.
            rescued[p.name] = f"values_not_{registered.type}"
            columns.setdefault(p.name, ColumnPlan(name=p.name, type=registered.type, kinds=0, exact=True, slot=slots[p.name]))
            continue
        exact = fits_exactly(registered.type, p)
        if not exact:
            rescued[p.name] = f"values_not_{registered.type}"
        columns[p.name] = ColumnPlan(name=p.name, type=registered.type, kinds=p.kinds, exact=exact)
    return SchemaPlan(columns=tuple(sorted(columns.values(), key=lambda c: c.name)), rescued=rescued)


__all__ = [
    "BIGINT",
    "BOOLEAN",
    "DATE",
    "DOUBLE",
    "JSON",
    "KIND_STRING",
    "STRING",
    "TIMESTAMP",
    "ColumnPlan",
    "RegisteredColumn",
    "SchemaPlan",
    "decimal_of",
    "is_column_type",
    "is_converted",
    "plan_schema",
    "propose_columns",
    "type_for_kinds",
]
