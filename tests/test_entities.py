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


@pytest.mark.issue(10)
def test_names_keep_their_inner_punctuation(nlp):
    text = ("President Bashar al-Assad spoke in Port-au-Prince. The law firm Allen & Overy advised "
            "Sanofi-Aventis on the deal, and Mr al-Assad left.")
    names = {m["name"] for m in _mentions(nlp, text)}
    assert "Bashar al-Assad" in names and "Bashar al Assad" not in names
    assert {"Allen & Overy", "Sanofi-Aventis"} & names


@pytest.mark.issue(10)
def test_datelines_codes_tickers_and_titles_are_not_names(nlp):
    text = ("NEW YORK | Mon Aug 22, 2011 4:46pm BST NEW YORK (Reuters) - Shares of Lloyds (LLOY.L) fell as "
            "the H5N1 virus spread, said Lance Corporal Smith. Recovery and resolution plans (RRP) were filed. "
            "The EUR/USD rate rose after 15:47 UK trading.")
    ms = _mentions(nlp, text)
    texts = {m["text"] for m in ms}
    assert not texts & {"Mon Aug", "BST", "LLOY", "H5N1", "RRP", "EUR/USD", "Lance Corporal", "UK"}
    assert not any(m["text"].startswith("BST") for m in ms)
    assert any(m["name"].casefold() == "new york" for m in ms)


@pytest.mark.issue(10)
def test_a_leading_number_and_trailing_words_are_not_part_of_a_name(nlp):
    text = ("My God see justice 4 Egypt today. Aid came from Islamic Relief and Oxfam. "
            "Muntinlupa city officials met Allen Metzger who spoke.")
    names = {m["name"] for m in _mentions(nlp, text)}
    assert "4 Egypt" not in names and "Islamic Relief and" not in names
    assert not any(n.endswith((" who", " city", " and")) for n in names)


@pytest.mark.issue(10)
def test_a_woman_named_by_honorific_is_not_the_man_of_that_surname(nlp):
    text = ("President Hosni Mubarak addressed the nation. Mr. Mubarak said he would stay. "
            "Reports said Mrs. Mubarak had already left Egypt, and Gamal Mubarak flew to London.")
    ms = [m for m in _mentions(nlp, text) if m["label"] == "PERSON"]
    mrs = [m for m in ms if m["text"].startswith("Mrs")]
    assert mrs and mrs[0]["name"] not in ("Hosni Mubarak", "Gamal Mubarak")
    assert any(m["text"] == "Mr. Mubarak" and m["name"] == "Hosni Mubarak" for m in ms)
    # the one person of that surname: "Mrs. Czechovich" is Alena Czechovich
    alone = _mentions(nlp, "Alena Czechovich runs the shelter. Mrs. Czechovich said the border was closed.")
    assert any(m["text"] == "Mrs. Czechovich" and m["name"] == "Alena Czechovich" for m in alone)


@pytest.mark.issue(10)
def test_a_first_name_or_an_ordinal_is_not_a_surname(nlp):
    text = ("The Gospel of John was read aloud. Chris Oxley of the charity said Chris was tired. "
            "Pilgrims spoke of Pope John II and of Jesus Christ.")
    by_text = {m["text"]: m["name"] for m in _mentions(nlp, text) if m["label"] == "PERSON"}
    assert by_text.get("Chris") in (None, "Chris Oxley")
    assert by_text.get("John") not in ("John II", "Pope John II")


@pytest.mark.issue(10)
def test_the_words_around_a_name_correct_its_type(nlp):
    text = ("Opposition councillor Ines Varga accused the mayor. \"He knew,\" Varga said. "
            "\"It is different,\" said Leo Poon, a microbiologist at the university. "
            "Shelling hit homes in Misrata, a port city east of the capital. "
            "Novartis AG said its vaccine worked. (Editing by Toby Chopra)")
    labels = {m["text"]: m["label"] for m in _mentions(nlp, text)}
    assert labels.get("Ines Varga") == "PERSON" and labels.get("Varga") == "PERSON"
    assert labels.get("Leo Poon") == "PERSON" and labels.get("Toby Chopra", "PERSON") == "PERSON"
    assert labels.get("Misrata") in ("GPE", "LOC", "FAC")
    assert labels.get("Novartis AG") == "ORG"


@pytest.mark.issue(10)
def test_country_abbreviations_are_spelled_out(nlp):
    text = "Officials in the UK and the U.S. said the U.S. Centers for Disease Control and Prevention agreed."
    ms = _mentions(nlp, text)
    names = {m["text"]: m["name"] for m in ms}
    assert names.get("UK") == "United Kingdom" and names.get("U.S.") == "United States"
    assert any(m["name"] == "Centers for Disease Control and Prevention" and m["label"] == "ORG" for m in ms)


@pytest.mark.issue(10)
def test_a_name_beside_a_thing_is_a_product_not_a_person(nlp):
    text = ("Novartis tested its bird flu vaccine Zorvax on adults. Doctors said Zorvax worked well, and Zorvax "
            "will be sold next year. Militias fired Grad rockets at the town. Mr Grad, a farmer, was unhurt.")
    texts = {m["text"] for m in _mentions(nlp, text)}
    assert "Zorvax" not in texts
    assert any(m["text"] == "Mr Grad" for m in _mentions(nlp, text))  # a person with that name stays


@pytest.mark.issue(10)
def test_phases_and_owned_products_are_not_names(nlp):
    from spacy.tokens import Span

    text = "A Phase II study followed. Doctors prescribe GlaxoSmithKline's Relenza to adults."
    doc = nlp(text)
    words = [t.text for t in doc]
    owner, drug, phase = words.index("GlaxoSmithKline"), words.index("Relenza"), words.index("Phase")
    doc.ents = [Span(doc, phase, phase + 2, label="ORG"), Span(doc, owner, owner + 2, label="ORG"),
                Span(doc, drug, drug + 1, label="PERSON")]
    texts = {m["text"] for m in extract_mentions(doc, text)}
    assert "GlaxoSmithKline's" in texts and not texts & {"Phase II", "Relenza"}


@pytest.mark.issue(10)
def test_the_name_of_a_disease_is_not_a_place(nlp):
    text = "Swine flu spread to Mexico. The Swine flu virus reached Britain."
    assert "Swine" in {e.text for e in nlp(text).ents}
    texts = {m["text"] for m in _mentions(nlp, text)}
    assert "Swine" not in texts and {"Mexico", "Britain"} <= texts


@pytest.mark.issue(10)
def test_names_in_a_list_or_around_a_dash_are_apart(nlp):
    text = ("We want Amre Moussa -- Mubarak must go. Hosni Mubarak spoke. Sky, Channel 4 and Channel 5 agreed to "
            "broadcast the appeal.")
    ms = _mentions(nlp, text)
    assert any(m["text"] == "Amre Moussa" for m in ms)
    assert not any("--" in m["name"] or "," in m["name"] for m in ms)
