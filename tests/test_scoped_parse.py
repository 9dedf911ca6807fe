"""The scoped parse: NER everywhere, the parse where quotes and events read it, equal to the model's own."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom import Settings
from newsloom.errors import ConfigError
from newsloom.nlp import load_nlp
from newsloom.nlp.scoped_parse import PARSE_COMPONENTS, SCOPED_COMPONENT, scope, sentence_bounds
from newsloom.stages.nlp import Nlp

from .conftest import SEEDS

_ATTRS = ("tag_", "pos_", "morph", "lemma_", "dep_")


def _seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def _component():
    return load_nlp(scoped=True).get_pipe(SCOPED_COMPONENT)


def _alone(nlp, sent):
    """One sentence (its tokens and token norms) through the model's own tok2vec, tagger, parser,
    attribute ruler and lemmatizer."""
    from spacy.attrs import NORM
    from spacy.tokens import Doc

    doc = Doc(nlp.vocab, words=[t.text for t in sent], spaces=[bool(t.whitespace_) for t in sent])
    doc.from_array([NORM], sent.doc.to_array([NORM])[sent.start:sent.end].reshape(-1, 1))
    for name in (*PARSE_COMPONENTS, "attribute_ruler", "lemmatizer"):
        doc = nlp.get_pipe(name)(doc)
    return doc


def test_parsed_sentences_carry_the_models_own_annotations():
    """Every parsed sentence: the tags, POS, morphology, lemmas and tree the whole model gives it alone."""
    full = load_nlp()
    scoped = load_nlp(scoped=True)
    comp = _component()
    checked = 0
    for doc in scoped.pipe(_seed_texts()):
        bounds = sentence_bounds(doc, comp.punct_ids)
        for (start, end), chosen in zip(bounds, scope(doc, bounds, comp.ids)):
            piece = doc[start:end]
            if not chosen:
                assert all(t.pos_ == "" for t in piece)
                continue
            for mine, ref in zip(piece, _alone(full, piece)):
                assert [str(getattr(mine, a)) for a in _ATTRS] == [str(getattr(ref, a)) for a in _ATTRS], mine.text
                assert mine.head.i - start == ref.head.i, mine.text
            checked += 1
    assert checked >= 20


def test_entities_are_the_bare_ner_pass():
    bare = load_nlp(disable=(*PARSE_COMPONENTS, "attribute_ruler", "lemmatizer", "senter"))
    for text in _seed_texts():
        want = [(e.start_char, e.end_char, e.label_) for e in bare(text).ents]
        assert [(e.start_char, e.end_char, e.label_) for e in load_nlp(scoped=True)(text).ents] == want


def test_out_of_scope_sentences_keep_tokens_with_a_flat_tree():
    text = ("The weather was mild on the coast all week. Officials said the talks in Geneva would resume. "
            "Fishing boats stayed in the harbour.")
    doc = load_nlp(scoped=True)(text)
    sents = list(doc.sents)
    assert [s.text.strip() for s in sents] == ["The weather was mild on the coast all week.",
                                               "Officials said the talks in Geneva would resume.",
                                               "Fishing boats stayed in the harbour."]
    first, said, last = sents
    assert first[0].tag_ == "DT"  # the first sentence is always parsed (the headline)
    assert said.root.lemma_ == "say" and said.root.pos_ == "VERB"
    assert any(t.dep_ == "nsubj" and t.text == "Officials" for t in said)
    assert all(t.pos_ == "" and t.lemma_ == "" for t in last)
    assert last.root.i == last[0].i and {t.dep_ for t in last[1:]} == {"dep"}
    assert doc.user_data["newsloom_parsed_tokens"] == len(first) + len(said)
    assert doc.text == text


def test_scope_rules():
    nlp = load_nlp(scoped=True)
    comp = _component()

    def chosen(text: str) -> list[bool]:
        doc = nlp.make_doc(text)
        doc = nlp.get_pipe("ner")(doc)
        return scope(doc, sentence_bounds(doc, comp.punct_ids), comp.ids)

    # speech verbs; a verb the quotes stage takes only with a clause counts with "that"
    assert chosen("Headline here. It rained. She told reporters it was over. He thinks so. "
                  "He thinks that it is over.") == [True, False, True, False, True]
    # a past form of an event verb reports an event by itself; another form needs a named entity near it;
    # after "to" or a modal it is not asserted; a noun-like use does not count
    assert chosen("Headline here. Troops were deployed to the border. Russia deployed troops. "
                  "The report was long.") == [True, True, True, False]
    assert chosen("Headline here. Troops deploy to the border. Russia wants to deploy troops. Russia may deploy "
                  "troops. The troops held a meeting. Russia held talks.") == [True, False, False, False, False, True]


def test_sentence_bounds_match_spacys_sentencizer():
    from spacy.pipeline import Sentencizer

    nlp = load_nlp(scoped=True)
    comp = _component()
    for text in _seed_texts():
        doc = nlp.make_doc(text)
        ref = [i for i, start in enumerate(Sentencizer().predict([doc])[0]) if start]
        assert [s for s, _ in sentence_bounds(doc, comp.punct_ids)] == ref


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab said. \u201c\u201d\"!?\n'")), max_size=80))
def test_any_text_parses_to_a_consistent_doc(text):
    """Whatever the punctuation: the text survives, every token is in one sentence, no error."""
    doc = load_nlp(scoped=True)(text)
    assert doc.text == text
    assert sum(len(s) for s in doc.sents) == len(doc)


def test_parse_setting():
    assert Nlp(Settings.load(env={})).scoped
    assert not Nlp(Settings.load(env={}, overrides={"stages.nlp.parse": "all"})).scoped
    assert not Nlp(Settings.load(env={}, overrides={"stages.quotes.broad": True})).scoped  # broad reads every verb
    with pytest.raises(ConfigError, match="stages.nlp.parse"):
        Nlp(Settings.load(env={}, overrides={"stages.nlp.parse": "some"}))
