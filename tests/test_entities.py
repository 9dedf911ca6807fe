"""The entities stage: mentions with in-article canonical names, and the span helper quotes use."""
from __future__ import annotations

import pytest

from newsloom.model import Article
from newsloom.nlp import load_nlp
from newsloom.stages.entities import Entities, base_name, edit_distance, extract_mentions, fold, resolve_in_article

from .conftest import SHARED


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _mentions(nlp, text: str) -> list[dict]:
    return extract_mentions(nlp(text), text)


def _seed(prefix: str) -> str:
    return next((SHARED / "corpora" / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_contract_shape_and_offsets(nlp):
    text = "Sergei Markov, a pro-Kremlin analyst, spoke in Moscow. Later Mr. Markov added more."
    ms = _mentions(nlp, text)
    assert ms == sorted(ms, key=lambda m: m["start"])
    for m in ms:
        assert set(m) == {"start", "end", "text", "label", "name"}
        assert text[m["start"]:m["end"]] == m["text"]
    later = [m for m in ms if m["text"] == "Mr. Markov"]
    assert later and later[0]["name"] == "Sergei Markov" and later[0]["label"] == "PERSON"


def test_possessive_and_titles_are_stripped_from_name(nlp):
    text = ("Belarusian leader Alexander Lukashenko met officials. Lukashenko's aides said Mr Lukashenko "
            "would not travel.")
    names = {m["text"]: m["name"] for m in _mentions(nlp, text) if m["label"] == "PERSON"}
    assert names.get("Lukashenko's") == "Alexander Lukashenko"
    assert names.get("Mr Lukashenko") == "Alexander Lukashenko"
    assert base_name(["President", "Vladimir", "Putin", "'s"], "PERSON") == ["Vladimir", "Putin"]
    assert base_name(["the", "European", "Union"], "ORG") == ["European", "Union"]


def test_different_people_with_one_surname_stay_apart_in_an_article(nlp):
    text = ("Hillary Clinton spoke first. Bill Clinton spoke later. Then Clinton left the room, and "
            "Angela Merkel met Sergei Markov.")
    ms = [m for m in _mentions(nlp, text) if m["label"] == "PERSON"]
    by_text = {m["text"]: m["name"] for m in ms}
    assert by_text["Hillary Clinton"] == "Hillary Clinton" and by_text["Bill Clinton"] == "Bill Clinton"
    assert by_text.get("Clinton") == "Bill Clinton"  # the nearest earlier full name
    assert by_text["Angela Merkel"] != by_text["Sergei Markov"]


def test_seed_002_short_forms(nlp):
    text = _seed("002")
    ms = _mentions(nlp, text)
    names = {(m["text"].replace("\u2019", "'"), m["name"]) for m in ms}
    assert ("Mr. Markov", "Sergei Markov") in names
    assert ("Mr Putin", "Vladimir V. Putin") in names
    assert ("Mr Lukashenko", "Aleksandr G. Lukashenko") in names
    assert all(m["name"] != "Sergei Markov" for m in ms if "Merkel" in m["text"])


def test_seed_000_misspelt_surname_and_acronym(nlp):
    ms = _mentions(nlp, _seed("000"))
    assert any(m["text"] == "Limets" and m["name"] == "Eva Maria Lemets" for m in ms)
    assert any(m["text"] == "EU" and m["name"] == "European Union" for m in ms)
    assert any(m["name"] == "Ursula von der Leyen" for m in ms)  # the split "Ursula von der" + "Leyen" mended


def test_resolve_in_article():
    ms = [{"start": 0, "end": 13, "text": "Sergei Markov", "label": "PERSON", "name": "Sergei Markov"},
          {"start": 30, "end": 40, "text": "Mr. Markov", "label": "PERSON", "name": "Sergei Markov"},
          {"start": 50, "end": 56, "text": "Moscow", "label": "GPE", "name": "Moscow"}]
    assert resolve_in_article(ms, 34, 40) is ms[1]
    assert resolve_in_article(ms, 28, 45) is ms[1]  # overlap, no mention covers it
    assert resolve_in_article(ms, 41, 49) is None
    assert resolve_in_article([], 0, 5) is None


def test_stage_without_doc_gives_no_mentions():
    art = Article(id="x", external_id="x", title="t", text="Nothing parsed here.")
    assert Entities()(art).annotations["mentions"] == []


def test_helpers():
    assert fold("Lukashenko\u2019s") == "lukashenko s"
    assert edit_distance("lemets", "limets") == 1
    assert edit_distance("merkel", "markov", 2) == 3


def test_first_name_alone_takes_the_one_full_name(nlp):
    text = "Laci Peterson vanished in 2002. Police said Laci was last seen walking her dog."
    names = {m["text"]: m["name"] for m in _mentions(nlp, text) if m["label"] == "PERSON"}
    assert names.get("Laci") == "Laci Peterson"
