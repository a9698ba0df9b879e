"""Knowledge base: articles (written up front) and the ticket links made while working.

Articles exist before the tickets are simulated, so a chunk can only link an article that
already existed at the moment of the link: per product, articles are kept sorted by
creation time and a `searchsorted` finds how many were available.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .arrays import allowed_values, ids, ints, pick, strings, timestamps
from .lifecycle import Chunk, draw_by_team
from .phrases import SUBJECTS
from .spec import PRODUCTS
from .staff import Staff
from .window import DAY, Window

ARTICLE_STATUSES = allowed_values("kb_articles", "status")
LINK_TYPES = allowed_values("kb_links", "link_type")
DRAFT, ACTIVE, RETIRED = (ARTICLE_STATUSES.index(s) for s in ("draft", "active", "retired"))
USED, CREATED, UPDATED = (LINK_TYPES.index(s) for s in ("used", "created", "updated"))
MIN_ARTICLES, TICKETS_PER_ARTICLE, MAX_ARTICLES = 50, 50, 2000
HISTORY_DAYS = 730  # the knowledge base predates the simulated period
RELEASE_PERIOD_DAYS = 91  # each product ships quarterly
CREATED_LINK_WINDOW = 5 * DAY


# (ticket rows in the chunk, article indices, link moments) of one link type.
Links = tuple[np.ndarray, np.ndarray, np.ndarray]


def article_count(tickets: int) -> int:
    return int(min(MAX_ARTICLES, max(MIN_ARTICLES, tickets // TICKETS_PER_ARTICLE)))


@dataclass(frozen=True)
class KnowledgeBase:
    article_ids: pa.Array
    product: np.ndarray
    author: np.ndarray
    created: np.ndarray
    updated: np.ndarray
    has_update: np.ndarray
    status: np.ndarray
    columns: dict[str, pa.Array]

    @property
    def size(self) -> int:
        return len(self.created)

    def linkable(self, product: int) -> tuple[np.ndarray, np.ndarray]:
        """Active articles of a product sorted by creation: (article indices, created)."""
        idx = np.flatnonzero((self.product == product) & (self.status == ACTIVE))
        idx = idx[np.argsort(self.created[idx], kind="stable")]
        return idx, self.created[idx]

    def authored(self, agent: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(self.author == agent)
        idx = idx[np.argsort(self.created[idx], kind="stable")]
        return idx, self.created[idx]


def _titles(
    product: np.ndarray, category: np.ndarray, english: np.ndarray, variant: np.ndarray
) -> list[str]:
    titles = []
    for p, cat, en, v in zip(product, category, english, variant, strict=True):
        zh_subject, en_subject = SUBJECTS[cat][v]
        name = PRODUCTS[p]
        titles.append(
            f"{name}: how to fix - {en_subject}" if en else f"{name}：{zh_subject}处理指南"
        )
    return titles


def build_articles(
    staff: Staff, window: Window, tickets: int, rng: np.random.Generator
) -> KnowledgeBase:
    n = article_count(tickets)
    # Strong and senior agents write most of the knowledge base.
    weight = staff.skill**2 * np.array([1.0, 1.5, 2.0])[staff.tier - 1]
    author = rng.choice(staff.size, size=n, p=weight / weight.sum())
    product = draw_by_team(staff.team[author], [t.product_mix for t in staff.teams], rng)
    hired = np.array([window.day_start(d) for d in staff.hired], dtype=np.int64)[author]

    # About half the articles predate the period; the rest are written during it, but only
    # while their author works here.
    in_period = rng.random(n) < 0.45
    lo = np.where(in_period, window.start_s, window.start_s - HISTORY_DAYS * DAY)
    hi = np.where(in_period, window.export_s, window.start_s)
    lo = np.maximum(lo, hired)
    hi = np.minimum(hi, staff.available_until[author])
    empty = hi <= lo  # a newcomer has no history: write during the period instead
    lo = np.where(empty, np.maximum(window.start_s, hired), lo)
    hi = np.where(empty, np.minimum(window.export_s, staff.available_until[author]), hi)
    created = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    age = window.export_s - created

    has_update = rng.random(n) < 0.7
    updated = created + (rng.random(n) * age).astype(np.int64)
    reviewed = rng.random(n) < 0.75
    # Uniform review moments over an article's life leave old articles with stale reviews.
    last_reviewed = created + (rng.random(n) * age).astype(np.int64)
    anchor = window.start_s - HISTORY_DAYS * DAY + rng.integers(0, RELEASE_PERIOD_DAYS, 5) * DAY
    period = RELEASE_PERIOD_DAYS * DAY
    covers = anchor[product] + ((created - anchor[product]) // period) * period
    has_covers = (rng.random(n) < 0.4) & (covers <= created)

    u = rng.random(n)
    young = age < 30 * DAY
    status = np.where(young & (u < 0.25), DRAFT, ACTIVE)
    status = np.where(~young & (u > 0.93), RETIRED, status)
    months = age / (30 * DAY)
    author_skill = staff.skill[author]
    helpful = rng.poisson(months * (1 + 4 * author_skill))
    unhelpful = rng.poisson(months * 1.5 * (1 - author_skill))
    voted = status != DRAFT

    skill_rows = staff.skills[author]
    category = np.array([rng.choice(np.flatnonzero(row)) for row in skill_rows], dtype=np.int64)
    english = np.array([staff.teams[t].calendar_id == "DE" for t in staff.team[author]])
    english |= rng.random(n) < 0.15
    titles = _titles(product, category, english, rng.integers(0, 3, n))

    article_ids = ids("KB", 0, n, 5)
    columns = {
        "article_id": article_ids,
        "title": strings(titles),
        "author_agent_id": pick(staff.agent_ids, author),
        "product": pick(PRODUCTS, product),
        "created_at": timestamps(created),
        "updated_at": timestamps(updated, valid=has_update),
        "last_reviewed_at": timestamps(last_reviewed, valid=reviewed),
        "covers_release_at": timestamps(covers, valid=has_covers),
        "status": pick(ARTICLE_STATUSES, status),
        "helpful_votes": ints(helpful, valid=voted),
        "unhelpful_votes": ints(unhelpful, valid=voted),
    }
    return KnowledgeBase(
        article_ids, product, author, created, updated, has_update, status, columns
    )


def _used_links(
    c: Chunk, kb: KnowledgeBase, resolved: np.ndarray, rng: np.random.Generator
) -> Links:
    """KCS 'used' links: good agents search and link much more often."""
    chosen = resolved & (rng.random(c.size) < 0.15 + 0.45 * c.skill)
    linked_at = np.where(
        c.fcr,
        c.t_resolve1,
        c.t_start + (rng.uniform(0.1, 1.0, c.size) * (c.t_resolve1 - c.t_start)),
    ).astype(np.int64)
    article = np.full(c.size, -1, dtype=np.int64)
    u = rng.random(c.size)
    for p in range(len(PRODUCTS)):
        rows = np.flatnonzero(chosen & (c.product == p))
        idx, created = kb.linkable(p)
        available = np.searchsorted(created, linked_at[rows], side="right")
        ok = available > 0
        pick_ = (u[rows] * available).astype(np.int64)
        article[rows[ok]] = idx[pick_[ok]]
    rows = np.flatnonzero(article >= 0)
    return rows, article[rows], linked_at[rows]


def _created_links(
    c: Chunk, kb: KnowledgeBase, resolved: np.ndarray, rng: np.random.Generator
) -> Links:
    """'created': the agent wrote up an article within days of resolving the ticket."""
    chosen = resolved & (rng.random(c.size) < 0.01 + 0.05 * c.skill)
    article = np.full(c.size, -1, dtype=np.int64)
    for a in np.unique(c.agent[chosen]):
        rows = np.flatnonzero(chosen & (c.agent == a))
        idx, created = kb.authored(int(a))
        k = np.searchsorted(created, c.t_final[rows], side="left")
        ok = k < idx.size
        ok[ok] &= created[k[ok]] - c.t_final[rows[ok]] <= CREATED_LINK_WINDOW
        article[rows[ok]] = idx[k[ok]]
    rows = np.flatnonzero(article >= 0)
    # One article is created from one ticket: keep the first ticket that claims it.
    _, first = np.unique(article[rows], return_index=True)
    rows = rows[np.sort(first)]
    return rows, article[rows], kb.created[article[rows]]


def _updated_links(
    c: Chunk, kb: KnowledgeBase, resolved: np.ndarray, rng: np.random.Generator
) -> Links:
    """'updated': the agent revised an article of the product while resolving; only links
    consistent with the article's last update time are kept."""
    chosen = resolved & (rng.random(c.size) < 0.01 + 0.03 * c.skill)
    article = np.full(c.size, -1, dtype=np.int64)
    u = rng.random(c.size)
    for p in range(len(PRODUCTS)):
        rows = np.flatnonzero(chosen & (c.product == p))
        idx = np.flatnonzero((kb.product == p) & (kb.status != DRAFT))
        if not rows.size or not idx.size:
            continue
        cand = idx[(u[rows] * idx.size).astype(np.int64)]
        at = c.t_final[rows]
        ok = kb.has_update[cand] & (kb.created[cand] <= at) & (kb.updated[cand] >= at)
        article[rows[ok]] = cand[ok]
    rows = np.flatnonzero(article >= 0)
    return rows, article[rows], c.t_final[rows]


def build_links(
    c: Chunk,
    kb: KnowledgeBase,
    ticket_ids: pa.Array,
    agent_ids: list[str],
    export_s: int,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    resolved = c.t_final < export_s
    parts = [
        (*_used_links(c, kb, resolved, rng), USED),
        (*_created_links(c, kb, resolved, rng), CREATED),
        (*_updated_links(c, kb, resolved, rng), UPDATED),
    ]
    rows = np.concatenate([p[0] for p in parts])
    article = np.concatenate([p[1] for p in parts])
    linked_at = np.concatenate([p[2] for p in parts])
    link_type = np.concatenate([np.full(p[0].size, p[3], dtype=np.int64) for p in parts])
    keep = linked_at < export_s
    rows, article, linked_at, link_type = (
        rows[keep],
        article[keep],
        linked_at[keep],
        link_type[keep],
    )
    order = np.lexsort((link_type, linked_at, rows))
    rows, article, linked_at, link_type = (
        rows[order],
        article[order],
        linked_at[order],
        link_type[order],
    )
    return {
        "ticket_id": ticket_ids.take(pa.array(rows, pa.int64())),
        "article_id": kb.article_ids.take(pa.array(article, pa.int64())),
        "agent_id": pick(agent_ids, c.agent[rows]),
        "linked_at": timestamps(linked_at),
        "link_type": pick(LINK_TYPES, link_type),
    }
