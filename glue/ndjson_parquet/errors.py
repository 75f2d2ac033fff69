"""Typed errors. Every error the job raises on purpose derives from JobError and carries its context, so
the report (and the Step Functions MarkFailed record) can say what failed and for which objects."""

from __future__ import annotations

from typing import Any


class JobError(Exception):
    """Base class; `context` is JSON-serialisable and is copied into the report's `error` block."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.context = context

    def as_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "message": str(self), **self.context}


class JobArgumentsError(JobError):
    """A job argument is missing or malformed."""


class ManifestNotFoundError(JobError):
    """The manifest object named by --manifest_path does not exist."""


class ManifestFormatError(JobError):
    """The manifest object is not the batcher's format."""


class ManifestMismatchError(JobError):
    """The run's arguments disagree with the manifest (date or id), or its files span several dates."""


class InputFilesMissingError(JobError):
    """Input files listed in the manifest are gone; `missing` names them."""


class InputChangedError(JobError):
    """Input files were overwritten since the manifest was built (ETag differs); `changed` names them."""


class PreconditionFailedError(JobError):
    """A conditional write lost a race (S3 412/409); the caller re-reads and retries."""


class SchemaRegistryError(JobError):
    """The column registry could not be updated (too much contention, or a malformed registry object)."""


class DeclaredColumnConflictError(JobError):
    """schema.columns declares a type for a registered column that differs from its registered type."""


class ParserUnavailableError(JobError):
    """The job's JVM line parser (glue/jvm) is not on Spark's classpath."""


class OutputIntegrityError(JobError):
    """The Parquet files written do not hold exactly the rows the job parsed; nothing is committed."""


class InjectedFault(JobError):
    """Raised by the local runtime's fault wrapper (chaos testing); never raised by the job itself."""
