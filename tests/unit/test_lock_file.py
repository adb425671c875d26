"""requirements.lock: the image's dependencies, pinned and hashed (issue 17, finding 13).

The Dockerfile installs it with `pip install --require-hashes --no-deps`, so a runtime dependency
missing from it would be missing from the image, and a pin outside pyproject's range would ship a
version the code does not declare. scripts/lock.sh regenerates it (docs/deploy.md).
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def locked() -> dict[str, tuple[Version, list[str]]]:
    """name → (version, sha256 hashes), from the lock's `name==version \\ --hash=...` entries."""
    entries: dict[str, tuple[Version, list[str]]] = {}
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith(("-", "http:", "https:", "git+")), f"lock line is not a pinned package: {line}"
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert match, f"not name==version with sha256 hashes: {line[:120]}"
        name = canonicalize_name(match[1])
        assert name not in entries, f"{name} pinned twice"
        entries[name] = (Version(match[2]), re.findall(r"sha256:([0-9a-f]{64})", match[3]))
    return entries


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["sentry"]]]


def test_every_runtime_dependency_is_pinned_in_range_and_hashed() -> None:
    lock = locked()
    assert len(lock) > 20
    for req in runtime_requirements():
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} (pyproject.toml) is not in requirements.lock: run scripts/lock.sh"
        version, hashes = lock[name]
        assert req.specifier.contains(version, prereleases=True), f"{name}=={version} outside {req.specifier}"
        assert hashes, name


def test_the_extras_named_in_pyproject_are_locked_too() -> None:
    # celery[redis], psycopg[binary,pool]: what each extra pulls in must be in the image as well.
    lock = locked()
    for req in runtime_requirements():
        if not req.extras:
            continue
        try:
            declared = [Requirement(r) for r in requires(req.name) or []]
        except PackageNotFoundError:  # pragma: no cover - every runtime dependency is in the venv
            continue
        for dep in declared:
            if dep.marker and any(dep.marker.evaluate({"extra": extra}) for extra in req.extras) \
                    and not dep.marker.evaluate({"extra": ""}):
                assert canonicalize_name(dep.name) in lock, f"{dep.name} (from {req}) is not locked"


def test_the_image_installs_the_lock_with_hashes_and_the_wheel_without_resolving() -> None:
    final = re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)[-1].replace("\\\n", " ")
    assert re.search(r"pip install --require-hashes --no-deps -r \S*requirements\.lock", final)
    assert re.search(r"pip install --no-index --no-deps /wheels/\*\.whl", final)
    assert "source=requirements.lock" in final
    ignore = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    assert "!requirements.lock" in ignore, "the lock must be in the build context"


def test_what_any_python_311_needs_is_locked() -> None:
    # pip-compile resolves for the venv's Python; the stand-in image runs Debian's 3.11.2, where redis
    # also needs async-timeout (python_full_version < 3.11.3). The image failed to import redis without it.
    lock = locked()
    env = {"python_version": "3.11", "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
           "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
    missing = []
    for name in lock:
        try:
            declared = [Requirement(r) for r in requires(name) or []]
        except PackageNotFoundError:
            continue
        for dep in declared:
            needed = dep.marker is None or any(
                dep.marker.evaluate({**env, "python_full_version": f"3.11.{patch}"}) for patch in range(0, 12))
            if needed and canonicalize_name(dep.name) not in lock:
                missing.append(f"{dep} (of {name})")
    assert not missing, f"not in requirements.lock (run scripts/lock.sh): {missing}"
