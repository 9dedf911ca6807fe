"""Scoped parsing: NER over the whole text (or, with ``scoped_ner``, over the sentences where a name can be:
:mod:`newsloom.nlp.scoped_ner`, run by this component on its sentence split), the dependency parse only
where an annotation stage reads it.

The parse of en_core_web_sm (tok2vec, tagger, parser, attribute ruler, lemmatizer) costs more than its
NER. The quotes and events stages read the parse only in sentences that can hold what they look for,
so a sentence is parsed when it has, in lower case and not right after a determiner ("the report"):

* a form of a speech cue verb (say, tell, write, warn, according to, ...: the quotes stage's ``CUE_LEMMAS``);
  a verb the quotes stage takes only with a reported clause (think, find, accuse, ...) counts only
  in a sentence with "that";
* a past form of an event verb that reports an event by itself ("killed", "arrested", "accused": the
  events stage's ``reported`` lemmas), or another form of an event verb (its ``LEXICON``) with a named
  entity at most ``EVENT_WINDOW`` tokens away; not right after "to", a modal or "not" (the events stage
  keeps only asserted events: "to attack", "could attack" are none);
* or it is the first sentence (the headline, whose title case the entities stage reads by tag).

A quotation mark alone does not put a sentence in scope: a direct quote's attribution has a speech
verb, and a quote that continues an attributed one is tied by the quotes stage's text rules.

The ``newsloom_scoped_parse`` spaCy component splits each Doc into sentences with the rule of spaCy's
``Sentencizer``, parses the chosen sentences as Docs of their own (batched across the texts of a
``pipe`` call), takes parts of speech, morphology and lemmas from :mod:`newsloom.nlp.tag_attributes`, and
writes them back with the heads and labels. Every other sentence keeps its tokens and entities with
a flat placeholder tree: its first token is the ``ROOT``, the others hang on it with the label
``dep``, and tags, parts of speech and lemmas stay empty; so ``doc.sents`` still gives every sentence,
and the rules, which look for verbs and labelled dependents, find nothing there.
``doc.user_data["newsloom_parsed_tokens"]`` counts the tokens parsed.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .. import plugins
from .scoped_ner import NerScope
from .tag_attributes import SET_ATTRS, TagAttributes

__all__ = ["SCOPED_COMPONENT", "PARSE_COMPONENTS", "DISABLED", "EVENT_WINDOW", "ScopedParse", "register",
           "scope", "sentence_bounds", "trigger_forms", "parse_scope"]

SCOPED_COMPONENT = "newsloom_scoped_parse"
#: the model components the scoped parse runs on the chosen sentences, in pipeline order (the attribute
#: ruler and the lemmatizer, also disabled, are applied by :class:`~newsloom.nlp.tag_attributes.TagAttributes`)
PARSE_COMPONENTS = ("tok2vec", "tagger", "parser")
DISABLED = (*PARSE_COMPONENTS, "attribute_ruler", "lemmatizer")
#: tokens between an event verb and the nearest named entity, at most, for its sentence to be parsed
EVENT_WINDOW = 6
#: irregular forms of the cue and event verbs (the regular ones are generated)
_IRREGULAR = {
    "say": "said", "tell": "told", "write": "wrote written writes", "find": "found", "show": "shown showed",
    "think": "thought", "hold": "held", "leave": "left", "fly": "flew flown flies", "beat": "beaten",
    "shoot": "shot", "freeze": "froze frozen", "flee": "fled", "fight": "fought", "send": "sent",
    "withdraw": "withdrew withdrawn", "meet": "met",
}


def _regular(lemma: str) -> set[str]:
    """Regular English inflections of a verb lemma (over-generating is harmless: it only widens the scope)."""
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing"}
    if lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if len(lemma) > 2 and lemma[-1] not in "aeiouwxy" and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}  # "ban" -> "banned", "banning"
    return forms


def _forms(lemmas: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for lemma in lemmas:
        word = lemma.split()[0]
        out |= _regular(word)
        out |= set(_IRREGULAR.get(word, "").split())
    return frozenset(out)


#: what the annotation stages read in the parse, as they declare it with :func:`parse_scope`
_SCOPE: dict[str, frozenset[str]] = plugins.registry({})


def parse_scope(*, speech: Iterable[str] = (), clause: Iterable[str] = (), event: Iterable[str] = (),
                reported: Iterable[str] = (), labels: Iterable[str] = ()) -> None:
    """Declare what a stage reads in the parse, so that the scoped parse covers those sentences.

    Args:
        speech: lemmas of speech cue verbs (a sentence with one of their forms is parsed).
        clause: lemmas of verbs read only with a reported clause (parsed when the sentence also has "that").
        event: lemmas of event verbs (parsed when a named entity stands within ``EVENT_WINDOW`` tokens).
        reported: event lemmas whose past forms report an event by themselves ("were killed"): parsed
            with no name near.
        labels: the entity labels that count as named for ``event``.
    """
    for kind, words in (("speech", speech), ("clause", clause), ("event", event), ("reported", reported),
                        ("labels", labels)):
        _SCOPE[kind] = _SCOPE.get(kind, frozenset()) | frozenset(words)


def _past_forms(lemmas: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for lemma in lemmas:
        word = lemma.split()[0]
        out |= {f for f in _regular(word) if f.endswith("ed")} | set(_IRREGULAR.get(word, "").split())
    return frozenset(out)


def trigger_forms() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(speech, clause, event, past event) forms: lower-case words that put a sentence in the parse scope.

    Clause forms (think, hope, find, show, accuse, ...) count only in a sentence with "that": the
    quotes stage takes those verbs only with a reported clause, and without "that" they rarely have one.
    Event forms count near a name; past event forms ("killed", "arrested") anywhere.
    """
    plugins.load()  # the stages declare their words when they are imported
    beliefs = _forms(_SCOPE.get("clause", ()))
    events = _forms(_SCOPE.get("event", ())) - _NOUN_LIKE - _EVENT_NOUN_LIKE
    return ((_forms(_SCOPE.get("speech", ())) | {"according"}) - _NOUN_LIKE - beliefs, beliefs - _NOUN_LIKE,
            events, _past_forms(_SCOPE.get("reported", ())) & events)


#: forms that in news are nearly always nouns ("the United States", "comments", "points"); measured on
#: Timeline17, sentences they alone put in scope gave almost no quotes or events
_NOUN_LIKE = frozenset("""
state states question questions post posts comment comments point points charge charges demands attacks
continue continues back free protests
""".split())


#: event forms that in news are mostly nouns ("the talks", "aid", "fire"); measured on Timeline17 with the
#: whole parse, sentences they alone put in scope gave almost no asserted events
_EVENT_NOUN_LIKE = frozenset("""
mass masses aid fire talks clashes bombing battle interview meeting sanctions support protest march rally attack
""".split())
#: after these an event verb is not asserted ("to attack", "could attack", "not attack")
_UNASSERTING = frozenset("to will would could can may might should must shall not n't never".split())


def sentence_bounds(doc: Any, punct_ids: frozenset[int]) -> list[tuple[int, int]]:
    """Token ranges of the sentences of ``doc`` as spaCy's rule-based ``Sentencizer`` splits them.

    The same rule (a sentence ends after a run of sentence-final punctuation, at the next token that is
    not punctuation), run over ``to_array`` columns instead of Token objects.
    """
    from spacy.attrs import IS_PUNCT, ORTH

    if not len(doc):
        return []
    cols = doc.to_array([ORTH, IS_PUNCT]).tolist()
    cuts = [0]
    seen_period = False
    for i, (orth, is_punct) in enumerate(cols):
        final = orth in punct_ids
        if seen_period and not is_punct and not final:
            cuts.append(i)
            seen_period = False
        elif final:
            seen_period = True
    return list(zip(cuts, cuts[1:] + [len(cols)]))


#: a word right after one of these is a noun ("the report", "his comments"), not a verb
_NOUN_BEFORE = frozenset("the a an his her their its our my your this these those whose of".split())


class _Ids:
    """Hash ids of the word lists, for vectorised look-ups over ``Doc.to_array`` columns."""

    def __init__(self, strings: Any) -> None:
        speech, beliefs, events, past_events = trigger_forms()
        #: the labels of the entities stage's mentions, which the events stage names actors and targets by
        self.named_labels = frozenset(strings.add(label) for label in _SCOPE.get("labels", ()))
        self.beliefs = np.array([strings.add(w) for w in beliefs], dtype=np.uint64)
        self.that = strings.add("that")
        self.speech = np.array([strings.add(w) for w in speech], dtype=np.uint64)
        self.events = np.array([strings.add(w) for w in events], dtype=np.uint64)
        self.past_events = np.array([strings.add(w) for w in past_events], dtype=np.uint64)
        self.unasserting = np.array([strings.add(w) for w in _UNASSERTING], dtype=np.uint64)
        self.noun_before = np.array([strings.add(w) for w in _NOUN_BEFORE], dtype=np.uint64)


def _any_in(flags: np.ndarray, bounds: list[tuple[int, int]]) -> np.ndarray:
    """Per sentence: is any flag set in its token range."""
    cum = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
    starts = np.array([s for s, _ in bounds], dtype=np.int64)
    ends = np.array([e for _, e in bounds], dtype=np.int64)
    return cum[ends] > cum[starts]


def _near(flags: np.ndarray, bounds: list[tuple[int, int]], window: int) -> np.ndarray:
    """Per token: is a flag set within ``window`` tokens of it, in the same sentence."""
    sent_id = np.zeros(len(flags), dtype=np.int64)
    for k, (start, end) in enumerate(bounds):
        sent_id[start:end] = k
    near = flags.copy()
    for shift in range(1, window + 1):
        same = sent_id[shift:] == sent_id[:-shift]
        near[shift:] |= flags[:-shift] & same
        near[:-shift] |= flags[shift:] & same
    return near


def scope(doc: Any, bounds: list[tuple[int, int]], ids: _Ids) -> list[bool]:
    """Which of the sentences ``bounds`` (token ranges of ``doc``) are parsed (see the module docstring)."""
    from spacy.attrs import LOWER, ORTH

    if not bounds:
        return []
    cols = doc.to_array([ORTH, LOWER])
    orth, lower = cols[:, 0], cols[:, 1]
    after_noun_word = np.zeros(len(doc), dtype=bool)
    after_noun_word[1:] = np.isin(lower[:-1], ids.noun_before)
    verb_like = (orth == lower) & ~after_noun_word  # lower case, and not right after a determiner
    speech = _any_in(verb_like & np.isin(lower, ids.speech), bounds)
    speech |= _any_in(verb_like & np.isin(lower, ids.beliefs), bounds) & _any_in(lower == ids.that, bounds)
    named = np.zeros(len(doc), dtype=bool)
    for ent in doc.ents:
        if ent.label in ids.named_labels:
            named[ent.start:ent.end] = True
    # an event's named actor or target stands near its verb: a name within EVENT_WINDOW tokens; a past
    # form reports an event by itself ("100 people were killed"); after "to" or a modal none is asserted
    near = _near(named, bounds, EVENT_WINDOW)
    unasserted = np.zeros(len(doc), dtype=bool)
    unasserted[1:] = np.isin(lower[:-1], ids.unasserting)
    event_words = verb_like & np.isin(lower, ids.events) & ~unasserted
    events = _any_in(event_words & (near | np.isin(lower, ids.past_events)), bounds)
    chosen = speech | events
    chosen[0] = True  # the headline or first sentence: the entities stage reads its title case by tag
    return chosen.tolist()


_ATTRS = (*SET_ATTRS, "HEAD")


class ScopedParse:
    """spaCy component: parse the in-scope sentences of each Doc (see the module docstring)."""

    def __init__(self, nlp: Any, name: str = SCOPED_COMPONENT, batch_size: int = 256, scoped_ner: bool = False) -> None:
        from spacy.attrs import IDS
        from spacy.pipeline import Sentencizer

        self.nlp = nlp
        self.name = name
        self.batch_size = batch_size
        self.punct_ids = frozenset(nlp.vocab.strings.add(c) for c in Sentencizer.default_punct_chars)
        self.attr_ids = [IDS[a] for a in _ATTRS]
        self.norm_id = IDS["NORM"]
        self.head_id = IDS["HEAD"]
        self.lemma_id = IDS["LEMMA"]
        self.tag_attributes = TagAttributes(nlp)
        self.ids = _Ids(nlp.vocab.strings)
        self.dep_id = nlp.vocab.strings.add("dep")
        self.root_id = nlp.vocab.strings.add("ROOT")
        #: NER over the name-candidate sentences only (:mod:`newsloom.nlp.scoped_ner`); else the pipeline's
        #: own ``ner`` ran before this component
        self.ner_scope = NerScope(nlp) if scoped_ner else None

    def __call__(self, doc: Any) -> Any:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Any], batch_size: int = 128) -> Iterator[Any]:
        batch: list[Any] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._parse(batch)
                batch = []
        if batch:
            yield from self._parse(batch)

    def _parse(self, docs: list[Any]) -> list[Any]:
        bounds_of = [sentence_bounds(doc, self.punct_ids) for doc in docs]
        if self.ner_scope is not None:
            self.ner_scope.recognise(docs, bounds_of, self._sentence_docs)
        pieces: list[tuple[int, int, int]] = []
        for di, (doc, bounds) in enumerate(zip(docs, bounds_of)):
            pieces.extend((di, s, e) for (s, e), keep in zip(bounds, scope(doc, bounds, self.ids)) if keep)
        subs = self._sentence_docs(docs, pieces)
        for name in PARSE_COMPONENTS:
            subs = list(self.nlp.get_pipe(name).pipe(subs, batch_size=self.batch_size))
        arrays = [self._flat(doc, bounds) for doc, bounds in zip(docs, bounds_of)]
        parsed = [np.zeros(len(doc), dtype=bool) for doc in docs]
        n_set = len(SET_ATTRS)
        for (di, s, e), sub, cols in zip(pieces, subs, self.tag_attributes.columns(subs)):
            arrays[di][s:e, :n_set] = cols
            arrays[di][s:e, n_set] = sub.to_array([self.head_id]).reshape(-1)
            parsed[di][s:e] = True
        for doc, arr, mask in zip(docs, arrays, parsed):
            if len(doc):
                doc.from_array(self.attr_ids, arr)
                doc.from_array([self.lemma_id], self.tag_attributes.fill_lemmas(doc, mask).reshape(-1, 1))
            doc.user_data["newsloom_parsed_tokens"] = int(mask.sum())
        return docs

    def _sentence_docs(self, docs: list[Any], pieces: list[tuple[int, int, int]]) -> list[Any]:
        """Each piece (doc index, start, end) as a Doc of its own, with the tokens and token norms of its text.

        (``Span.as_doc`` would also copy entities, at a cost that grows with the length of the whole Doc.)
        """
        from spacy.attrs import NORM, ORTH, SPACY
        from spacy.tokens import Doc

        strings = self.nlp.vocab.strings
        cols = [doc.to_array([ORTH, SPACY, NORM]) for doc in docs]
        out = []
        for di, s, e in pieces:
            piece = cols[di][s:e]
            sub = Doc(self.nlp.vocab, words=[strings[int(o)] for o in piece[:, 0]],
                      spaces=piece[:, 1].astype(bool).tolist())
            sub.from_array([self.norm_id], piece[:, 2:3])
            out.append(sub)
        return out

    def _flat(self, doc: Any, bounds: list[tuple[int, int]]) -> np.ndarray:
        """The placeholder annotation of unparsed sentences: empty tags, a flat tree under the first token."""
        arr = np.zeros((len(doc), len(_ATTRS)), dtype=np.uint64)
        head_col, dep_col = _ATTRS.index("HEAD"), _ATTRS.index("DEP")
        idx = np.arange(len(doc), dtype=np.int64)
        for s, e in bounds:
            arr[s:e, head_col] = (s - idx[s:e]).astype(np.uint64)
            arr[s:e, dep_col] = self.dep_id
            arr[s, dep_col] = self.root_id
        return arr


def register() -> None:
    """Register the spaCy factory of :class:`ScopedParse` (once per process)."""
    from spacy.language import Language

    if not Language.has_factory(SCOPED_COMPONENT):
        Language.factory(SCOPED_COMPONENT, default_config={"scoped_ner": False},
                         func=lambda nlp, name, scoped_ner: ScopedParse(nlp, name, scoped_ner=scoped_ner))
