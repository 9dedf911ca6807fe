"""The events stage: actor, action, target, place and date from the parse, each citing its sentence."""
from __future__ import annotations

from datetime import date

import pytest

from newsloom import Loom, Settings
from newsloom.nlp import load_nlp
from newsloom.stages.dates import extract_dates
from newsloom.stages.entities import extract_mentions
from newsloom.stages.events import ACTIONS, LEXICON, extract_events

from .conftest import SHARED


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _events(nlp, text: str, published: date | None = date(2021, 11, 16)) -> list[dict]:
    doc = nlp(text)
    return extract_events(doc, extract_mentions(doc, text), extract_dates(doc, published))


def test_accuse_with_actor_target_date_and_span(nlp):
    text = "Migrants waited. Poland accused Belarus of luring migrants on Monday."
    ev = [e for e in _events(nlp, text) if e["action"] == "ACCUSE"]
    assert len(ev) == 1
    e = ev[0]
    assert (e["actor"], e["target"], e["date"], e["precision"]) == ("Poland", "Belarus", "2021-11-15", "day")
    assert text[e["start"]:e["end"]] == "Poland accused Belarus of luring migrants on Monday."


def test_consult_with_prepositional_target_and_place(nlp):
    text = "Angela Merkel met with Vladimir Putin in Moscow on Tuesday."
    ev = [e for e in _events(nlp, text) if e["action"] == "CONSULT"]
    assert ev and ev[0]["actor"] == "Angela Merkel" and ev[0]["target"] == "Vladimir Putin"
    assert ev[0]["place"] == "Moscow" and ev[0]["date"] == "2021-11-16"


def test_passive_voice_swaps_actor_and_target(nlp):
    text = "Roman Protasevich was arrested by Belarus in Minsk."
    ev = [e for e in _events(nlp, text) if e["action"] == "COERCE"]
    assert ev and ev[0]["actor"] == "Belarus" and ev[0]["target"] == "Roman Protasevich"


def test_negated_and_unnamed_give_no_event(nlp):
    assert not [e for e in _events(nlp, "Lukashenko did not threaten Poland.") if e["action"] == "THREATEN"]
    assert _events(nlp, "They discussed it for hours.") == []


def test_call_for_is_a_demand_but_called_is_a_phone_call(nlp):
    demand = _events(nlp, "Ursula von der Leyen called for new sanctions.")
    assert any(e["action"] == "DEMAND" and e["actor"] == "Ursula von der Leyen" for e in demand)
    call = _events(nlp, "Angela Merkel called Alexander Lukashenko on Wednesday.")
    assert any(e["action"] == "CONSULT" and e["target"] == "Alexander Lukashenko" for e in call)


def test_lexicon_maps_to_the_small_set():
    assert set(LEXICON.values()) <= set(ACTIONS)
    for a in ("CONSULT", "AGREE", "DEMAND", "ACCUSE", "THREATEN", "SANCTION", "AID", "RELEASE", "MOVE",
              "PROTEST", "ASSAULT", "MOBILIZE"):
        assert a in ACTIONS


def test_seed_events_stored_and_linked(tmp_path):
    paths = [next((SHARED / "corpora" / "seeds").glob(f"{p}_*.txt")) for p in ("001", "004")]
    stages = ["clean", "language", "nlp", "entities", "dates", "events", "resolve"]
    with Loom(tmp_path / "t.db", settings=Settings.load(env={}, overrides={"pipeline.stages": stages})) as loom:
        loom.ingest(*map(str, paths))
        rows = list(loom.store.rows("SELECT e.*, a.text AS art FROM events e JOIN articles a ON a.id = e.article_id"))
    assert len(rows) >= 5
    for r in rows:
        assert r["art"][r["start"]:r["end"]] == r["sentence"]
        assert r["action"] in ACTIONS
        if r["actor"]:
            assert r["actor_id"] is not None
    consult = [r for r in rows if r["action"] == "CONSULT" and r["actor"] == "Alexander Lukashenko"]
    assert consult and consult[0]["target"] == "Angela Merkel" and consult[0]["date"] == "2021-11-15"
