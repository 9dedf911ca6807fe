"""Entity resolution on Spark: the misspelling search blocked and scored on the cluster; the linking on the driver.

The local ``resolve`` stage (stages/resolve.py) finds an entity's candidates three ways: the same key, the same
consonant skeleton (both indexed look-ups), and a misspelling of the key (:func:`resolve.misspelling`: one edit
away, same first two letters), which it finds by scanning every stored entity whose key starts with the same two
letters and measuring the edit distance to each: the one search whose cost grows with the store.

1. **Keys** (executors): every key the stage can look up or create for a new article, from its mentions
   (:func:`lookup_keys`), and the keys of the entities an earlier run stored, per group.
2. **Blocks** (Spark SQL): each key joins the blocks of its one-deletion variants (``key_variants``: the key itself and the key
   with one letter dropped); two keys one edit apart always share a block (a substitution drops the same
   position from both, an insertion is the shorter key itself), so the join finds every pair at distance one;
   blocks are as small as the spellings that collide in them.
3. **Score** (executors): each pair in a block is kept when :func:`resolve.misspelling` (the local stage's
   test) holds, giving every new key's misspellings among all keys the store can hold during the run.
4. **Link** (driver, :class:`BlockedResolve`): the local ``resolve`` stage runs in store order, in the same
   batches; its misspelling search (``Resolve._misspelt``) becomes an indexed look-up of those keys. Every
   entity's key is one of the keys of step 1 (an entity is created under the key of a name it resolves, and a
   key never changes), so the look-up finds the entities the scan would, in the same order; a key the cluster
   did not see is scanned as locally. The decisions (context, gender, merges) and the tables are the local
   stage's.

A name with no entity of its key is looked up among the surface forms (aliases) of the group's entities, a scan
of the group's entities (``Resolve._alias_hits``). An alias is the text of a mention resolved earlier, so the
cluster joins each new name's form with the mention texts of the run and the aliases stored before, keeping
the first two articles (in stored order) where the form occurs (:func:`first_forms`); the driver skips the
look-up, which would find nothing, when no earlier article has the form and no earlier name of the same
article was resolved under it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article
from ..pipeline import cluster_part
from ..settings import Settings
from ..storage.sqlite import tuple_cursor
from ..storage.tables.entities import key_variants
from .entity_words import fold
from .resolve import _alias  # the form an alias is kept under
from .resolve import CANDIDATES, Resolve, entity_group, misspelling, name_key, person_parts

__all__ = ["BlockedResolve", "resolve_on_cluster", "lookup_keys", "misspelt_keys", "block_pairs",
           "form_rows", "first_forms"]

#: the groups whose keys the stage searches for misspellings (people; organisations and places)
GROUPS = ("person", "place_org")
#: a misspelling (one edit) of a key of six letters or more has five or more
MIN_KEY = 5


def _key(grp: str, name: str) -> str:
    """The key the stage looks a name up by and creates its entity under (``Resolve._match_*``, ``_create``)."""
    return fold(person_parts(name)[1]) if grp == "person" else name_key(name, grp)


def lookup_keys(art: Article) -> Iterator[tuple[str, str]]:
    """(group, key) of every name of the article's mentions the stage may resolve; for a two-word person also its
    first word, which the stage may split off as a person of its own ("Putin Lukashenko's")."""
    for m in art.annotations.get("mentions") or ():
        grp = entity_group(m["label"])
        if grp not in GROUPS:
            continue
        names = [m["name"]]
        words = m["name"].split()
        if grp == "person" and len(words) == 2:
            names.append(words[0])
        for name in names:
            key = _key(grp, name)
            if len(key) >= MIN_KEY:
                yield grp, key


def block_pairs(block: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(key, misspelling of it) of the keys of one block (executors)."""
    keys = sorted(set(block))
    for key in keys:
        for other in keys:
            if misspelling(key, other):
                yield key, other


def misspelt_keys(spark: Any, ranked: Any, store: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every new (group, key) of six letters or more, with the keys (new or stored) that are misspellings of it.

    Args:
        spark: the session.
        ranked: an RDD of (rank, Article), the articles the run will store.
        store: the output's store; its entities' keys take part.
    """
    new = ranked.flatMap(lambda r: lookup_keys(r[1])).distinct().persist()
    try:
        stored = [tuple(r) for r in store.execute(
            "SELECT DISTINCT grp, key FROM entities WHERE grp IN (?, ?) AND length(key) >= ?", (*GROUPS, MIN_KEY))]
        keys = new.union(spark.sparkContext.parallelize(stored, 1)).distinct() if stored else new
        rows = spark.createDataFrame(keys.flatMap(lambda gk: [(gk[0], v, gk[1]) for v in key_variants(gk[1])]),
                                     "grp string, variant string, key string")
        blocks = (rows.groupBy("grp", "variant").agg({"key": "collect_set"})
                  .withColumnRenamed("collect_set(key)", "keys"))
        pairs = (blocks.rdd.filter(lambda b: len(b["keys"]) > 1)
                 .flatMap(lambda b: (((b["grp"], k), o) for k, o in block_pairs(b["keys"])))
                 .distinct().groupByKey().mapValues(lambda others: tuple(sorted(others))).collect())
        found = {(g, k): () for g, k in new.filter(lambda gk: len(gk[1]) >= 6).collect()}
        found.update((gk, others) for gk, others in pairs if gk in found)
        return found
    finally:
        new.unpersist()


def form_rows(rank: int, art: Article) -> Iterator[tuple[tuple[str, str], int | None]]:
    """((group, form), rank) for each text of the article's mentions outside people (an alias it may leave),
    ((group, form), None) for each name (a form the stage may look up)."""
    for m in art.annotations.get("mentions") or ():
        grp = entity_group(m["label"])
        if grp != "person":
            yield (grp, _alias(m["text"])), rank
            yield (grp, _alias(m["name"])), None


def _two_first(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(a) | set(b)))[:2]


def first_forms(spark: Any, ranked: Any, store: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    """Every (group, form) a new name may be looked up under, with the first two ranks (articles in stored order,
    -1 for the aliases stored before) where a mention has that form as its text; () for none."""
    rows = ranked.flatMap(lambda r: form_rows(*r)).persist()
    try:
        stored = [((g, a), -1) for g, a in store.execute(
            "SELECT DISTINCT e.grp, a.alias FROM aliases a JOIN entities e ON e.id = a.entity_id WHERE e.grp != ?",
            ("person",))]
        texts = rows.filter(lambda r: r[1] is not None).map(lambda r: (r[0], (r[1],)))
        if stored:
            texts = texts.union(spark.sparkContext.parallelize([(gf, (r,)) for gf, r in stored], 1))
        firsts = texts.reduceByKey(_two_first)
        names = rows.filter(lambda r: r[1] is None).map(lambda r: (r[0], None)).distinct()
        return dict(names.leftOuterJoin(firsts).map(lambda kv: (kv[0], kv[1][1] or ())).collect())
    finally:
        rows.unpersist()


class BlockedResolve(Resolve):
    """The local ``resolve`` stage whose misspelling search (``Resolve._misspelt``) looks up the keys found on the
    cluster instead of scanning the entities of the same first two letters."""

    def __init__(self, settings: Any, misspelt: dict[tuple[str, str], tuple[str, ...]],
                 forms: dict[tuple[str, str], tuple[int, ...]] | None = None,
                 ranks: dict[str, int] | None = None) -> None:
        super().__init__(settings)
        self.misspelt, self.forms, self.ranks = misspelt, forms or {}, ranks or {}
        self.answered = 0  # look-ups answered from the cluster (for the report and tests)
        self.skipped = 0  # of which alias look-ups skipped
        self._article: str | None = None

    def _resolve_article(self, conn: Any, aid: str) -> set[str]:
        self._article = aid
        return super()._resolve_article(conn, aid)

    def _alias_hits(self, conn: Any, grp: str, alias: str) -> set[str]:
        firsts, rank = self.forms.get((grp, alias)), self.ranks.get(self._article or "")
        if firsts is not None and rank is not None:
            earlier = [r for r in firsts if r != rank]  # the first article other than this one with the form
            if (not earlier or earlier[0] > rank) and conn.execute(
                    "SELECT 1 FROM alias_articles WHERE article_id = ? AND alias = ? LIMIT 1",
                    (self._article, alias)).fetchone() is None:
                self.answered += 1
                self.skipped += 1
                return set()
        return super()._alias_hits(conn, grp, alias)

    def _misspelt(self, conn: Any, grp: str, key: str, skel: str) -> list[Any]:
        others = self.misspelt.get((grp, key))
        if others is None:
            return super()._misspelt(conn, grp, key, skel)
        self.answered += 1
        if not others:
            return []
        marks = ", ".join("?" for _ in others)
        return tuple_cursor(conn).execute(f"{CANDIDATES} WHERE grp = ? AND key IN ({marks}) AND skel != ? ORDER BY"
                                          f" key, rowid", (grp, *others, skel)).fetchall()


@cluster_part("resolve")
def resolve_on_cluster(spark: Any, ranked: Any, store: Any, settings: Settings) -> BlockedResolve:
    """The resolve stage's part on the cluster (misspelt keys blocked and scored, the first articles of each name's
    form); returns the stage the driver runs."""
    ranks = dict(ranked.map(lambda r: (r[1].id, r[0])).collect())
    return BlockedResolve(settings, misspelt_keys(spark, ranked, store), first_forms(spark, ranked, store), ranks)
