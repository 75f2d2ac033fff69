"""Concatenating Parquet parts into one file without decoding them, through parquet-mr (already on Spark's
classpath): ParquetFileWriter.appendFile copies whole row groups, so merging costs I/O only. Works on any
Hadoop path (file:, s3:)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import SparkSession

from .sizing import ROW_GROUP_BYTES


@dataclass(frozen=True)
class ParquetFile:
    path: str
    size: int
    rows: int


def list_parts(spark: SparkSession, directory: str) -> list[ParquetFile]:
    """Spark's part files in a directory, in name (= partition) order, with their row counts."""
    jvm, conf = spark._jvm, spark._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    path = jvm.org.apache.hadoop.fs.Path(directory)
    fs = path.getFileSystem(conf)
    if not fs.exists(path):
        return []
    statuses = [s for s in fs.listStatus(path) if s.isFile() and s.getPath().getName().endswith(".parquet")]
    statuses.sort(key=lambda s: s.getPath().getName())
    return [ParquetFile(s.getPath().toString(), int(s.getLen()), _row_count(spark, s.getPath().toString())) for s in statuses]


def _row_count(spark: SparkSession, path: str) -> int:
    jvm, conf = spark._jvm, spark._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    input_file = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(jvm.org.apache.hadoop.fs.Path(path), conf)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(input_file)
    try:
        return int(reader.getRecordCount())
    finally:
        reader.close()


def merge_parts(spark: SparkSession, parts: Sequence[ParquetFile], output: str) -> ParquetFile:
    """Writes `output` holding the row groups of `parts` in order. All parts come from one DataFrame write,
    so their schemas are identical, which appendFile requires."""
    if not parts:
        raise ValueError("nothing to merge")
    jvm, conf = spark._jvm, spark._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    hadoop = jvm.org.apache.parquet.hadoop
    Path = jvm.org.apache.hadoop.fs.Path
    first = hadoop.ParquetFileReader.open(hadoop.util.HadoopInputFile.fromPath(Path(parts[0].path), conf))
    try:
        meta = first.getFooter().getFileMetaData()
        schema, key_values = meta.getSchema(), meta.getKeyValueMetaData()
    finally:
        first.close()
    mode = getattr(hadoop, "ParquetFileWriter$Mode").OVERWRITE
    out_path = Path(output)
    writer = hadoop.ParquetFileWriter(hadoop.util.HadoopOutputFile.fromPath(out_path, conf), schema, mode, ROW_GROUP_BYTES, 0)
    writer.start()
    for part in parts:
        writer.appendFile(hadoop.util.HadoopInputFile.fromPath(Path(part.path), conf))
    # Spark's schema (key "org.apache.spark.sql.parquet.row.metadata") rides along, so Spark reads the
    # merged file back with exactly the types it wrote.
    writer.end(key_values)
    size = int(out_path.getFileSystem(conf).getFileStatus(out_path).getLen())
    return ParquetFile(out_path.toString(), size, sum(p.rows for p in parts))
