"""Reading and classifying lines: the job's only pass over the input.

Each line is read once as text (with its file, split and position, from which line numbers are derived
later), checked for UTF-8, and parsed once by Spark's JSON parser into map<string,string>. Before parsing,
every JSON string value gets a \\u0001 tag after its opening quote: the parser turns a string value into its
unescaped text and any other value into its JSON text, so without the tag the string "12" and the number 12
would look alike. A string value therefore comes out as "\\x01<text>", a number or boolean as its literal,
an object or array as JSON text (whose own strings carry the tag, removed by `untag_json`). A raw U+0001
cannot occur inside a valid JSON string (control characters must be escaped), so the tag is unambiguous.
"""

from __future__ import annotations

from typing import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

TAG = "\u0001"
STATUS_OK, STATUS_EMPTY, STATUS_REJECT = 0, 1, 2

# A JSON string token, unrolled and possessive so that long strings cannot overflow Java's regex stack.
_STRING_TOKEN = r'(?s)"([^"\\]*+(?:\\.[^"\\]*+)*+)"'
_TAGGED_STRING = r'"\\u0001$1"'
# In compact JSON (what JSON.stringify writes) every key follows `{"` or `,"` and every string member value
# follows `":"`, which plain byte replacements find far faster than the regular expression (array elements
# after `[` stay untagged, which only matters inside json text, where tags are removed anyway). A line with
# whitespace next to `{`, `,` or `:` may be spaced otherwise, so it takes the regular expression. One of
# these sequences that is not a boundary can only end a string (as in "x{" or "x\":"), so its tag lands
# after a closing quote, which no JSON parser accepts: such a line is parsed again with the regular
# expression.
_COMPACT_BOUNDARIES = ('{"', ',"', '":"')
# In JSON text re-serialised by Jackson (compact, control characters escaped as \u0001), a tagged string
# starts right after one of [ { , : and a quote that ends a string is never followed by \u0001.
_TAGGED_IN_JSON = r'([\[{,:])"\\u0001'

RECORD_TYPE = "array<map<string,string>>"


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


def classify_lines(lines: DataFrame) -> DataFrame:
    """Adds `_status` (ok / empty / reject), `_reason` (rejects only), `_raw` and `_raw_b64` (rejects only)
    and `_record` (the tagged map, ok rows only). Keeps `_file`, `_block`, `_pos`."""
    value = F.col("value")
    decoded = F.decode(value.cast("binary"), "UTF-8")
    step1 = lines.select(
        "_file",
        "_block",
        "_pos",
        value,
        # Spark keeps a line's bytes as they are; decoding replaces malformed sequences, so a difference
        # means the line was not valid UTF-8 (and parsing it would silently turn bytes into U+FFFD).
        (decoded == value).alias("_utf8"),
        # A BOM is tolerated at the start of any line (files concatenated with their BOMs keep them).
        F.when(value.startswith("\ufeff"), F.expr("substring(value, 2)")).otherwise(value).alias("_line"),
    )
    line = F.col("_line")
    quick = step1.select("*", F.when(is_compact(line), parse_tagged(tag_compact(line))).alias("_quick"))
    quick_ok = (F.size("_quick") == 1) & F.col("_quick").getItem(0).isNotNull()
    # Whatever the byte replacement could not settle (spaced JSON, a false `":"`, or a bad line, whose
    # reason is worked out below) is parsed with the regular expression's tags.
    step2 = quick.select("*", F.when(quick_ok, F.col("_quick")).otherwise(parse_exact(line)).alias("_parsed")).drop("_quick")
    parsed = F.col("_parsed")
    one_object = (F.size(parsed) == 1) & parsed.getItem(0).isNotNull()
    # Spark keeps both entries of a repeated key and a lookup would see only the first: the line is
    # ambiguous, so it is rejected whole (with its raw text) rather than losing one value silently.
    duplicate_keys = F.size(F.array_distinct(F.map_keys(parsed.getItem(0)))) < F.size(parsed.getItem(0))
    status = (
        F.when(~F.col("_utf8"), F.lit(STATUS_REJECT))
        .when(one_object & ~duplicate_keys, F.lit(STATUS_OK))
        # Only lines that did not parse can be blank; testing every line would cost as much as parsing.
        .when(is_blank(F.col("_line")), F.lit(STATUS_EMPTY))
        .otherwise(F.lit(STATUS_REJECT))
        .cast("tinyint")
    )
    step3 = step2.select("_file", "_block", "_pos", status.alias("_status"), one_object.alias("_object"), "_utf8", "_line", "_parsed", "value")
    is_reject = F.col("_status") == STATUS_REJECT
    reason = (
        F.when(~F.col("_utf8"), F.lit("invalid_utf8"))
        .when(is_reject & F.col("_object"), F.lit("duplicate_keys"))
        .when(is_reject, failure_reason(F.col("_line"), parsed))
    )
    return step3.select(
        "_file",
        "_block",
        "_pos",
        "_status",
        reason.alias("_reason"),
        F.when(is_reject, F.decode(F.col("value").cast("binary"), "UTF-8")).alias("_raw"),
        F.when(~F.col("_utf8"), F.base64(F.col("value").cast("binary"))).alias("_raw_b64"),
        F.when(F.col("_status") == STATUS_OK, parsed.getItem(0)).alias("_record"),
    )


def is_blank(line: Column) -> Column:
    """Nothing but JSON whitespace (CR is already gone: it ends a line)."""
    return F.trim(F.translate(line, "\t", " ")) == ""


def tag_strings(line: Column) -> Column:
    """Tags every string token, keys included, with the regular expression: exact for any valid JSON."""
    return F.regexp_replace(line, _STRING_TOKEN, _TAGGED_STRING)


def parse_exact(line: Column) -> Column:
    return parse_tagged(tag_strings(line))


def is_compact(line: Column) -> Column:
    """No whitespace next to `{`, `,` or `:` anywhere: then every key and member value starts right at one of
    _COMPACT_BOUNDARIES. (Such whitespace inside a string only sends the line to the regular expression.)"""
    spaced = [f"{c}{w}" for c in "{,:" for w in " \t"] + [f"{w}:" for w in " \t"]
    compact = F.lit(True)
    for sequence in spaced:
        compact = compact & (F.instr(line, sequence) == 0)
    return compact


def tag_compact(line: Column) -> Column:
    """Tags the keys and string member values of a compact line with byte replacements (see
    _COMPACT_BOUNDARIES)."""
    for boundary in _COMPACT_BOUNDARIES:
        line = F.replace(line, F.lit(boundary), F.lit(boundary + "\\u0001"))
    return line


def parse_tagged(line: Column) -> Column:
    return F.from_json(F.concat(F.lit("["), line, F.lit("]")), RECORD_TYPE)


def failure_reason(line: Column, parsed: Column) -> Column:
    """Why a non-empty, valid UTF-8 line is not one JSON object. `invalid_json` on a file's last line may
    later become `truncated_last_line` (rejects.py), once line numbers are known."""
    # Parsing the line as an array element tells valid-but-not-an-object from invalid; it only runs for
    # lines that already failed.
    values = F.from_json(F.concat(F.lit("["), line, F.lit("]")), "array<string>")
    return (
        F.when((F.size(parsed) > 1) | (F.size(values) > 1), F.lit("multiple_values"))
        .when((F.size(values) == 1) & F.ltrim(line).startswith("["), F.lit("top_level_array"))
        .when(F.size(values) == 1, F.lit("top_level_scalar"))
        .otherwise(F.lit("invalid_json"))
    )


def untag_json(text: Column) -> Column:
    """JSON text of an object or array value, with the tags removed from its strings."""
    return F.regexp_replace(text, _TAGGED_IN_JSON, "$1\"")


def is_string(value: Column) -> Column:
    return value.startswith(TAG)


def string_text(value: Column) -> Column:
    """The text of a tagged string value."""
    return F.substring(value, 2, 1 << 30)


def json_text(value: Column, may_be_container: bool = True) -> Column:
    """Any tagged value as JSON text: strings quoted and escaped, other values as they are."""
    # to_json of a one-element array is the simplest Spark-native JSON string escaper: ["..."] minus brackets.
    quoted = F.to_json(F.array(string_text(value)))
    as_json = quoted.substr(F.lit(2), F.length(quoted) - 2)
    return F.when(is_string(value), as_json).otherwise(untag_json(value) if may_be_container else value)
