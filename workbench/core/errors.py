"""Errors by whose fault they are.

The CLI maps each family to an exit code and a one-line message; the UI shows the same line
with ``st.error``. Nothing else catches broadly.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class. ``str(err)`` is the one line a person reads."""

    exit_code = 1


class UserError(WorkbenchError):
    """The input or the configuration is wrong: the person can fix it (exit code 2)."""

    exit_code = 2


class InputError(UserError):
    """The article cannot be read: empty, binary, too large, undecodable."""


class ConfigError(UserError):
    """The config file, a backend entry, a prompt file or a CLI option is wrong."""


class BackendError(WorkbenchError):
    """The backend could not be reached or kept failing after retries (exit code 1)."""

    def __init__(
        self, backend: str, message: str, *, attempts: int = 0, unreachable: bool = False
    ) -> None:
        self.backend = backend
        self.attempts = attempts
        self.unreachable = unreachable  # no point trying the rest of the article
        super().__init__(f"backend {backend!r}: {message}")


class CacheError(WorkbenchError):
    """The shared cache server cannot be reached or used (exit code 1)."""


class ModelOutputError(WorkbenchError):
    """The model answered, but never with valid output, even after re-asking (exit code 1)."""

    def __init__(
        self,
        backend: str,
        stage: str,
        message: str,
        *,
        attempts: int,
        last_output: str = "",
        cached: bool = False,
    ) -> None:
        self.backend = backend
        self.stage = stage
        self.reason = message
        self.attempts = attempts
        self.last_output = last_output
        self.cached = cached  # the same request failed the same way before (deterministic model)
        tries = "in an earlier run (cached)" if cached else f"after {attempts} attempts"
        super().__init__(f"backend {backend!r}, stage {stage}: no valid output {tries} ({message})")


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` (an exception, a message quoting another library, model output) on one line,
    cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(str(text).split())
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


def validation_error_line(err: Exception) -> str:
    """A pydantic ``ValidationError`` as 'where: what', plus how many more problems there are."""
    errors = err.errors() if hasattr(err, "errors") else []
    if not errors:
        return one_line(err)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    line = f"{where}: {message}" if where else message
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return line


class SpendingCapReached(WorkbenchError):
    """A run reached its spending cap and stopped; what finished is kept (exit code 1)."""

    def __init__(self, cap: str, spent: str, *, calls: int) -> None:
        self.cap = cap
        self.spent = spent
        self.calls = calls
        self.report: object | None = None  # the partial Report, attached by the pipeline
        super().__init__(
            f"spending cap reached ({cap}): spent {spent} in {calls} model calls; the finished "
            "steps are kept and cached: raise the cap and run again to resume"
        )
