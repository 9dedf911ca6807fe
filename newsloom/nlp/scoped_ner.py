"""Scoped NER: spaCy's entity recogniser only over the sentences where a name can be.

A sentence is a *name candidate* when a token of it has a digit or a capital letter ("Obama", "iPhone"), except
the first word of the sentence (after punctuation and white space) when it is a title-case function word
(spaCy's English stop words: "The", "He", "But", ...) and the pronoun "I" anywhere. A sentence with no
candidate holds no name, number or written-out date spaCy would label PERSON, ORG, GPE, a DATE with a
digit or a weekday, ...: what NER finds there is mostly lower-case DATE, TIME, CARDINAL and ORDINAL
("last week", "three", "first"). On the first 300 Timeline17 reports such sentences hold 20 % of the
tokens; NER over the whole text found 51 of its 33,200 named entities (PERSON, ORG, GPE, LOC, NORP, FAC)
there, nearly all lower-case misfires ("egypt", "magician").

NER runs over each maximal run of consecutive candidate sentences, always with the first sentence (the
headline), as a Doc of its own with :data:`CONTEXT` tokens of the text on either side (several runs of
several texts in one batch), so an entity keeps the context of the sentences around it; a text that is
all candidates is recognised whole. The runs' entities are written back to the whole Doc
(``doc.ents``); the tokens of the other sentences are "outside" any entity. ``doc.user_data["newsloom_ner_skipped"]`` lists the character ranges NER did not
see (the dates stage finds the day words there by rule, as in reader comments) and
``doc.user_data["newsloom_ner_tokens"]`` counts the tokens it saw.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["NerScope", "runs", "SKIPPED", "NER_TOKENS"]

#: ``Doc.user_data`` keys: the character ranges NER did not run on, and the number of tokens it ran on
SKIPPED = "newsloom_ner_skipped"
NER_TOKENS = "newsloom_ner_tokens"
#: tokens of the skipped text on each side of a run that NER sees as context (en_core_web_sm's NER
#: tok2vec, four convolutions of window 1, sees four tokens each way); entities are kept only inside the run
CONTEXT = 4
#: pieces NER works on at once: spaCy's transition-based NER runs slower on large batches (on the first 300
#: Timeline17 reports: 256 pieces a batch 52.8 CPU s for the nlp stage, 32 pieces 50.6 s, 16 pieces 51.9 s)
BATCH = 32
# ENT_IOB codes of spaCy
_INSIDE, _OUTSIDE, _BEGIN = 1, 2, 3


def runs(chosen: list[bool], bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges of the maximal runs of consecutive chosen sentences (``bounds``: their token ranges)."""
    out: list[tuple[int, int]] = []
    for (start, end), keep in zip(bounds, chosen):
        if not keep:
            continue
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class NerScope:
    """Which sentences are name candidates, and NER over their runs (see the module docstring)."""

    def __init__(self, nlp: Any) -> None:
        from spacy.lang.en.stop_words import STOP_WORDS

        self.nlp = nlp
        self.ner = nlp.get_pipe("ner")
        strings = nlp.vocab.strings
        #: title-case function words that start a sentence without naming anything ("The", "He", "But")
        self.initial = frozenset(strings.add(w.title()) for w in STOP_WORDS if w.isalpha())
        self.pronoun = strings.add("I")
        self._word: dict[int, bool] = {}  # orth -> has a digit or an upper-case letter

    def _flags(self, orth: np.ndarray) -> np.ndarray:
        strings = self.nlp.vocab.strings
        uniq, inverse = np.unique(orth, return_inverse=True)
        known = self._word
        flags = np.empty(len(uniq), dtype=bool)
        for k, o in enumerate(uniq.tolist()):
            got = known.get(o)
            if got is None:
                w = strings[o]
                got = known[o] = any(c.isupper() or c.isdigit() for c in w)
            flags[k] = got
        return flags[inverse.reshape(-1)]

    def candidates(self, doc: Any, bounds: list[tuple[int, int]]) -> list[bool]:
        """Per sentence of ``bounds`` (token ranges of ``doc``): is it a name candidate (the first always is)."""
        from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH

        if not bounds:
            return []
        cols = doc.to_array([ORTH, IS_PUNCT, IS_SPACE])
        orth = cols[:, 0]
        flags = self._flags(orth) & (orth != self.pronoun)
        filler = (cols[:, 1] | cols[:, 2]).astype(bool)
        for start, end in bounds:
            i = start
            while i < end and filler[i]:
                i += 1
            if i < end and flags[i] and int(orth[i]) in self.initial:
                flags[i] = False
        cum = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
        chosen = [bool(cum[e] > cum[s]) for s, e in bounds]
        chosen[0] = True
        return chosen

    def recognise(self, docs: list[Any], bounds_of: list[list[tuple[int, int]]], make_docs: Any,
                  batch_size: int = BATCH) -> None:
        """Run NER over the candidate runs of ``docs`` and write the entities back to each Doc.

        Args:
            docs: the Docs of a batch (tokenised, no entities yet).
            bounds_of: each Doc's sentence token ranges.
            make_docs: ``(docs, [(doc index, start, end), ...]) -> [Doc, ...]``, the pieces as Docs of their own.
            batch_size: pieces NER works on at once.
        """
        from spacy.attrs import ENT_IOB, ENT_TYPE

        whole: list[Any] = []
        pieces: list[tuple[int, int, int]] = []  # the runs with their context, as (doc index, start, end)
        inner: list[tuple[int, int]] = []  # the runs themselves
        for di, (doc, bounds) in enumerate(zip(docs, bounds_of)):
            spans = runs(self.candidates(doc, bounds), bounds)
            if spans == [(0, len(doc))] or not len(doc):
                whole.append(doc)
                doc.user_data[SKIPPED] = []
                doc.user_data[NER_TOKENS] = len(doc)
                continue
            pieces.extend((di, max(0, s - CONTEXT), min(len(doc), e + CONTEXT)) for s, e in spans)
            inner.extend(spans)
            gaps = [(a, b) for a, b in zip([0] + [e for _, e in spans], [s for s, _ in spans] + [len(doc)]) if a < b]
            doc.user_data[SKIPPED] = [(doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for a, b in gaps]
            doc.user_data[NER_TOKENS] = sum(e - s for s, e in spans)
        subs = make_docs(docs, pieces)
        done = list(self.ner.pipe(whole + subs, batch_size=batch_size))[len(whole):]
        arrays: dict[int, np.ndarray] = {}
        for (di, cs, _), (s, e), sub in zip(pieces, inner, done):
            if di not in arrays:
                arrays[di] = np.zeros((len(docs[di]), 2), dtype=np.uint64)
                arrays[di][:, 0] = _OUTSIDE
            got = sub.to_array([ENT_IOB, ENT_TYPE])[s - cs:e - cs]
            if got[0, 0] == _INSIDE:  # an entity begun in the context: its part in the run starts one
                got[0, 0] = _BEGIN
            arrays[di][s:e] = got
        for di, arr in arrays.items():
            docs[di].from_array([ENT_IOB, ENT_TYPE], arr)
