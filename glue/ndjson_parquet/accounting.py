"""Line numbers and per-file line accounting, from one small aggregate over the classified lines.

Spark reads a file as one or more splits; within a split, `_pos` grows by one per line. Counting the lines
of each split (file, block start) and ordering a file's splits by block start gives each split's first line
number, so line = _pos + (lines in earlier splits of the file) - (first _pos of the split) + 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from .errors import OutputIntegrityError
from .parse import STATUS_EMPTY, STATUS_OK, STATUS_REJECT
from .storage import local_path


@dataclass(frozen=True)
class Chunk:
    file: str  # as input_file_name() spells it
    block: int
    lines: int
    first_pos: int
    ok: int
    empty: int
    rejected: int
    untyped: int = 0  # ok lines with values the parser could not type (parse.py), which need profiling
    typed: tuple[int, ...] = ()  # per typed column (_c<i>), lines holding a value


@dataclass
class FileAccount:
    uri: str
    key: str
    bytes: int
    lines_read: int = 0
    rows_written: int = 0
    lines_rejected: int = 0
    empty_lines: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "uri": self.uri,
            "bytes": self.bytes,
            "lines_read": self.lines_read,
            "rows_written": self.rows_written,
            "lines_rejected": self.lines_rejected,
            "empty_lines": self.empty_lines,
        }


def chunk_counts(classified: DataFrame, slots: int = 0) -> DataFrame:
    """Per split: line counts by status, and what the schema step needs to know (one scan for both)."""
    status = F.col("_status")
    return classified.groupBy("_file", "_block").agg(
        F.count(F.lit(1)).alias("lines"),
        F.min("_pos").alias("first_pos"),
        F.sum((status == STATUS_OK).cast("long")).alias("ok"),
        F.sum((status == STATUS_EMPTY).cast("long")).alias("empty"),
        F.sum((status == STATUS_REJECT).cast("long")).alias("rejected"),
        F.count("_record").alias("untyped"),
        F.array(*[F.count(f"_c{i}") for i in range(slots)]).alias("typed"),
    )


def collect_chunks(counts: DataFrame) -> list[Chunk]:
    return [
        Chunk(
            r["_file"],
            int(r["_block"]),
            int(r["lines"]),
            int(r["first_pos"]),
            int(r["ok"]),
            int(r["empty"]),
            int(r["rejected"]),
            int(r["untyped"]),
            tuple(int(n) for n in r["typed"]),
        )
        for r in counts.collect()
    ]


def typed_presence(chunks: Sequence[Chunk], names: Sequence[str]) -> frozenset[str]:
    """Which typed columns (_c<i> holds names[i]) have a value in some line."""
    return frozenset(name for i, name in enumerate(names) if any(c.typed[i] for c in chunks))


def normalize_path(path: str) -> str:
    """input_file_name() percent-encodes and may respell file: paths; compare paths in one spelling."""
    path = unquote(path)
    if path.startswith("file:"):
        return local_path(path)
    for scheme in ("s3a://", "s3n://"):
        if path.startswith(scheme):
            return "s3://" + path[len(scheme) :]
    return path


def unescape_glob(path: str) -> str:
    out, i = [], 0
    while i < len(path):
        if path[i] == "\\" and i + 1 < len(path):
            i += 1
        out.append(path[i])
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class ChunkOffset:
    file: str
    block: int
    file_index: int
    line_offset: int  # line number = _pos + line_offset
    file_lines: int


def line_offsets(chunks: Sequence[Chunk], spark_paths: Sequence[str]) -> list[ChunkOffset]:
    index = {normalize_path(unescape_glob(p)): i for i, p in enumerate(spark_paths)}
    by_file: dict[int, list[Chunk]] = {}
    for c in chunks:
        i = index.get(normalize_path(c.file), index.get(unescape_glob(c.file)))
        if i is None:
            raise OutputIntegrityError(f"Spark read a file the manifest does not list: {c.file}", file=c.file)
        by_file.setdefault(i, []).append(c)
    out: list[ChunkOffset] = []
    for i, file_chunks in by_file.items():
        total = sum(c.lines for c in file_chunks)
        before = 0
        for c in sorted(file_chunks, key=lambda c: c.block):
            out.append(ChunkOffset(c.file, c.block, i, before - c.first_pos + 1, total))
            before += c.lines
    return out


def file_accounts(chunks: Sequence[Chunk], offsets: Sequence[ChunkOffset], files: Sequence[tuple[str, str, int]]) -> list[FileAccount]:
    """Per manifest file (uri, key, bytes), in manifest order; files with no lines (empty files) get zeros."""
    accounts = [FileAccount(uri=uri, key=key, bytes=size) for uri, key, size in files]
    file_of = {(o.file, o.block): o.file_index for o in offsets}
    for c in chunks:
        a = accounts[file_of[(c.file, c.block)]]
        a.lines_read += c.lines
        a.rows_written += c.ok
        a.empty_lines += c.empty
        # A blank line is rejected too (reason empty_line): lines_read = rows_written + lines_rejected.
        a.lines_rejected += c.rejected + c.empty
    return accounts


OFFSETS_SCHEMA = T.StructType(
    [
        T.StructField("_file", T.StringType(), False),
        T.StructField("_block", T.LongType(), False),
        T.StructField("_source_uri", T.StringType(), False),
        T.StructField("_line_offset", T.LongType(), False),
        T.StructField("_file_lines", T.LongType(), False),
        T.StructField("_file_index", T.IntegerType(), False),
    ]
)


def offsets_frame(spark: SparkSession, offsets: Sequence[ChunkOffset], uris: Sequence[str]) -> DataFrame:
    rows = [(o.file, o.block, uris[o.file_index], o.line_offset, o.file_lines, o.file_index) for o in offsets]
    return spark.createDataFrame(rows, OFFSETS_SCHEMA)
