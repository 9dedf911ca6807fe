"""The boilerplate corpus stage's running counts: a batch counts its own lines, with the result of a recount."""
from __future__ import annotations

from newsloom.bench.scale import bench_scale
from newsloom.model import Article, text_hash
from newsloom.settings import Settings
from newsloom.stages.boilerplate import Boilerplate

LINE = "The Valley Courier is read by everyone in the valley every single morning"


def _article(i: int, with_line: bool) -> Article:
    text = f"Paragraph {i} about event number {i} with its own details and words {i * 7}."
    text += f"\n\n{LINE}" if with_line else ""
    return Article(id=f"{i:016x}", external_id=f"a{i}", title="", text=text, raw_text="", source="Courier",
                   language="en", text_hash=text_hash(text))


def _recount(store) -> tuple[dict, dict]:
    articles = {r[0]: r[1] for r in store.execute(
        "SELECT source, count(DISTINCT article_id) FROM source_lines GROUP BY source")}
    lines = {(r[0], r[1]): r[2] for r in store.execute(
        "SELECT source, hash, count(*) FROM source_lines GROUP BY source, hash")}
    return articles, lines


def test_a_line_boilerplate_again_is_cut_from_the_articles_that_kept_it(fresh_store):
    stage = Boilerplate(Settings.load(env={}))
    # (articles, with the line?) per batch: 4 of 4 carry it (cut), 6 without (4 of 10: not counted again),
    # 1 more (5 of 11 < 5.5: kept), 2 more (7 of 13: boilerplate again, so cut from the one that kept it)
    batches, i = [[True] * 4, [False] * 6, [True], [True, True]], 0
    kept_after_third = None
    for n, flags in enumerate(batches):
        ids = fresh_store.add_batch([_article(i + k, f) for k, f in enumerate(flags)], [], queue=["boilerplate"])
        i += len(flags)
        stage.run(fresh_store, ids)
        texts = {a.id: a.text for a in fresh_store.articles(ids=[f"{j:016x}" for j in range(i)])}
        if n == 2:
            kept_after_third = [aid for aid, t in texts.items() if LINE in t]
        articles, lines = _recount(fresh_store)
        assert dict(fresh_store.execute("SELECT source, articles FROM source_articles").fetchall()) == articles
        assert {(r[0], r[1]): r[2] for r in fresh_store.execute(
            "SELECT source, hash, articles FROM source_line_counts")} == lines
    assert kept_after_third == [f"{10:016x}"]
    assert not [aid for aid, t in texts.items() if LINE in t]


def test_bench_scale_times_the_corpus_stages_in_cpu_seconds():
    table = bench_scale(sizes="50,100", engines="cpu")[0]
    assert [r["stage"] for r in table.rows] == ["store", "boilerplate", "copies", "gc"]  # gc: the pass after each batch
    assert all(r["ms/article at 50"] > 0 and r["ms/article at 100"] > 0 and r["growth"] > 0 for r in table.rows[:-1])
