"""Reading and classifying lines: the job's only pass over the input.

Each line is read once as bytes (with its file, split and position, from which line numbers are derived
later) and handed to the job's JVM parser, `ndjsonparquet.LineParser` (glue/jvm), which checks UTF-8, skips
a BOM, tells blank lines, parses the line as one JSON object and, in the same scan of its bytes, puts each
value either into its registered column's typed field (`_c0`, `_c1`, ... in the order of the columns given)
or, when no column of the registry holds it, into `_record`: a map from tagged key to tagged value. Tagged
means a string value arrives as "\x01<text>", a number or boolean as its JSON literal, an object or array as
its compact JSON text; so the string "12" and the number 12 stay apart, which a map<string,string> of plain
JSON values cannot do. Nothing else starts with U+0001: JSON text cannot (control characters must be
escaped), so the tag is unambiguous.

Spark's own JSON functions could do this only with a regular expression over every line to tag strings
first, which cost three times the parse (docs/glue.md, "Performance").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .errors import ParserUnavailableError

TAG = "\u0001"
STATUS_OK, STATUS_EMPTY, STATUS_REJECT = 0, 1, 2

PARSER_CLASS = "ndjsonparquet.LineParser"

SPARK_TYPES = {"string": T.StringType(), "json": T.StringType(), "double": T.DoubleType(), "boolean": T.BooleanType()}
# The parser's type for every other registered type (the declared bigint, decimal, date, timestamp): the
# value's exact text, converted by declared.convert. Keeps the parser's typed fast path as it was.
RAW = "raw"


def parser_type(column_type: str) -> str:
    return column_type if column_type in SPARK_TYPES else RAW


def parsed_type(columns: Sequence[tuple[str, str]]) -> T.StructType:
    """What the parser returns for registered `columns` (name, type): status, reason, record, shape, c0, ..."""
    fixed = [
        T.StructField("status", T.ByteType()),
        T.StructField("reason", T.StringType()),
        T.StructField("record", T.MapType(T.StringType(), T.StringType())),
        T.StructField("shape", T.StringType()),
    ]
    return T.StructType(
        fixed + [T.StructField(f"c{i}", SPARK_TYPES.get(parser_type(t), T.StringType())) for i, (_, t) in enumerate(columns)]
    )


def register_parser(spark: SparkSession, columns: Sequence[tuple[str, str]], parser_class: str = PARSER_CLASS) -> str:
    """Registers a parser for these columns under a fresh name (runs sharing a session never clash) and
    returns the name. The parser ships to executors with its columns, serialised with the UDF."""
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    gateway = spark.sparkContext._gateway  # type: ignore[attr-defined]
    spec = gateway.new_array(jvm.java.lang.String, len(columns))
    for i, (name, column_type) in enumerate(columns):
        spec[i] = f"{name}:{parser_type(column_type)}"
    constructor = jvm
    for part in parser_class.split("."):
        constructor = getattr(constructor, part)
    try:
        parser = constructor(spec)
    except TypeError:  # py4j resolves an unknown class to a package, which is not callable
        raise ParserUnavailableError(
            f"{parser_class} is not on the Spark classpath: the job needs build/ndjson-parquet-glue.jar "
            "(--extra-jars on Glue, spark.jars locally; `npm run setup` builds it)",
            parser_class=parser_class,
        ) from None
    name = f"ndjson_parse_{uuid.uuid4().hex}"
    jsession = spark._jsparkSession  # type: ignore[attr-defined]
    jsession.udf().register(name, parser, jsession.parseDataType(parsed_type(columns).json()))
    return name


def read_lines(spark: SparkSession, paths: Sequence[str]) -> DataFrame:
    """One row per line: `_file` and `_block` (the split it was read from) and `_pos`, increasing by one per
    line within a split, taken straight off the scan before anything can filter or reorder rows.
    Lines end at \\n, \\r\\n or \\r (Hadoop's reader), so CRLF files need no special handling."""
    return spark.read.text(list(paths)).select(
        F.input_file_name().alias("_file"),
        F.input_file_block_start().alias("_block"),
        F.monotonically_increasing_id().alias("_pos"),
        F.col("value"),
    )


def classify_lines(lines: DataFrame, parser: str, slots: int) -> DataFrame:
    """Adds `_status` (ok / empty / reject), `_reason` (empty and reject), `_raw` (empty and reject) and
    `_raw_b64` (invalid UTF-8 only),
    `_record` (values no registered column holds, ok rows only; null when there are none), `_shape` (the
    record's fields and kinds, see profile.py) and `_c0` ...
    `_c<slots-1>` (the registered columns' values). Keeps `_file`, `_block`, `_pos`."""
    parsed = lines.select("_file", "_block", "_pos", "value", F.call_udf(parser, F.col("value").cast("binary")).alias("_p"))
    status, reason = F.col("_p.status"), F.col("_p.reason")
    return parsed.select(
        "_file",
        "_block",
        "_pos",
        status.alias("_status"),
        reason.alias("_reason"),
        F.when(status != STATUS_OK, F.decode(F.col("value").cast("binary"), "UTF-8")).alias("_raw"),
        F.when(reason == "invalid_utf8", F.base64(F.col("value").cast("binary"))).alias("_raw_b64"),
        F.col("_p.record").alias("_record"),
        F.col("_p.shape").alias("_shape"),
        *[F.col(f"_p.c{i}").alias(f"_c{i}") for i in range(slots)],
    )


def is_string(value: Column) -> Column:
    return value.startswith(TAG)


def string_text(value: Column) -> Column:
    """The text of a tagged string value."""
    return F.substring(value, 2, 1 << 30)


def json_text(value: Column) -> Column:
    """Any tagged value as JSON text: strings quoted and escaped, other values as they are."""
    # to_json of a one-element array is the simplest Spark-native JSON string escaper: ["..."] minus brackets.
    quoted = F.to_json(F.array(string_text(value)))
    as_json = quoted.substr(F.lit(2), F.length(quoted) - 2)
    return F.when(is_string(value), as_json).otherwise(value)
