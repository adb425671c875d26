"""Package discovery only; everything else is in pyproject.toml.

Here because the seeds directory (feed registry, gazetteer, replay corpus) ships inside the wheel as
the data package `workers.seeds` (mapped from ./seeds), and pyproject's `packages.find` cannot add a
mapped package next to what it finds. New subpackages of workers/ are found without a change here;
tests/unit/test_wheel_contents.py fails when a file under workers/, schedules/ or seeds/ is not in the wheel.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["workers", "workers.*", "schedules", "schedules.*"]), "workers.seeds"],
    package_dir={"workers.seeds": "seeds"},
)
