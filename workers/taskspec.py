"""Task names, queues and routes, defined once: data only (stdlib), so the CLI, metrics and beat read
them without importing Celery or building the app.

A task's name is what travels in every Redis message and is stored in `articles.next_task`: renaming one
here is a data migration (migration 0001 defaults `next_task` to `FETCH_ARTICLE`'s value).
"""

from __future__ import annotations

from typing import Final

# Queues, by kind of work: `feeds` (beat ticks, polls, sweeps), `fetch` (page I/O), `nlp` (analysis,
# linking) and `reprocess` (operator re-processing, kept off the live queues from stage to stage).
FEEDS_QUEUE: Final = "feeds"
FETCH_QUEUE: Final = "fetch"
NLP_QUEUE: Final = "nlp"
REPROCESS_QUEUE: Final = "reprocess"
QUEUES: Final = (FEEDS_QUEUE, FETCH_QUEUE, NLP_QUEUE, REPROCESS_QUEUE)

# Task names.
POLL_DUE_FEEDS: Final = "silkwire.poll_due_feeds"
POLL_FEED: Final = "silkwire.poll_feed"
SWEEP_STUCK: Final = "silkwire.sweep_stuck"
SWEEP_UNLINKED: Final = "silkwire.sweep_unlinked"
FETCH_ARTICLE: Final = "silkwire.fetch_article"
FETCH_ARTICLES: Final = "silkwire.fetch_articles"
ANALYSE_ARTICLE: Final = "silkwire.analyse_article"
ANALYSE_ARTICLES: Final = "silkwire.analyse_articles"
EXTRACT_ARTICLE: Final = "silkwire.extract_article"
LINK_ARTICLE: Final = "silkwire.link_article"

# Each task's live queue (re-processing sends on REPROCESS_QUEUE instead, see workers.tasks.lanes).
ROUTES: Final[dict[str, str]] = {
    POLL_DUE_FEEDS: FEEDS_QUEUE,
    POLL_FEED: FEEDS_QUEUE,
    SWEEP_STUCK: FEEDS_QUEUE,
    SWEEP_UNLINKED: FEEDS_QUEUE,
    FETCH_ARTICLE: FETCH_QUEUE,
    FETCH_ARTICLES: FETCH_QUEUE,
    ANALYSE_ARTICLE: NLP_QUEUE,
    ANALYSE_ARTICLES: NLP_QUEUE,
    EXTRACT_ARTICLE: NLP_QUEUE,
    LINK_ARTICLE: NLP_QUEUE,
}
TASK_NAMES: Final = tuple(ROUTES)
