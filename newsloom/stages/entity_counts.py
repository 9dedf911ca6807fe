"""Running counts per entity for the resolve stage, so a batch costs what it links, not what the entity has.

After each batch the resolve stage re-picks the canonical name and the type of every entity the batch
linked mentions to (``resolve.canonical_name``, ``resolve.majority_type``). Both need counts over all
of the entity's mentions (per name: articles, sources, mentions, the first mention; per article: the
label most of its mentions carry), and a country or a head of state gathers mentions in proportion to
the corpus: recounting them every batch made the stage's cost per article grow with the corpus. So the
counts are kept in tables (migration ``0105_entity_stats``) and a batch adds the mentions it linked.

A change to linked mentions other than a new link (a merge, a paragraph the boilerplate stage cut,
any edit) marks the entity in ``entity_dirty`` (triggers on ``mentions``); a dirty entity is counted
anew from its mentions the next time the stage sees it, as every entity was before. A merge by the
stage itself (:func:`fold`) adds the merged entity's counts to the kept one's instead, when neither is
dirty: a recount costs what the kept entity has (a country: a share of the corpus), a fold what the
merged one has.
"""
from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence

__all__ = ["PLACES", "NameCount", "kind_of", "batch_links", "is_dirty", "recount", "add", "names", "kinds",
           "article_vote", "fold"]

#: (name, articles, sources, mentions, rowid of its first mention): what ``resolve.canonical_name`` reads
NameCount = tuple[str, int, int, int, int]
#: one linked mention of a batch: (name, label, article id, source, rowid)
Link = tuple[str, str, str, "str | None", int]

_CHUNK = 900
#: the labels of places, which vote together
PLACES = ("GPE", "LOC", "FAC")


def kind_of(label: str) -> str:
    """The kind an article votes for: places (GPE, LOC, FAC) together, any other label as itself."""
    return "PLACE" if label in PLACES else label


def article_vote(counts: Counter) -> str:
    """The kind one article votes for: the one most of its mentions of the entity carry (then PERSON, then by
    name), from its mentions per label."""
    kinds: Counter = Counter()
    for label, n in counts.items():
        kinds[kind_of(label)] += n
    return max(kinds.items(), key=lambda kv: (kv[1], kv[0] == "PERSON", kv[0]))[0]


def batch_links(conn: sqlite3.Connection, articles: Sequence[str]) -> dict[str, list[Link]]:
    """The linked mentions of ``articles`` (a batch just resolved), per entity."""
    out: dict[str, list[Link]] = defaultdict(list)
    for start in range(0, len(articles), _CHUNK):
        chunk = list(articles[start:start + _CHUNK])
        for eid, *link in conn.execute(
                f"SELECT m.entity_id, m.name, m.label, m.article_id, a.source, m.rowid FROM mentions m JOIN articles a"
                f" ON a.id = m.article_id WHERE m.article_id IN ({', '.join('?' for _ in chunk)}) AND m.entity_id IS"
                f" NOT NULL", chunk):
            out[eid].append(tuple(link))  # type: ignore[arg-type]
    return out


def is_dirty(conn: sqlite3.Connection, eid: str) -> bool:
    return conn.execute("SELECT 1 FROM entity_dirty WHERE entity_id = ?", (eid,)).fetchone() is not None


def _clear(conn: sqlite3.Connection, eid: str) -> None:
    for table in ("entity_names", "entity_name_sources", "entity_labels", "entity_votes"):
        conn.execute(f"DELETE FROM {table} WHERE entity_id = ?", (eid,))


def recount(conn: sqlite3.Connection, eid: str) -> None:
    """Count entity ``eid`` anew from all its mentions (and no longer mark it dirty)."""
    _clear(conn, eid)
    conn.execute("INSERT INTO entity_names (entity_id, name, articles, mentions, seen) SELECT ?, m.name,"
                 " count(DISTINCT m.article_id), count(*), min(m.rowid) FROM mentions m JOIN articles a ON"
                 " a.id = m.article_id WHERE m.entity_id = ? GROUP BY m.name", (eid, eid))
    conn.execute("INSERT INTO entity_name_sources (entity_id, name, source) SELECT DISTINCT ?, m.name, a.source"
                 " FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.entity_id = ? AND a.source IS NOT"
                 " NULL", (eid, eid))
    per_article: dict[str, Counter] = defaultdict(Counter)
    for aid, label, n in conn.execute("SELECT article_id, label, count(*) FROM mentions WHERE entity_id = ?"
                                      " GROUP BY article_id, label", (eid,)):
        per_article[aid][label] += n
    _add_labels(conn, eid, per_article)
    conn.execute("DELETE FROM entity_dirty WHERE entity_id = ?", (eid,))


def add(conn: sqlite3.Connection, eid: str, links: list[Link]) -> None:
    """Add mentions newly linked to ``eid`` (all of them from articles it had no mention in before)."""
    per_name: dict[str, list[Link]] = defaultdict(list)
    per_article: dict[str, Counter] = defaultdict(Counter)
    for link in links:
        per_name[link[0]].append(link)
        per_article[link[2]][link[1]] += 1
    for name, rows in per_name.items():
        conn.execute("INSERT INTO entity_names (entity_id, name, articles, mentions, seen) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT (entity_id, name) DO UPDATE SET articles = articles + excluded.articles,"
                     " mentions = mentions + excluded.mentions, seen = min(seen, excluded.seen)",
                     (eid, name, len({r[2] for r in rows}), len(rows), min(r[4] for r in rows)))
        conn.executemany("INSERT OR IGNORE INTO entity_name_sources (entity_id, name, source) VALUES (?, ?, ?)",
                         [(eid, name, s) for s in {r[3] for r in rows} if s is not None])
    _add_labels(conn, eid, per_article)


def _add_labels(conn: sqlite3.Connection, eid: str, per_article: dict[str, Counter]) -> None:
    labels: Counter = Counter()
    votes: Counter = Counter()
    for counts in per_article.values():
        labels.update(counts)
        votes[article_vote(counts)] += 1
    conn.executemany("INSERT INTO entity_labels (entity_id, label, mentions) VALUES (?, ?, ?) ON CONFLICT"
                     " (entity_id, label) DO UPDATE SET mentions = mentions + excluded.mentions",
                     [(eid, label, n) for label, n in labels.items()])
    conn.executemany("INSERT INTO entity_votes (entity_id, kind, votes) VALUES (?, ?, ?) ON CONFLICT"
                     " (entity_id, kind) DO UPDATE SET votes = votes + excluded.votes",
                     [(eid, kind, n) for kind, n in votes.items()])


def names(conn: sqlite3.Connection, eid: str) -> list[NameCount]:
    """The entity's names with their counts, in name order."""
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        "SELECT n.name, n.articles, (SELECT count(*) FROM entity_name_sources s WHERE s.entity_id = n.entity_id AND"
        " s.name = n.name), n.mentions, n.seen FROM entity_names n WHERE n.entity_id = ? ORDER BY n.name", (eid,))]


def kinds(conn: sqlite3.Connection, eid: str) -> tuple[Counter, Counter]:
    """(articles voting per kind, mentions per label) of the entity."""
    votes = Counter(dict(conn.execute("SELECT kind, votes FROM entity_votes WHERE entity_id = ?", (eid,)).fetchall()))
    labels = Counter(dict(conn.execute("SELECT label, mentions FROM entity_labels WHERE entity_id = ?",
                                       (eid,)).fetchall()))
    return votes, labels


def fold(conn: sqlite3.Connection, keep: str, drop: str, batch: set[str]) -> bool:
    """Add entity ``drop``'s counts to ``keep``'s, before ``drop`` is merged into it (``resolve.merge_entities``),
    as a recount of ``keep`` after the merge would give them; ``keep`` is then no longer marked dirty by the merge.

    The counts cover the mentions in articles other than the ``batch`` being resolved (whose links the stage adds
    after the batch, :func:`add`). Names and labels add up; an article with mentions of both entities counts once
    for a name both have there, and votes once, for the kind of their mentions together.

    Args:
        conn: the connection, inside the merge's transaction.
        keep: the entity kept.
        drop: the entity merged into ``keep``.
        batch: the articles of the batch being resolved.

    Returns:
        False, changing nothing, when either entity is dirty (``keep`` is then counted anew, as before).
    """
    if is_dirty(conn, keep) or is_dirty(conn, drop):
        return False
    shared_names: Counter = Counter()
    votes: Counter = Counter()
    for aid, theirs in _per_article(conn, drop, batch).items():
        ours = _labels_in(conn, keep, aid)
        if not ours:
            continue
        for name in {r[0] for r in theirs} & {r[0] for r in ours}:
            shared_names[name] += 1
        mine, other = _by_label(ours), _by_label(theirs)
        votes[article_vote(mine)] -= 1
        votes[article_vote(other)] -= 1
        votes[article_vote(mine + other)] += 1
    for name, n_articles, n_mentions, seen in conn.execute(
            "SELECT name, articles, mentions, seen FROM entity_names WHERE entity_id = ?", (drop,)).fetchall():
        conn.execute("INSERT INTO entity_names (entity_id, name, articles, mentions, seen) VALUES (?, ?, ?, ?, ?)"
                     " ON CONFLICT (entity_id, name) DO UPDATE SET articles = articles + excluded.articles,"
                     " mentions = mentions + excluded.mentions, seen = min(seen, excluded.seen)",
                     (keep, name, n_articles - shared_names[name], n_mentions, seen))
    conn.execute("INSERT OR IGNORE INTO entity_name_sources (entity_id, name, source) SELECT ?, name, source FROM"
                 " entity_name_sources WHERE entity_id = ?", (keep, drop))
    conn.execute("INSERT INTO entity_labels (entity_id, label, mentions) SELECT ?, label, mentions FROM entity_labels"
                 " WHERE entity_id = ? ON CONFLICT (entity_id, label) DO UPDATE SET mentions = mentions +"
                 " excluded.mentions", (keep, drop))
    for kind, n in conn.execute("SELECT kind, votes FROM entity_votes WHERE entity_id = ?", (drop,)).fetchall():
        votes[kind] += n
    conn.executemany("INSERT INTO entity_votes (entity_id, kind, votes) VALUES (?, ?, ?) ON CONFLICT"
                     " (entity_id, kind) DO UPDATE SET votes = votes + excluded.votes",
                     [(keep, kind, n) for kind, n in votes.items() if n])
    conn.execute("DELETE FROM entity_votes WHERE entity_id = ? AND votes = 0", (keep,))  # a kind no article votes for
    return True


def _per_article(conn: sqlite3.Connection, eid: str, batch: set[str]) -> dict[str, list[tuple[str, str, int]]]:
    """(name, label, mentions) per article of the entity's mentions, the ``batch``'s articles left out."""
    out: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for aid, name, label, n in conn.execute("SELECT article_id, name, label, count(*) FROM mentions WHERE entity_id ="
                                            " ? GROUP BY article_id, name, label", (eid,)):
        if aid not in batch:
            out[aid].append((name, label, n))
    return out


def _labels_in(conn: sqlite3.Connection, eid: str, aid: str) -> list[tuple[str, str, int]]:
    """(name, label, mentions) of the entity's mentions in one article."""
    return [tuple(r) for r in conn.execute(  # type: ignore[misc]
        "SELECT name, label, count(*) FROM mentions WHERE article_id = ? AND entity_id = ? GROUP BY name, label",
        (aid, eid))]


def _by_label(rows: list[tuple[str, str, int]]) -> Counter:
    out: Counter = Counter()
    for _, label, n in rows:
        out[label] += n
    return out
