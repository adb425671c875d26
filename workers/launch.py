"""Start one deployed role (`python -m workers.launch celery|silkwire ...`): every start script's exec.

Two things every container needs before its program runs, done once here:

- **No placeholder passwords.** A value still holding a `change-me` placeholder from
  `deploy/.env.example` (a database or Redis URL, a role password, Flower's basic auth) stops the
  container with one line naming the variable and exit status 2 (docs/deploy.md, issue 17 finding 13).
- **JSON lines when `SILKWIRE_LOG_JSON` is on**, whatever the program prints: the root logger gets the
  JSON handler first (Flower's tornado then adds none of its own), and stdout/stderr are wrapped so a
  line that is not already a JSON object (celery's banners, rich output of `silkwire db migrate`,
  warnings) becomes one record. The program then runs in this process, so it gets signals from the
  init directly and its exit status is the container's.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any, TextIO

from pydantic import SecretStr, ValidationError

PLACEHOLDER = "change-me"
# Read by our start scripts or by Flower itself, not by Settings; checked all the same.
EXTRA_SECRET_VARIABLES = ("FLOWER_BASIC_AUTH", "POSTGRES_PASSWORD", "REDIS_PASSWORD")


def placeholder_variables(settings: Any, environ: Mapping[str, str]) -> list[str]:
    """Names of the variables whose value still holds a placeholder password, in a stable order."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str) and PLACEHOLDER in text.lower():
            found.append(f"SILKWIRE_{name.upper()}")
    found += [key for key in EXTRA_SECRET_VARIABLES if PLACEHOLDER in environ.get(key, "").lower()]
    return found


def refusal(names: Iterable[str]) -> str:
    return (f"refusing to start: {', '.join(names)} still hold(s) a placeholder password ({PLACEHOLDER}-…) "
            "from deploy/.env.example; set real passwords in deploy/.env")


class JsonLines(io.TextIOBase):
    """A text stream that writes whole lines, each a JSON object: JSON passes through, text is wrapped."""

    def __init__(self, raw: TextIO, logger: str) -> None:
        self.raw, self.logger, self.pending = raw, logger, ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.raw.fileno()

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def close_pending(self) -> None:
        if self.pending:
            self._emit(self.pending)
            self.pending = ""
        self.raw.flush()

    def _emit(self, line: str) -> None:
        line = line.rstrip("\r")
        if not line.strip():
            return
        if line.startswith("{"):
            try:
                json.loads(line)
            except ValueError:
                pass
            else:
                self.raw.write(line + "\n")
                return
        self.raw.write(json_record(line, self.logger))
        self.raw.flush()


def json_record(message: str, logger: str, level: str = "INFO") -> str:
    record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": level,
              "logger": logger, "message": message}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _json_safe_say(fd: int) -> Any:
    """celery's worker says its shutdown notices with os.write on the stream's descriptor (safe inside
    a signal handler), past any wrapper: say them as JSON records, still with one os.write."""

    def safe_say(msg: str, f: Any = None) -> None:
        # best effort, as celery's own: never abort a shutdown for a notice
        with contextlib.suppress(OSError):
            os.write(fd, json_record(msg.strip(), "celery.worker", "WARNING").encode())

    return safe_say


def use_json_lines(program: str, level: str = "INFO") -> None:
    from workers.observability.logging import configure_logging

    out, err = JsonLines(sys.stdout, f"{program}.stdout"), JsonLines(sys.stderr, f"{program}.stderr")
    # Celery's worker prints its banner and shutdown notices to sys.__stdout__ (not sys.stdout), so
    # the originals are replaced as well; the raw streams stay reachable through the wrappers.
    sys.stdout = sys.__stdout__ = out  # type: ignore[misc,assignment]
    sys.stderr = sys.__stderr__ = err  # type: ignore[misc,assignment]
    if program == "celery":
        import celery.apps.worker

        celery.apps.worker.safe_say = _json_safe_say(out.fileno())
    atexit.register(out.close_pending)
    atexit.register(err.close_pending)
    configure_logging(json=True, level=level)
    logging.captureWarnings(True)


def say(line: str, as_json: bool) -> None:
    """One line on stderr, where `docker compose logs` shows it: a JSON record or plain text."""
    if as_json:
        sys.stderr.write(json_record(line, "silkwire.launch", "ERROR"))
        sys.stderr.flush()
    else:
        print(f"silkwire: {line}", file=sys.stderr, flush=True)


def console_script(name: str) -> Any:
    found = entry_points(group="console_scripts", name=name)
    if not found:
        raise SystemExit(f"silkwire: no program named {name!r} is installed")
    return next(iter(found)).load()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m workers.launch PROGRAM [ARGS...]  (PROGRAM: celery, silkwire)", file=sys.stderr)
        return 2
    from workers.settings import Settings

    # Settings may fail to build; its one line still follows SILKWIRE_LOG_JSON, read here for that alone.
    as_json = os.environ.get("SILKWIRE_LOG_JSON", "true").strip().lower() in ("1", "true", "yes", "on")
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"SILKWIRE_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        say(f"refusing to start: {problems}", as_json)
        return 2
    as_json = settings.log_json
    names = placeholder_variables(settings, os.environ)
    if names:
        say(refusal(names), as_json)
        return 2
    program = os.path.basename(args[0])
    if as_json:
        use_json_lines(program, settings.log_level)
    if not as_json:
        return run(program, args[1:])
    try:
        return run(program, args[1:])
    except Exception:
        # One record with the whole traceback (the JSON formatter folds it into `exc_info`), not one per line.
        logging.getLogger("silkwire.launch").exception("%s stopped on an unexpected error", program)
        return 1


def run(program: str, args: list[str]) -> int:
    entry = console_script(program)
    sys.argv = [program, *args]
    result = entry()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
