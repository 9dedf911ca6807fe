"""Scoped NER: entities only in the runs of name-candidate sentences, equal there to NER over the run."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom import Settings
from newsloom.errors import ConfigError
from newsloom.nlp import load_nlp
from newsloom.nlp.scoped_ner import CONTEXT, NER_TOKENS, SKIPPED, runs
from newsloom.nlp.scoped_parse import SCOPED_COMPONENT, sentence_bounds
from newsloom.stages.dates import extract_dates
from newsloom.stages.nlp import Nlp

from .conftest import SEEDS

NAMED = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"}


def _nlp():
    return load_nlp(scoped=True, scoped_ner=True)


def _ents(doc) -> set[tuple[int, int, str]]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents}


def _sentences(doc):
    comp = _nlp().get_pipe(SCOPED_COMPONENT)
    bounds = sentence_bounds(doc, comp.punct_ids)
    return bounds, comp.ner_scope.candidates(doc, bounds)


def _run_alone(doc, start: int, end: int) -> set[tuple[int, int, str]]:
    """NER over tokens [start, end) of ``doc`` with CONTEXT tokens either side, as a Doc of its own, entities
    cut to the run, in the offsets of ``doc``."""
    from spacy.attrs import NORM
    from spacy.tokens import Doc

    lo, hi = max(0, start - CONTEXT), min(len(doc), end + CONTEXT)
    piece = doc[lo:hi]
    sub = Doc(doc.vocab, words=[t.text for t in piece], spaces=[bool(t.whitespace_) for t in piece])
    sub.from_array([NORM], doc.to_array([NORM])[lo:hi].reshape(-1, 1))
    sub = load_nlp().get_pipe("ner")(sub)
    out = set()
    for e in sub.ents:
        s, t = max(e.start + lo, start), min(e.end + lo, end)
        if s < t:
            out.add((doc[s].idx, doc[t - 1].idx + len(doc[t - 1]), e.label_))
    return out


def test_seed_named_entities_are_those_of_the_whole_ner():
    """On the seeds, NER over the candidate runs finds every named entity NER over the whole text finds,
    while skipping some of the text."""
    whole = load_nlp(scoped=True)
    skipped = 0
    for path in sorted(SEEDS.glob("0*.txt")):
        text = path.read_text(encoding="utf-8")
        doc = _nlp()(text)
        want = {x for x in _ents(whole(text)) if x[2] in NAMED}
        assert {x for x in _ents(doc) if x[2] in NAMED} == want, path.name
        skipped += len(doc) - doc.user_data[NER_TOKENS]
    assert skipped > 100


def test_entities_are_ner_over_each_run_and_none_outside():
    for path in sorted(SEEDS.glob("0*.txt"))[:3]:
        doc = _nlp()(path.read_text(encoding="utf-8"))
        bounds, chosen = _sentences(doc)
        want = set()
        for start, end in runs(chosen, bounds):
            want |= _run_alone(doc, start, end)
        assert _ents(doc) == want, path.name
        for (start, end), keep in zip(bounds, chosen):
            if not keep:
                assert all(t.ent_iob_ == "O" for t in doc[start:end])


def test_candidate_rule():
    doc = _nlp()("Storm hits coast. The rain went on for days. He said it was bad. Police said 3 died. "
                 "But the iPhone app failed. I think so. They met Obama.")
    bounds, chosen = _sentences(doc)
    # the first sentence always; a sentence-initial function word or "I" is no candidate; a digit, a capital
    # letter elsewhere in a word, or a capitalised word that is no function word is
    assert chosen == [True, False, False, True, True, False, True]
    assert [doc.text[s:e] for s, e in doc.user_data[SKIPPED]] == ["The rain went on for days. He said it was bad.",
                                                                  "I think so."]


def test_day_words_of_skipped_sentences_are_found_by_rule():
    text = "Obama met Merkel in Berlin on Monday. The talks ended yesterday. He said they agreed two weeks ago."
    doc = _nlp()(text)
    doc.user_data["text"] = text
    assert not [e for e in doc.ents if e.start_char > 40]
    got = {(d["text"], d["value"]) for d in extract_dates(doc, date(2011, 5, 4))}
    assert got == {("Monday", "2011-05-02"), ("yesterday", "2011-05-03"), ("two weeks ago", "2011-W16")}


_WORDS = ["the", "said", "rain", "went", "on", "last", "week", "Obama", "Paris", "police", "He", "The", "I", "2011",
          "three", "yesterday", "Reuters", "iPhone", "and", "in"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=9), min_size=1, max_size=6))
def test_any_text_keeps_entities_only_in_candidate_runs(sentences):
    """Whatever the words: the text survives, no entity in a sentence without a candidate, the skipped
    ranges are exactly those sentences, and the entities of a run are NER's over the run."""
    text = " ".join(" ".join(words) + "." for words in sentences)
    doc = _nlp()(text)
    assert doc.text == text
    bounds, chosen = _sentences(doc)
    assert chosen[0]
    spans = runs(chosen, bounds)
    assert doc.user_data[NER_TOKENS] == sum(e - s for s, e in spans)
    for (start, end), keep in zip(bounds, chosen):
        if not keep:
            assert all(t.ent_iob_ == "O" for t in doc[start:end])
    skipped = [i for (s, e), keep in zip(bounds, chosen) if not keep for i in range(s, e)]
    covered = [t.i for t in doc for a, b in doc.user_data[SKIPPED] if a <= t.idx < b]
    assert covered == skipped
    want = set()
    for start, end in spans:
        want |= _run_alone(doc, start, end)
    assert _ents(doc) == want


def test_ner_setting():
    scope = Nlp(Settings.load(env={})).nlp.get_pipe(SCOPED_COMPONENT).ner_scope
    assert scope is not None
    whole = Nlp(Settings.load(env={}, overrides={"stages.nlp.ner": "all"})).nlp
    assert "ner" in whole.pipe_names and whole.get_pipe(SCOPED_COMPONENT).ner_scope is None
    with pytest.raises(ConfigError, match="stages.nlp.ner"):
        Nlp(Settings.load(env={}, overrides={"stages.nlp.ner": "some"}))
