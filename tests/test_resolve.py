"""Store-wide entity resolution: incremental, alias-merging, and careful not to merge different people."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsloom import Loom, Settings
from newsloom.model import Article
from newsloom.stages import entity_context
from newsloom.stages.entity_words import fold
from newsloom.stages.resolve import (ArticlePeople, Resolve, canonical_name, majority_type, name_key, person_parts,
                                     skeleton)
from newsloom.storage import Store

from .conftest import SHARED

ANNOTATE = ["clean", "language", "nlp", "entities", "dates", "events", "boilerplate", "resolve"]


def _article(aid: str, names: list[tuple[str, str, str]]) -> Article:
    """An article whose text holds each (surface, label, name) once, with matching mentions."""
    text, mentions = "", []
    for surface, label, name in names:
        start = len(text)
        text += surface + " said something. "
        mentions.append({"start": start, "end": start + len(surface), "text": surface, "label": label, "name": name})
    art = Article(id=aid, external_id=aid, title=aid, text=text, text_hash=aid)
    art.annotations["mentions"] = mentions
    return art


def _ingest(store: Store, *arts: Article) -> None:
    ids = store.add_batch(arts, [], queue=["resolve"])
    Resolve().run(store, ids)


def _entity_of(store: Store, aid: str, name: str) -> str:
    return store.execute("SELECT entity_id FROM mentions WHERE article_id = ? AND name = ?", (aid, name)).fetchone()[0]


def test_skeleton_unifies_transliterations():
    assert skeleton("Lukashenko") == skeleton("Lukashenka")
    assert skeleton("Aleksandr") == skeleton("Alexander")
    assert skeleton("Liimets") == skeleton("Lemets") == skeleton("Limets")
    assert skeleton("Merkel") != skeleton("Markov")
    assert person_parts("Aleksandr G. Lukashenko") == ("Aleksandr", "Lukashenko")
    assert person_parts("President Vladimir Putin") == ("Vladimir", "Putin")


def test_name_key_of_organisations_and_places():
    assert name_key("U. S. Geological Survey", "place_org") == name_key("US Geological Survey", "place_org")
    assert name_key("Intel Corp.", "place_org") == name_key("Intel", "place_org") == "intel"
    assert name_key("Electronic Data Systems Corporation", "place_org") == "electronic data systems"
    assert name_key("Bank of America", "place_org") == "bank of america"


def test_middle_initial_and_transliteration_merge(fresh_store):
    _ingest(fresh_store, _article("a1", [("Alexander Lukashenko", "PERSON", "Alexander Lukashenko"),
                                         ("Minsk", "GPE", "Minsk")]))
    _ingest(fresh_store, _article("a2", [("Aleksandr G. Lukashenko", "PERSON", "Aleksandr G. Lukashenko")]))
    _ingest(fresh_store, _article("a3", [("Alexander Lukashenka", "PERSON", "Alexander Lukashenka"),
                                         ("Minsk", "GPE", "Minsk")]))
    ids = {_entity_of(fresh_store, a, n) for a, n in (("a1", "Alexander Lukashenko"), ("a2", "Aleksandr G. Lukashenko"),
                                                     ("a3", "Alexander Lukashenka"))}
    assert len(ids) == 1
    row = fresh_store.execute("SELECT name, mentions, articles FROM entities WHERE id = ?", (ids.pop(),)).fetchone()
    assert tuple(row) == ("Alexander Lukashenko", 3, 3)


def test_misspelling_needs_shared_context(fresh_store):
    _ingest(fresh_store, _article("b1", [("John Smith", "PERSON", "John Smith"), ("Leeds", "GPE", "Leeds")]))
    _ingest(fresh_store, _article("b2", [("John Smyth", "PERSON", "John Smyth"), ("Cairo", "GPE", "Cairo")]))
    assert _entity_of(fresh_store, "b1", "John Smith") != _entity_of(fresh_store, "b2", "John Smyth")
    _ingest(fresh_store, _article("b3", [("John Smithe", "PERSON", "John Smithe"), ("Leeds", "GPE", "Leeds")]))
    assert _entity_of(fresh_store, "b3", "John Smithe") == _entity_of(fresh_store, "b1", "John Smith")


def test_far_spelling_never_merges_even_with_context(fresh_store):
    _ingest(fresh_store, _article("g1", [("Omar Suleiman", "PERSON", "Omar Suleiman"), ("Cairo", "GPE", "Cairo")]))
    _ingest(fresh_store, _article("g2", [("Salman", "PERSON", "Salman"), ("Cairo", "GPE", "Cairo")]))
    assert skeleton("Salman") == skeleton("Suleiman")  # the skeleton alone would merge them
    assert _entity_of(fresh_store, "g2", "Salman") != _entity_of(fresh_store, "g1", "Omar Suleiman")


def test_shared_surname_or_first_name_do_not_merge(fresh_store):
    _ingest(fresh_store, _article("c1", [("Hillary Clinton", "PERSON", "Hillary Clinton"),
                                         ("State Department", "ORG", "State Department")]))
    _ingest(fresh_store, _article("c2", [("Bill Clinton", "PERSON", "Bill Clinton"), ("Arkansas", "GPE", "Arkansas")]))
    _ingest(fresh_store, _article("c3", [("Vladimir Putin", "PERSON", "Vladimir Putin"),
                                         ("Vladimir Zelensky", "PERSON", "Vladimir Zelensky")]))
    ents = {_entity_of(fresh_store, a, n) for a, n in (("c1", "Hillary Clinton"), ("c2", "Bill Clinton"),
                                                      ("c3", "Vladimir Putin"), ("c3", "Vladimir Zelensky"))}
    assert len(ents) == 4
    # a surname alone goes to the Clinton whose context it shares, not to the other one
    _ingest(fresh_store, _article("c4", [("Mr Clinton", "PERSON", "Clinton"), ("Arkansas", "GPE", "Arkansas")]))
    assert _entity_of(fresh_store, "c4", "Clinton") == _entity_of(fresh_store, "c2", "Bill Clinton")
    # with no context to tell them apart it joins neither
    _ingest(fresh_store, _article("c5", [("Clinton", "PERSON", "Clinton")]))
    assert _entity_of(fresh_store, "c5", "Clinton") not in ents


def test_surname_first_then_full_name_is_one_entity(fresh_store):
    _ingest(fresh_store, _article("d1", [("Putin's", "PERSON", "Putin")]))
    first_id = _entity_of(fresh_store, "d1", "Putin")
    _ingest(fresh_store, _article("d2", [("Vladimir V. Putin", "PERSON", "Vladimir V. Putin")]))
    _ingest(fresh_store, _article("d3", [("Mr Putin", "PERSON", "Putin")]))
    assert _entity_of(fresh_store, "d2", "Vladimir V. Putin") == first_id == _entity_of(fresh_store, "d3", "Putin")
    aliases = dict(tuple(r) for r in fresh_store.execute("SELECT alias, count FROM aliases WHERE entity_id = ?",
                                                         (first_id,)))
    assert aliases == {"Putin's": 1, "Vladimir V. Putin": 1, "Mr Putin": 1}
    arts = {tuple(r) for r in fresh_store.execute("SELECT alias, article_id FROM alias_articles WHERE entity_id = ?",
                                                  (first_id,))}
    assert arts == {("Putin's", "d1"), ("Vladimir V. Putin", "d2"), ("Mr Putin", "d3")}


def test_alias_counts_follow_the_mention_rows(fresh_store):
    _ingest(fresh_store, _article("h1", [("Angela Merkel", "PERSON", "Angela Merkel"),
                                         ("Mrs Merkel", "PERSON", "Angela Merkel")]))
    eid = _entity_of(fresh_store, "h1", "Angela Merkel")
    with fresh_store.transaction() as conn:  # as the boilerplate stage does when it cuts a paragraph
        conn.execute("DELETE FROM mentions WHERE article_id = 'h1' AND text = 'Mrs Merkel'")
    _ingest(fresh_store, _article("h2", [("Merkel", "PERSON", "Merkel")]))
    aliases = dict(tuple(r) for r in fresh_store.execute("SELECT alias, count FROM aliases WHERE entity_id = ?",
                                                         (eid,)))
    assert aliases == {"Angela Merkel": 1, "Merkel": 1}
    assert fresh_store.execute("SELECT mentions, articles FROM entities WHERE id = ?", (eid,)).fetchone()[:] == (2, 2)


def test_acronym_joins_the_spelled_out_name(fresh_store):
    _ingest(fresh_store, _article("e1", [("EU", "ORG", "EU")]))
    eu = _entity_of(fresh_store, "e1", "EU")
    _ingest(fresh_store, _article("e2", [("the European Union", "ORG", "European Union"),
                                         ("EU", "ORG", "European Union")]))
    eu2 = _entity_of(fresh_store, "e2", "European Union")
    assert _entity_of(fresh_store, "e1", "EU") == eu2
    merged = fresh_store.execute("SELECT new_id FROM entity_merges WHERE old_id = ?", (eu,)).fetchone()
    assert eu == eu2 or (merged and merged[0] == eu2)


def test_resolution_is_incremental_and_idempotent(fresh_store):
    _ingest(fresh_store, _article("f1", [("Angela Merkel", "PERSON", "Angela Merkel")]))
    before = [tuple(r) for r in fresh_store.execute("SELECT id, name, mentions FROM entities ORDER BY id")]
    assert fresh_store.pending("resolve") == []
    Resolve().run(fresh_store, ["f1"])  # a re-run finds nothing unlinked and changes nothing
    assert [tuple(r) for r in fresh_store.execute("SELECT id, name, mentions FROM entities ORDER BY id")] == before
    _ingest(fresh_store, _article("f2", [("Merkel", "PERSON", "Merkel")]))
    assert _entity_of(fresh_store, "f2", "Merkel") == before[0][0]


@pytest.mark.issue(10)
def test_a_form_seen_once_never_names_an_entity_seen_in_many(fresh_store):
    for i in range(4):
        _ingest(fresh_store, _article(f"eg{i}", [("Egypt", "GPE", "Egypt"), ("Cairo", "GPE", "Cairo")]))
    _ingest(fresh_store, _article("eg9", [("4 Egypt", "GPE", "4 Egypt"), ("Cairo", "GPE", "Cairo")]))
    eid = _entity_of(fresh_store, "eg0", "Egypt")
    assert fresh_store.execute("SELECT name FROM entities WHERE id = ?", (eid,)).fetchone()[0] == "Egypt"
    assert canonical_name([("4 Egypt", 1, 0, 1, 9), ("Egypt", 4, 0, 9, 1)]) == "Egypt"
    # a full form wins once it is well supported; spellings of one name count together
    assert canonical_name([("Lukashenko", 5, 2, 20, 1), ("Alexander Lukashenko", 3, 2, 7, 2)]) == \
        "Alexander Lukashenko"
    assert canonical_name([("Bashar al Assad", 1, 1, 1, 1), ("Bashar al-Assad", 2, 1, 3, 2)]) == "Bashar al-Assad"


@pytest.mark.issue(10)
def test_a_rare_spelled_out_acronym_does_not_rename_it_and_any_alias_finds_it(fresh_store):
    from newsloom.queries.entities import entity_record

    for i in range(3):
        _ingest(fresh_store, _article(f"cnn{i}", [("CNN", "ORG", "CNN"), ("Cairo", "GPE", "Cairo")]))
    _ingest(fresh_store, _article("cnn9", [("Christian News Network", "ORG", "Christian News Network"),
                                           ("CNN", "ORG", "Christian News Network")]))
    eid = _entity_of(fresh_store, "cnn9", "Christian News Network")
    assert _entity_of(fresh_store, "cnn0", "CNN") == eid
    assert fresh_store.execute("SELECT name FROM entities WHERE id = ?", (eid,)).fetchone()[0] == "CNN"
    for ref in ("CNN", "cnn", "Christian News Network"):
        assert entity_record(fresh_store, ref)["id"] == eid


@pytest.mark.issue(10)
def test_first_names_and_ordinals_never_merge_people(fresh_store):
    _ingest(fresh_store, _article("j1", [("John", "PERSON", "John"), ("Bible", "ORG", "Bible")]))
    _ingest(fresh_store, _article("j2", [("John King", "PERSON", "John King"), ("CNN", "ORG", "CNN")]))
    _ingest(fresh_store, _article("j3", [("Pope John Paul II", "PERSON", "John Paul II"),
                                         ("Vatican", "GPE", "Vatican")]))
    _ingest(fresh_store, _article("j4", [("Pope John II", "PERSON", "John II"), ("Vatican", "GPE", "Vatican"),
                                         ("Bible", "ORG", "Bible"), ("CNN", "ORG", "CNN")]))
    ids = {_entity_of(fresh_store, a, n) for a, n in (("j1", "John"), ("j2", "John King"), ("j3", "John Paul II"),
                                                      ("j4", "John II"))}
    assert len(ids) == 4
    assert person_parts("John Paul II") == (None, "John Paul II")
    assert person_parts("Barack Hussein Obama II") == ("Barack", "Obama")


@pytest.mark.issue(10)
def test_mrs_x_is_not_the_man_named_x(fresh_store):
    _ingest(fresh_store, _article("m1", [("President Hosni Mubarak", "PERSON", "Hosni Mubarak"),
                                         ("Mr. Mubarak", "PERSON", "Hosni Mubarak"), ("Cairo", "GPE", "Cairo")]))
    _ingest(fresh_store, _article("m2", [("Mrs. Mubarak", "PERSON", "Mrs. Mubarak"), ("Cairo", "GPE", "Cairo")]))
    hosni = _entity_of(fresh_store, "m1", "Hosni Mubarak")
    assert _entity_of(fresh_store, "m2", "Mrs. Mubarak") != hosni
    _ingest(fresh_store, _article("m3", [("Mubarak", "PERSON", "Mubarak"), ("Cairo", "GPE", "Cairo")]))
    assert _entity_of(fresh_store, "m3", "Mubarak") == hosni


@pytest.mark.issue(10)
def test_type_is_what_most_articles_say(fresh_store):
    _ingest(fresh_store, _article("v1", [("Vilnius", "GPE", "Vilnius"), ("Minsk", "GPE", "Minsk")]))
    _ingest(fresh_store, _article("v2", [("Vilnius", "GPE", "Vilnius")]))
    _ingest(fresh_store, _article("v3", [("Vilnius", "ORG", "Vilnius")] * 3))
    eid = _entity_of(fresh_store, "v3", "Vilnius")
    assert eid == _entity_of(fresh_store, "v1", "Vilnius")
    assert fresh_store.execute("SELECT type FROM entities WHERE id = ?", (eid,)).fetchone()[0] == "GPE"
    assert majority_type([("a", "ORG", 5), ("b", "GPE", 1), ("c", "LOC", 1)]) == "GPE"
    assert majority_type([("a", "PERSON", 2), ("a", "ORG", 1), ("b", "ORG", 1), ("c", "PERSON", 1)]) == "PERSON"


def test_context_is_read_only_to_break_a_tie_on_the_names(fresh_store, monkeypatch):
    """A full name joins the candidate with the same surname and first name; the candidates' context (their first
    articles' names, a read each when not cached) is read only for those tied on the names."""
    _ingest(fresh_store, _article("a1", [("Robert Jones", "PERSON", "Robert Jones"), ("Cardiff", "GPE", "Cardiff")]))
    _ingest(fresh_store, _article("a2", [("Robert Jones", "PERSON", "Robert Jones"), ("Oslo", "GPE", "Oslo")]))
    cardiff = _entity_of(fresh_store, "a1", "Robert Jones")
    # a second Robert Jones (split off by hand) and an R. Jones: candidates of the next "Robert Jones"
    for eid, name, first in (("oslo", "Robert Jones", skeleton("Robert")), ("initial", "R. Jones", "r")):
        fresh_store.execute("INSERT INTO entities (id, name, type, grp, key, skel, first, created_at) VALUES"
                            " (?, ?, 'PERSON', 'person', 'jones', ?, ?, '2024-01-01')", (eid, name, skeleton("Jones"),
                                                                                        first))
    fresh_store.execute("UPDATE mentions SET entity_id = 'oslo' WHERE article_id = 'a2' AND name = 'Robert Jones'")
    read, names = [], entity_context.ContextCache.names
    monkeypatch.setattr(entity_context.ContextCache, "names",
                        lambda cache, conn, eid: read.append(eid) or names(cache, conn, eid))
    _ingest(fresh_store, _article("a3", [("Robert Jones", "PERSON", "Robert Jones"), ("Oslo", "GPE", "Oslo")]))
    assert _entity_of(fresh_store, "a3", "Robert Jones") == "oslo"  # the one sharing the context
    assert sorted(read) == sorted([cardiff, "oslo"])  # not the R. Jones: an initial ranks below the same first name


def test_a_variant_surname_is_not_read_when_the_same_surname_is_there(fresh_store, monkeypatch):
    """"Robert Jonas" could be a variant spelling of "Robert Jones" when they share context, but never outranks a
    "Robert Jones": its context is not read."""
    _ingest(fresh_store, _article("a1", [("Robert Jones", "PERSON", "Robert Jones"), ("Cardiff", "GPE", "Cardiff")]))
    fresh_store.execute("INSERT INTO entities (id, name, type, grp, key, skel, first, created_at) VALUES ('jonas',"
                        " 'Robert Jonas', 'PERSON', 'person', 'jonas', ?, ?, '2024-01-01')",
                        (skeleton("Jonas"), skeleton("Robert")))
    read, names = [], entity_context.ContextCache.names
    monkeypatch.setattr(entity_context.ContextCache, "names",
                        lambda cache, conn, eid: read.append(eid) or names(cache, conn, eid))
    _ingest(fresh_store, _article("a2", [("Robert Jones", "PERSON", "Robert Jones"), ("Cardiff", "GPE", "Cardiff")]))
    assert _entity_of(fresh_store, "a2", "Robert Jones") == _entity_of(fresh_store, "a1", "Robert Jones")
    assert read == []
    _ingest(fresh_store, _article("a3", [("Robert Jonas", "PERSON", "Robert Jonas"), ("Cardiff", "GPE", "Cardiff")]))
    assert _entity_of(fresh_store, "a3", "Robert Jonas") == "jonas"  # the same surname wins the other way too


@pytest.mark.issue(14)
def test_other_spellings_are_looked_up_only_without_the_same_surname(fresh_store, monkeypatch):
    """A full name with a compatible full-named candidate of the same surname looks up no other candidates (the same
    skeleton, a misspelt key: none can outrank it); without one it does, and a misspelling can join."""
    looked: list[str] = []
    candidates = Resolve._candidates
    monkeypatch.setattr(Resolve, "_candidates", lambda stage, conn, grp, key, skel: looked.append(
        f"{key}/{skel}") or candidates(stage, conn, grp, key, skel))
    _ingest(fresh_store, _article("m1", [("Jens Stoltenberg", "PERSON", "Jens Stoltenberg"), ("Oslo", "GPE", "Oslo")]))
    looked.clear()
    _ingest(fresh_store, _article("m2", [("Jens Stoltenberg", "PERSON", "Jens Stoltenberg")]))
    assert looked == ["stoltenberg/None"]
    looked.clear()
    _ingest(fresh_store, _article("m3", [("Jens Stoltenburg", "PERSON", "Jens Stoltenburg"), ("Oslo", "GPE", "Oslo")]))
    assert looked == ["stoltenburg/None", f"stoltenburg/{skeleton('Stoltenburg')}"]
    assert _entity_of(fresh_store, "m3", "Jens Stoltenburg") == _entity_of(fresh_store, "m1", "Jens Stoltenberg")


@pytest.mark.issue(10)
def test_two_people_side_by_side_are_split(fresh_store):
    _ingest(fresh_store, _article("p1", [("Vladimir Putin", "PERSON", "Vladimir Putin")]))
    _ingest(fresh_store, _article("p2", [("Alexander Lukashenko", "PERSON", "Alexander Lukashenko"),
                                         ("Putin Lukashenko's", "PERSON", "Putin Lukashenko")]))
    rows = {r["text"]: r["entity_id"] for r in fresh_store.rows("SELECT text, entity_id FROM mentions WHERE"
                                                               " article_id = 'p2'")}
    assert rows["Putin"] == _entity_of(fresh_store, "p1", "Vladimir Putin")
    assert rows["Lukashenko's"] == _entity_of(fresh_store, "p2", "Alexander Lukashenko")
    # a first name is not a surname: "Bill Clinton" beside "Hillary Clinton" stays one person
    _ingest(fresh_store, _article("p3", [("Bill Clinton", "PERSON", "Bill Clinton")]))
    _ingest(fresh_store, _article("p4", [("Hillary Clinton", "PERSON", "Hillary Clinton"),
                                         ("Bill Clinton", "PERSON", "Bill Clinton")]))
    assert {r[0] for r in fresh_store.execute("SELECT text FROM mentions WHERE article_id = 'p4'")} == {
        "Hillary Clinton", "Bill Clinton"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    paths = sorted((SHARED / "corpora" / "seeds").glob("0*.txt"))
    assert len(paths) == 5
    settings = Settings.load(env={}, overrides={"pipeline.stages": ANNOTATE})
    with Loom(tmp_path_factory.mktemp("seeds") / "t.db", settings=settings) as loom:
        loom.ingest(*map(str, paths))
        yield loom


def _person(store: Store, alias: str) -> set[str]:
    return {r[0] for r in store.execute("SELECT a.entity_id FROM aliases a JOIN entities e ON e.id = a.entity_id "
                                        "WHERE a.alias = ? AND e.type = 'PERSON'", (alias,))}


def test_seeds_one_lukashenko(seeded):
    store = seeded.store
    forms = ["Alexander Lukashenko", "Aleksandr G. Lukashenko", "Mr Lukashenko", "Lukashenko's", "Lukashenko"]
    ids = set().union(*(_person(store, f) for f in forms))
    assert len(ids) == 1
    eid = ids.pop()
    articles = {r[0] for r in store.execute("SELECT DISTINCT article_id FROM alias_articles WHERE entity_id = ?",
                                            (eid,))}
    assert len(articles) == 5
    assert store.execute("SELECT name FROM entities WHERE id = ?", (eid,)).fetchone()[0] == "Alexander Lukashenko"


def test_seeds_one_putin(seeded):
    store = seeded.store
    ids = set().union(*(_person(store, f) for f in ("Vladimir V. Putin", "Mr Putin", "Vladimir Putin")))
    assert len(ids) == 1


@pytest.mark.issue(10)
def test_seeds_putin_beside_lukashenko_and_the_scholar(seeded):
    store = seeded.store
    assert store.execute("SELECT count(*) FROM entities WHERE name LIKE 'Putin Lukashenko%'").fetchone()[0] == 0
    putin = _person(store, "Vladimir Putin")
    art = store.execute("SELECT id FROM articles WHERE external_id LIKE '%/000_%'").fetchone()[0]
    linked = {r[0] for r in store.execute("SELECT entity_id FROM mentions WHERE article_id = ? AND text = 'Putin'",
                                          (art,))}
    assert linked and linked <= putin
    assert _person(store, "Artyom Shraibman")  # "Artyom Shraibman, a Belarusian scholar": a person, not an ORG


def test_seeds_different_people_stay_apart(seeded):
    store = seeded.store
    merkel, markov = _person(store, "Angela Merkel"), _person(store, "Sergei Markov")
    assert len(merkel) == 1 and len(markov) == 1 and merkel != markov
    assert _person(store, "Mr. Markov") == markov
    assert not (_person(store, "Alexander Lukashenko") & (merkel | markov | _person(store, "Vladimir Putin")))


def test_seeds_rerun_changes_nothing(seeded):
    before = list(seeded.store.rows("SELECT id, name, mentions FROM entities ORDER BY id"))
    report = seeded.ingest(*map(str, sorted((SHARED / "corpora" / "seeds").glob("0*.txt"))))
    assert report.stored == 0
    assert list(seeded.store.rows("SELECT id, name, mentions FROM entities ORDER BY id")) == before


def _cli(db: str, *args: str):
    from click.testing import CliRunner

    from newsloom.cli import cli

    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def test_cli_show_entity_and_list(seeded):
    import json

    db = seeded.store.path
    res = _cli(db, "show", "entity", "Alexander Lukashenko", "--json")
    assert res.exit_code == 0, res.output
    ent = json.loads(res.output)
    aliases = {a["alias"]: a for a in ent["aliases"]}
    assert {"Aleksandr G. Lukashenko", "Mr Lukashenko", "Lukashenko's"} <= set(aliases)
    assert ent["articles"] == 5 and aliases["Mr Lukashenko"]["count"] >= 2
    by_id = _cli(db, "show", "entity", ent["id"][:8])
    assert by_id.exit_code == 0 and "Alexander Lukashenko (PERSON)" in by_id.output
    listed = json.loads(_cli(db, "entities", "--type", "person", "--json").output)
    assert listed[0]["name"] == "Alexander Lukashenko" and all(r["type"] == "PERSON" for r in listed)
    art_id = seeded.store.execute("SELECT id FROM articles WHERE external_id LIKE '%/002_%'").fetchone()[0]
    art = json.loads(_cli(db, "show", "article", art_id, "--json").output)
    assert any(e["name"] == "Sergei Markov" and e["entity_id"] for e in art["entities"])
    assert "dates" in art and "events" in art
    missing = _cli(db, "show", "entity", "zzzzzz")
    assert missing.exit_code == 2 and "no entity" in missing.output  # 2: the command failed (issue 15)


def test_export_annotation_kinds(seeded, tmp_path):
    import json

    db = seeded.store.path
    for kind in ("entities", "mentions", "dates", "events"):
        out = tmp_path / f"{kind}.jsonl"
        res = _cli(db, "export", kind, "-o", str(out))
        assert res.exit_code == 0, res.output
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert rows, kind
    ents = {r["id"]: r for r in map(json.loads, (tmp_path / "entities.jsonl").read_text().splitlines())}
    mentions = [json.loads(x) for x in (tmp_path / "mentions.jsonl").read_text().splitlines()]
    assert all(m["entity_id"] in ents for m in mentions)  # every mention is linked, and the ids join
    luk = next(e for e in ents.values() if e["name"] == "Alexander Lukashenko")
    assert sum(a["count"] for a in luk["aliases"]) == luk["mentions"]
    assert len({aid for a in luk["aliases"] for aid in a["articles"]}) == 5
    csv_out = _cli(db, "export", "events", "--format", "csv")
    assert csv_out.exit_code == 0 and csv_out.output.startswith("id,article_id,date")


@pytest.mark.issue(14)
def test_the_name_is_written_only_when_it_changes(fresh_store):
    """A batch linking mentions to an entity writes its name (and so the name index's entry) only when the
    canonical name changes: here to the spelling most mentions carry."""
    _ingest(fresh_store, _article("s1", [("Bashar al Assad", "PERSON", "Bashar al Assad")]))
    eid = _entity_of(fresh_store, "s1", "Bashar al Assad")
    statements: list[str] = []
    fresh_store.conn.set_trace_callback(statements.append)
    try:
        _ingest(fresh_store, _article("s2", [("Bashar al Assad", "PERSON", "Bashar al Assad")]))
        unchanged = [s for s in statements if s.startswith("UPDATE entities SET")]
        statements.clear()
        _ingest(fresh_store, _article("s3", [("Bashar al-Assad", "PERSON", "Bashar al-Assad")] * 3))
        changed = [s for s in statements if s.startswith("UPDATE entities SET")]
    finally:
        fresh_store.conn.set_trace_callback(None)
    assert unchanged and not [s for s in unchanged if "SET name" in s]
    assert [s for s in changed if "SET name" in s]
    assert _entity_of(fresh_store, "s3", "Bashar al-Assad") == eid
    assert tuple(fresh_store.execute("SELECT name, mentions, articles FROM entities WHERE id = ?", (eid,)).fetchone()) \
        == ("Bashar al-Assad", 5, 3)


@given(st.lists(st.text(alphabet="Aab- .'", min_size=1, max_size=12), max_size=12),
       st.text(alphabet="Aab- .'", min_size=1, max_size=6), st.text(alphabet="Aab- .'", min_size=1, max_size=6))
def test_article_people_answers_as_a_scan_of_the_names_would(names, first_word, last_word):
    people = ArticlePeople(names)
    for name in {*names, f"{first_word} {last_word}"}:
        others = set(names) - {name}
        first, last = fold(first_word), fold(last_word)
        assert people.full_named(last, name) == sorted(p for p in others if len(p.split()) >= 2
                                                       and fold(p.split()[-1]) == last)
        assert people.first_name_of_another(first, name) == any(fold(p).startswith(first + " ") for p in others)
