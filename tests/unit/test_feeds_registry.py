"""load_registry: [[feed]] tables → FeedSpec, with ValueError naming the feed on a bad entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.feeds.registry import FeedSpec, load_registry

GOOD = """
[[feed]]
name = "mfa-kz-ru"
source = "MFA of Kazakhstan"
url = "https://www.gov.kz/memleket/entities/mfa/press/news?lang=ru"
kind = "listing"
pattern = '^https://www\\.gov\\.kz/memleket/entities/mfa/press/news/details/\\d+'
language = "ru"
country = "KZ"
category = "mfa"
poll_interval_s = 900
verified = false

[[feed]]
name = "xinhua-ru"
source = "Xinhua (Russian)"
url = "https://russian.news.cn/rss/world.xml"
kind = "rss"
language = "ru"
country = "CN"
category = "agency"
poll_interval_s = 600
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_registry(tmp_path: Path) -> None:
    specs = load_registry(write(tmp_path, GOOD))
    assert [s.name for s in specs] == ["mfa-kz-ru", "xinhua-ru"]
    first, second = specs
    assert isinstance(first, FeedSpec)
    assert first.kind == "listing" and first.pattern and first.enabled and not first.verified
    assert second.pattern is None and second.enabled is False
    assert second.url == "https://russian.news.cn/rss/world.xml"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('kind = "rss"', 'kind = "podcast"'), "kind"),
        (("poll_interval_s = 600", 'poll_interval_s = "600"'), "poll_interval_s"),
        (("poll_interval_s = 600", "poll_interval_s = 5"), "poll_interval_s"),
        (('country = "CN"', 'country = "china"'), "country"),
        (('url = "https://russian.news.cn/rss/world.xml"', 'url = "ftp://russian.news.cn/rss"'), "url"),
        (("enabled = false", 'enabled = "no"'), "enabled"),
        (("enabled = false", "colour = 'red'"), "unknown keys"),
        (('source = "Xinhua (Russian)"\n', ""), "missing source"),
    ],
)
def test_bad_entry_names_the_feed(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(ValueError, match=f"xinhua-ru.*{message}"):
        load_registry(write(tmp_path, text))


def test_listing_needs_a_valid_pattern(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"mfa-kz-ru.*pattern"):
        load_registry(write(tmp_path, GOOD.replace("pattern = '^https", "pattern = '(^https")))
    no_pattern = "\n".join(line for line in GOOD.splitlines() if not line.startswith("pattern"))
    with pytest.raises(ValueError, match=r"mfa-kz-ru.*pattern"):
        load_registry(write(tmp_path, no_pattern))


def test_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"xinhua-ru.*twice"):
        load_registry(write(tmp_path, GOOD.replace('name = "mfa-kz-ru"', 'name = "xinhua-ru"')))


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TOML"):
        load_registry(write(tmp_path, "[[feed]\nname ="))


def test_project_registry_loads() -> None:
    path = Path(__file__).resolve().parents[2] / "seeds" / "feeds.toml"
    if not path.exists():
        pytest.skip("seeds/feeds.toml not written yet")
    specs = load_registry(path)
    assert specs and len({s.name for s in specs}) == len(specs)
