"""`python -m workers.launch`: every start script's exec refuses placeholder passwords and logs JSON lines
(issue 17 finding 13, issue 16 "Logs and secrets")."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workers.launch import JsonLines, placeholder_variables
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "SILKWIRE_DATABASE_URL": "postgresql://silkwire_app:Zq81rT0x@postgres:5432/silkwire",
    "SILKWIRE_BROKER_URL": "redis://:Hh2kL9@redis:6379/0",
    "SILKWIRE_REDIS_URL": "redis://:Hh2kL9@redis:6379/0",
}


def launch(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SILKWIRE_", "CELERY_", "FLOWER_"))}
    return subprocess.run([sys.executable, "-m", "workers.launch", *argv], capture_output=True, text=True,
                          env={**clean, **SAFE, **env}, cwd=ROOT, timeout=120, check=False)


def test_placeholders_are_found_in_settings_and_in_the_extra_variables() -> None:
    settings = Settings(database_url="postgresql://silkwire_app:change-me-app@postgres/silkwire",
                        broker_url=SAFE["SILKWIRE_BROKER_URL"], redis_url=SAFE["SILKWIRE_REDIS_URL"])
    env = {"FLOWER_BASIC_AUTH": "admin:change-me-flower", "POSTGRES_PASSWORD": "a-real-one"}
    assert placeholder_variables(settings, env) == ["SILKWIRE_DATABASE_URL", "FLOWER_BASIC_AUTH"]
    real = Settings(database_url=SAFE["SILKWIRE_DATABASE_URL"], broker_url=SAFE["SILKWIRE_BROKER_URL"],
                    redis_url=SAFE["SILKWIRE_REDIS_URL"])
    assert placeholder_variables(real, {"FLOWER_BASIC_AUTH": "ops:Kx9"}) == []


@pytest.mark.parametrize("json_on", ["true", "false"])
@pytest.mark.parametrize(("key", "value"), [
    ("SILKWIRE_BROKER_URL", "redis://:change-me-redis@redis:6379/0"),
    ("FLOWER_BASIC_AUTH", "admin:change-me-flower"),
    ("SILKWIRE_APP_DATABASE_URL", "postgresql://silkwire_app:change-me-app@postgres:5432/silkwire"),
])
def test_a_placeholder_stops_the_program_with_one_line(key: str, value: str, json_on: str) -> None:
    # The program would print its version and exit 0: it must not run at all.
    done = launch("silkwire", "--version", **{key: value, "SILKWIRE_LOG_JSON": json_on})
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    text = json.loads(line)["message"] if json_on == "true" else line
    assert text.startswith("refusing to start" if json_on == "true" else "silkwire: refusing to start")
    assert key in text and "placeholder" in text and "deploy/.env" in text
    assert value not in line  # named, not echoed


def test_a_bad_setting_is_one_line_not_a_traceback() -> None:
    done = launch("silkwire", "--version", SILKWIRE_DB_POOL_MAX="lots", SILKWIRE_LOG_JSON="false")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "SILKWIRE_DB_POOL_MAX" in line


def test_output_becomes_json_lines_and_the_exit_status_is_the_programs() -> None:
    done = launch("silkwire", "--version", SILKWIRE_LOG_JSON="true")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["message"].split()[0] for r in records] == ["silkwire"]
    assert records[0]["logger"] == "silkwire.stdout" and {"time", "level"} <= set(records[0])
    # A failing command keeps its status, and its error line is a record too
    bad = launch("silkwire", "no-such-verb", SILKWIRE_LOG_JSON="true")
    assert bad.returncode == 2
    assert all(json.loads(line) for line in bad.stderr.splitlines())
    # Text mode leaves the output alone
    plain = launch("silkwire", "--version", SILKWIRE_LOG_JSON="false")
    assert plain.returncode == 0 and plain.stdout.startswith("silkwire ")


def test_celery_banner_and_logs_are_json_lines() -> None:
    done = launch("celery", "-A", "workers.tasks.app", "report", SILKWIRE_LOG_JSON="true")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = (done.stdout + done.stderr).splitlines()
    assert len(lines) > 5
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_json_lines_wraps_text_passes_json_and_joins_partial_writes() -> None:
    raw = io.StringIO()
    stream = JsonLines(raw, "prog.stdout")
    stream.write("hello ")
    stream.write('wor\u200bld\n{"level": "INFO", "message": "already json"}\n\n   \n{not json\ntail')
    stream.close_pending()
    records = [json.loads(line) for line in raw.getvalue().splitlines()]
    assert [r["message"] for r in records] == ["hello wor\u200bld", "already json", "{not json", "tail"]
    assert records[0]["logger"] == "prog.stdout"


def test_a_crash_is_one_json_record_with_its_traceback() -> None:
    # A program that cannot even be imported (the image once lacked a module redis imports)
    crash = ("import sys, workers.launch as launch\n"
             "def broken(name):\n    raise ModuleNotFoundError(\"No module named 'async_timeout'\")\n"
             "launch.console_script = broken\nsys.exit(launch.main(['silkwire', '--version']))\n")
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("SILKWIRE_")}, **SAFE,
                               "SILKWIRE_LOG_JSON": "true"}, check=False)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    record = json.loads(line)
    assert record["level"] == "ERROR" and "silkwire stopped" in record["message"]
    assert "async_timeout" in record["exc_info"] and "Traceback" in record["exc_info"]


def test_the_handler_level_follows_the_log_level_setting() -> None:
    # A program that logs one INFO and one WARNING record, launched with SILKWIRE_LOG_LEVEL=WARNING
    program = ("import logging, sys, workers.launch as launch\n"
               "def entry():\n"
               "    log = logging.getLogger('silkwire.test')\n"
               "    log.info('quiet'); log.warning('loud'); return 0\n"
               "launch.console_script = lambda name: entry\n"
               "sys.exit(launch.main(['silkwire']))\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SILKWIRE_")}
    env = {**clean, **SAFE, "SILKWIRE_LOG_JSON": "true"}
    for level, expected in (("WARNING", ["loud"]), ("info", ["quiet", "loud"])):
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**env, "SILKWIRE_LOG_LEVEL": level}, check=False)
        assert done.returncode == 0, done.stderr
        assert [json.loads(line)["message"] for line in done.stderr.splitlines()] == expected
    bad = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**env, "SILKWIRE_LOG_LEVEL": "LOUD"}, check=False)
    assert bad.returncode == 2 and "SILKWIRE_LOG_LEVEL" in bad.stderr and len(bad.stderr.splitlines()) == 1


@pytest.mark.parametrize(("given", "level"), [("warning", "WARNING"), (" Debug ", "DEBUG"), ("", "INFO")])
def test_the_log_level_setting_takes_any_case_and_empty_is_the_default(given: str, level: str) -> None:
    # compose hands an unset SILKWIRE_LOG_LEVEL over as an empty string (an older deploy/.env lacks it)
    from workers.settings import Settings

    assert Settings(log_level=given).log_level == level
