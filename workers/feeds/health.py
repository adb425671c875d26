"""Feed health: when a failing feed is muted, and when a permanently redirected feed moves (pure functions).

A feed is never disabled silently: muting stores its reason (`feeds.muted_reason`), shown by `silkwire
feeds health`, and only an operator unmutes it. Until then a failing feed backs off
(`schedule.backoff_interval_s`) and is polled again.
"""

from __future__ import annotations

from collections.abc import Sequence

# A permanent redirect seen this many polls in a row moves the stored feed URL.
MOVE_AFTER_REDIRECTS = 3
GONE = "gone: the server answered 410"


def muted_reason(*, status: int | None, permanent: bool, error: str, consecutive_errors: int,
                 mute_after: int) -> str | None:
    """Why a feed that just failed is muted now, or None to keep polling it with backoff.

    `consecutive_errors` counts this failure. 410 Gone mutes at once; otherwise only permanent errors
    (4xx, refused, unparseable) mute, after `mute_after` in a row: a transient outage never does.
    """
    if status == 410:
        return GONE
    if permanent and consecutive_errors >= mute_after:
        return f"muted after {consecutive_errors} consecutive errors: {error}"
    return None


def worker_lost(poll_attempts: int, max_attempts: int) -> str | None:
    """Why to stop polling a feed whose polls were sent again after their worker died each time, or None.

    `poll_attempts` counts the one starting now, so the polls that never finished are one fewer.
    """
    if poll_attempts > max_attempts:
        return f"gave up after {poll_attempts - 1} polls that never finished (worker lost)"
    return None


def permanent_redirects(redirects: Sequence[tuple[int, str]], final_url: str, *, previous_target: str | None,
                        previous_count: int, max_url_bytes: int) -> tuple[int, str | None]:
    """Consecutive polls permanently redirected (301/308 at every hop) to the same final URL, and that URL.

    A target too long for the unique index on feeds.url would fail every poll once the move is due: it is
    not counted (the feed stays where it is and its entries keep coming through the redirect).
    """
    if not redirects or any(status not in (301, 308) for status, _ in redirects):
        return 0, None
    if len(final_url.encode("utf-8", "surrogatepass")) > max_url_bytes:
        return 0, None
    if final_url == previous_target:
        return previous_count + 1, final_url
    return 1, final_url


def move_to(count: int, target: str | None) -> str | None:
    """The URL to move the feed to once the same permanent redirect was seen often enough."""
    return target if target and count >= MOVE_AFTER_REDIRECTS else None
