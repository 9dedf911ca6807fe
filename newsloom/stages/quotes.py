"""The quotes stage: direct and indirect speech, with the cue verb and the speaker resolved in the article.

A rule cascade over the spaCy parse of the nlp stage (``article.annotations["doc"]``):

1. Quotation marks are paired per paragraph (curly, straight and doubled ``''`` marks; a quote that runs
   over paragraphs opens each paragraph and closes once; an unbalanced mark never raises).
2. Attribution frames come from the parse: a cue verb (say, tell, add, according to, ...) with its
   subject and, when it has one, its reported clause (``ccomp``, or the clause before "..., X said").
3. Each standalone quote is tied to the frame right after it ("“...,” X said") or right before it
   ("X said: “...”"); two quotes around one frame become one split quote with two parts, and the
   quote sentences or quote-only paragraphs that follow an attributed quote become more parts of it.
4. Frames not used by a direct quote whose reported clause is long enough become indirect quotes
   ("X said that ...", "according to X, ..."); with ``broad`` also beliefs and stances.
5. The speaker is resolved to a name: a named mention in the speaker phrase, or for a pronoun or a
   role ("he said", "the spokesman said") the person who was speaking or was the subject just before.

Offsets are character offsets into ``article.text``. Articles without a parse (not English) get the
direct quotes of step 1 only, with no speaker.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Article, Mention, Quote
from ..nlp import doc_text
from ..nlp.scoped_parse import parse_scope
from ..pipeline import stage
from ..settings import stage_settings
from .comments import comments_start
from .entities import extract_mentions
from .speakers import SpeakerResolver, names_thing

__all__ = ["Quotes", "extract_quotes", "find_quote_spans", "CUE_LEMMAS", "CLAUSE_CUE_LEMMAS", "OPINION_LEMMAS"]

#: lemmas of verbs that report speech, writing or a stated position
CUE_LEMMAS = frozenset("""
say tell add note explain claim argue insist warn write state declare announce report acknowledge admit ask
reply respond continue recall suggest predict urge tweet post comment stress emphasize emphasise observe
describe complain promise pledge vow deny confirm concede assert contend maintain allege testify estimate
mention joke quip boast cite caution recount reiterate repeat agree disagree point counter charge accuse
indicate conclude find show reveal propose recommend demand threaten hint signal assure remark scoff question
believe think hope fear worry expect speculate lament proclaim blast slam praise criticize criticise attack
""".split())

#: cue lemmas that count only when the verb has a reported clause (they are too common otherwise)
CLAUSE_CUE_LEMMAS = frozenset("""
find show reveal indicate think believe hope fear worry expect agree disagree continue point question
describe praise criticize criticise attack blast slam charge accuse cite mention signal propose recommend
""".split())


# -- step 1: quotation marks -----------------------------------------------------------------------------
_OPENERS = {"\u201c": "\u201d", "\u201e": "\u201d", "\u00ab": "\u00bb", "``": "''"}
_CLOSERS = {"\u201d", "\u00bb"}
_MARK_RE = re.compile(r"``|''|[\"\u201c\u201d\u201e\u00ab\u00bb]")
#: single marks of texts typeset the TeX or Penn Treebank way (`` ` This is evil, ' said Mann``: a fifth of
#: Timeline17's articles): a backtick after a space, or an apostrophe with a space (or a line end) on both sides
_SINGLE_RE = re.compile(r"(?<![^\s(\[{])`(?!`)|(?<!\S)'(?!\S)")
_SENTENCE_PUNCT = ".!?:;,\u2014\u2013-([{\"\u201d"


def _mark_role(text: str, start: int, end: int) -> str:
    """'open', 'close' or 'either' for the quotation mark at text[start:end]."""
    mark = text[start:end]
    if mark in _OPENERS:
        return "open"
    if mark in _CLOSERS:
        return "close"
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if (before.isspace() or before in "([{\u2014\u2013-/:") and not after.isspace():
        return "open"
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]}\u2014\u2013-"):
        return "close"
    return "either"


def find_quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of quoted passages, marks included, in text order.

    Marks pair within a paragraph; a paragraph that ends inside a quote continues into the next one when
    that paragraph opens with a mark (the news convention for quotes that run over paragraphs), and
    otherwise closes at the paragraph end. Never raises, whatever the marks.

    Args:
        text: the clean article text.

    Returns:
        Non-overlapping (start, end) character spans.
    """
    spans: list[tuple[int, int]] = []
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    carry: int | None = None  # start of a quote left open at the end of the previous paragraph
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        open_at: int | None = None
        marks = list(_MARK_RE.finditer(text, p_start, p_end))
        if carry is not None:
            first = marks[0] if marks else None
            lead = text[p_start:first.start()].strip() if first else "x"
            if first is not None and not lead and _mark_role(text, first.start(), first.end()) != "close":
                open_at = carry
                marks = marks[1:]
            else:
                spans.append((carry, _trim_end(text, paragraphs[p_index - 1][1])))
        carry = None
        for m in marks:
            role = _mark_role(text, m.start(), m.end())
            if open_at is None:
                if role in ("open", "either"):
                    open_at = m.start()
                continue
            german_close = text[open_at] == "\u201e" and m.group() == "\u201c"  # „...“
            if role in ("close", "either") or german_close or (role == "open" and m.group() in ('"', "''")):
                spans.append((open_at, m.end()))
                open_at = None
            else:  # a second opener: the first one was never closed
                open_at = m.start()
        if open_at is not None:
            nxt = paragraphs[p_index + 1] if p_index + 1 < len(paragraphs) else None
            if nxt is not None and _MARK_RE.match(text, nxt[0]):
                carry = open_at
            elif p_end - open_at > 1:
                spans.append((open_at, _trim_end(text, p_end)))
    spans = [s for s in spans if s[1] - s[0] > 2]
    return sorted(spans + _single_spans(text, paragraphs, spans))


def _single_spans(text: str, paragraphs: list[tuple[int, int]], double: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quotes in single TeX/Treebank marks (`` ` ... ' `` or `` ' ... ' ``), outside the double-marked quotes.

    A backtick opens; a free-standing apostrophe opens only at a paragraph's start or after punctuation (after a
    word it is a spaced-out possessive: "the British Bankers ' Association", "in five years ' time") and closes the
    quote a mark opened. A quote still open at its paragraph's end is dropped (a stray mark, not a quote).
    """
    out: list[tuple[int, int]] = []
    starts = [s for s, _ in double]  # sorted, not overlapping
    for p_start, p_end in paragraphs:
        open_at: int | None = None
        for m in _SINGLE_RE.finditer(text, p_start, p_end):
            k = bisect.bisect_right(starts, m.start())
            if k and double[k - 1][1] > m.start():
                continue  # nested in a double-marked quote: that quote's own business
            if open_at is not None and m.group() == "'":
                if bisect.bisect_right(starts, open_at) == k:  # no double-marked quote in between
                    out.append((open_at, m.end()))
                open_at = None
                continue
            j = m.start() - 1
            while j >= p_start and text[j].isspace():
                j -= 1
            if m.group() == "`" or j < p_start or text[j] in _SENTENCE_PUNCT:
                open_at = m.start()
    return [s for s in out if s[1] - s[0] > 2]


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _is_standalone(text: str, start: int, end: int, min_words: int) -> bool:
    """A quote that is a whole utterance, not a quoted phrase inside the writer's sentence."""
    inner = text[start:end].strip("\"'\u201c\u201d\u201e\u00ab\u00bb` \n")
    before = text[:start].rstrip(" \t")
    prev = before[-1:] if before else "\n"
    if len(inner.split()) < min_words:
        # a short utterance opening a sentence and closed by a comma: "“Judge,” Brafman said, “I ...”"
        return bool(inner) and inner.endswith(",") and prev in "\n.!?" and inner[0].isupper()
    first = next((c for c in inner if c.isalnum()), "")
    return prev in "\n.:,!?\u2014\u2013-" or first.isupper() or prev == ""


# -- step 2: frames from the parse -------------------------------------------------------------------------
@dataclass
class Frame:
    """One attribution found in the parse: a cue, who, and what (when the parse gives a clause)."""

    cue: str
    cue_start: int
    cue_end: int
    speaker: tuple[int, int] | None
    speaker_head: Any  # spaCy Token or None
    content: list[tuple[int, int]] = field(default_factory=list)
    sent_start: int = 0
    sent_end: int = 0
    used: bool = False
    generic: bool = False  # a verb outside the cue list: used only right beside a quote (or in broad mode)

    @property
    def left(self) -> int:
        return min(self.cue_start, self.speaker[0]) if self.speaker else self.cue_start

    @property
    def right(self) -> int:
        return max(self.cue_end, self.speaker[1]) if self.speaker else self.cue_end


_SUBJ = ("nsubj", "nsubjpass", "csubj")
#: belief verbs: "I think ..." is an aside, "X believes ..." a belief, neither a report of speech (broad mode
#: keeps the second)
OPINION_LEMMAS = frozenset("think believe hope fear worry expect guess suppose".split())
# the scoped parse parses the sentences with these verbs (belief and clause verbs only with "that")
parse_scope(speech=CUE_LEMMAS, clause=CLAUSE_CUE_LEMMAS | OPINION_LEMMAS)


def _subject(verb: Any) -> Any:
    """The subject token of a cue verb, inherited through xcomp/conj/advcl chains ("went on to say")."""
    tok = verb
    for _ in range(4):
        # two subjects ("the organiser of the concert Chris Hunt defended"): the one nearest the verb
        for child in sorted(tok.children, key=lambda c: abs(c.i - tok.i)):
            if child.dep_ in _SUBJ:
                if child.dep_ == "nsubjpass":
                    agent = next((c for c in tok.children if c.dep_ == "agent"), None)
                    pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
                    if pobj is not None:
                        return pobj
                return child
        if tok.dep_ in ("xcomp", "conj", "advcl", "relcl", "acl") and tok.head is not tok:
            if tok.dep_ == "acl" and tok.tag_ == "VBG" and tok.head.dep_ in ("dobj", "attr") and \
                    tok.head.head is not tok.head:
                tok = tok.head.head  # "X defended the event saying ...": the parser hung the participle on the object
                continue
            if tok.dep_ in ("relcl", "acl") and tok.head.pos_ in ("NOUN", "PROPN", "PRON"):
                return tok.head
            tok = tok.head
            continue
        break
    # inverted order after a quote: "..., said David Wasserman" parsed with the name as an object
    for child in verb.rights:
        if child.dep_ in ("dobj", "attr", "npadvmod", "appos", "oprd") and child.pos_ in ("PROPN",):
            return child
    return None


def _np_span(head: Any) -> tuple[int, int]:
    """Character span of a noun phrase: its subtree without a trailing relative clause or punctuation."""
    toks = [t for t in head.subtree]
    cut = [t for t in head.children if t.dep_ in ("relcl", "acl") and t.i > head.i]
    if cut:
        stop = min(t.left_edge.i for t in cut)
        toks = [t for t in toks if t.i < stop]
    while toks and (toks[-1].is_punct or toks[-1].is_space):
        toks.pop()
    while toks and (toks[0].is_punct or toks[0].is_space):
        toks.pop(0)
    if not toks:
        return head.idx, head.idx + len(head)
    return toks[0].idx, toks[-1].idx + len(toks[-1])


_CLOSING = {"\u201d", '"', "''", "\u00bb", "\u2019"}
_OPENING = {"\u201c", '"', "``", "\u00ab", "\u201e", "\u2018"}
_EDGE_PUNCT = ",;:-\u2014\u2013 \n\t"
#: a final period that belongs to an abbreviation ("7 p.m.", "the U.S.") stays with the clause
_ABBREV = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Mr|Mrs|Ms|Dr|Jr|Sr|St|Inc|Co|Corp|Ltd|Gen|Sen|Rep|Gov|Lt|Col)\.$")


def _clause_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a clause span of edge punctuation and space; include a closing mark that balances an opener."""
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and (text[end - 1] in _EDGE_PUNCT or
                           (text[end - 1] == "." and not _ABBREV.search(text, start, end))):
        end -= 1
    if end - start < 2:
        return None
    inner = text[start:end]
    opens = inner.count("\u201c") + inner.count("``")
    closes = inner.count("\u201d") + inner.count("''")
    straight = inner.count('"')
    if opens > closes or straight % 2 == 1:
        m = re.match(r"[.,!?]?[\u201d\"']+|[.,!?]?''", text[end:end + 3])
        if m:
            end += m.end()
    return start, end


_DISCOURSE = frozenset("still but and yet so also however meanwhile instead indeed".split())


def _tokens_span(text: str, toks: list[Any]) -> tuple[int, int] | None:
    """The trimmed span of a token run, without a dangling conjunction or a leading discourse marker."""
    toks = list(toks)
    while toks and (toks[-1].dep_ == "cc" or (toks[-1].is_punct and toks[-1].text not in _CLOSING)):
        toks.pop()
    while len(toks) > 1 and (toks[0].lower_ in _DISCOURSE and toks[0].dep_ in ("cc", "advmod")
                             or toks[0].is_punct and toks[0].text not in _OPENING):
        toks.pop(0)
    if not toks:
        return None
    return _clause_span(text, toks[0].idx, toks[-1].idx + len(toks[-1]))


def _cue_text(verb: Any) -> tuple[str, int, int]:
    parts = [verb] + [c for c in verb.children if c.dep_ == "prt" and c.i == verb.i + 1]
    end = parts[-1].idx + len(parts[-1])
    # a Span's text is built from its own tokens; Doc.text would rebuild the whole document each call
    return verb.doc[verb.i:parts[-1].i + 1].text, verb.idx, end


def _candidates(doc: Any) -> Iterator[tuple[Any, Any]]:
    """(token, sentence) for every verb, auxiliary and "according", without touching other tokens."""
    from spacy.attrs import LOWER, POS
    from spacy.parts_of_speech import IDS as POS_IDS

    cols = doc.to_array([POS, LOWER])
    wanted = np.isin(cols[:, 0], [POS_IDS["VERB"], POS_IDS["AUX"]]) | (cols[:, 1] == doc.vocab.strings["according"])
    sents = list(doc.sents)
    starts = [s.start for s in sents]
    for i in np.flatnonzero(wanted):
        yield doc[int(i)], sents[bisect.bisect_right(starts, int(i)) - 1]


def find_frames(doc: Any, *, broad: bool = False, text: str | None = None) -> list[Frame]:
    """Every attribution frame in a parsed text (see the module docstring, step 2).

    Args:
        doc: the spaCy Doc.
        broad: also keep verbs outside the cue list that have a subject and a reported clause or a
            stance object ("X believes that ...", "X criticized Y"), for attribution in the wide sense.
        text: ``doc``'s text, when the caller has it.
    """
    text = text if text is not None else doc_text(doc)
    frames: list[Frame] = []
    for tok, sent in _candidates(doc):
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            frame = _according_frame(text, tok, sent)
            if frame:
                frames.append(frame)
            continue
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        lemma = tok.lemma_.lower()
        # a belief ("X believes", "critics of X think") is no speech: only broad mode reports it
        known = lemma in CUE_LEMMAS and (broad or lemma not in OPINION_LEMMAS)
        if tok.tag_ == "VBN" and tok.dep_ in ("amod", "compound", "acl", "advcl", "ROOT") and \
                not any(c.dep_ in ("aux", "auxpass", "nsubj", "nsubjpass") for c in tok.children):
            continue  # "Asked about it, he said ...": a participle, not a speech act
        if _not_speech(tok, lemma):
            continue
        # "Trump was quick to add that ...": with a reported clause, the speaker may be the adjective's subject
        subj = _clause_subject(tok) if any(c.dep_ == "ccomp" for c in tok.children) else _subject(tok)
        if subj is None and tok.dep_ == "ROOT" and tok.i > sent.start and doc[tok.i - 1].pos_ == "PROPN":
            subj = doc[tok.i - 1]  # "..., Deputy District Attorney David Walgren said": a name the parser hung elsewhere
        if lemma == "quote":  # "the paper quoted X as saying ...": X is the one speaking
            subj = next((c for c in tok.children if c.dep_ == "dobj"), subj)
        if subj is not None and subj.lower_ in ("you", "yourself"):
            continue  # words addressed to the reader (terms of use, comment rules), not a report of speech
        if subj is not None and "\n" in text[min(subj.idx, tok.idx):max(subj.idx, tok.idx)]:
            subj = None  # a heading line run into the sentence by the parser, not the speaker
        if subj is not None and subj.lower_ in ("who", "that", "which") and tok.dep_ == "relcl":
            subj = tok.head  # "Sanders, who said ...": the noun the relative clause hangs on
        if subj is not None and (subj.ent_type_ in ("TIME", "DATE") or subj.lower_ in ("that", "which", "this")):
            subj = None  # "12:15 p.m. Obama says ..." (live blogs) or a relative pronoun left over
        if subj is not None and subj.lower_ in ("i", "we") and lemma in OPINION_LEMMAS:
            continue  # "I think ...": the writer's (or a quoted speaker's) own aside, not an attribution
        if subj is not None and subj.dep_ == "nsubjpass" and subj.head.i == tok.i and lemma in _ADDRESSEE_VERBS:
            subj = None  # "X has been told to prepare": X is who was spoken to, not the speaker
        if subj is not None and names_thing(subj):
            if lemma in _NARRATION_LEMMAS or not known:
                continue  # "the latest estimates suggest ...", "the lists showed ...": narration, not speech
            subj = _reporting_subject(tok) or subj  # "X said that his goal was ... and added": X speaks
        content = _interposed(text, tok, subj, sent) or _content(text, tok, sent, broad=broad)
        if known and lemma in CLAUSE_CUE_LEMMAS and not content and not broad:
            continue
        if not known and (subj is None or subj.pos_ not in ("PROPN", "PRON", "NOUN") or lemma in _LIGHT_VERBS):
            continue
        cue, cs, ce = _cue_text(tok)
        frames.append(Frame(cue, cs, ce, _np_span(subj) if subj is not None else None, subj,
                            content, sent.start_char, sent.end_char, generic=not known))
    frames.extend(_headline_frames(text))
    return frames


def _addressee(verb: Any) -> Any:
    """Who a verb of telling speaks to: its object or dative after it ("told reporters", "tell you"), or None."""
    return next((c for c in verb.rights if c.dep_ in ("dobj", "dative", "iobj") and c.pos_ in ("NOUN", "PROPN", "PRON")),
                None)


#: subjects that name no one in particular ("anyone in the business will tell you ...")
_GENERIC_SUBJECTS = frozenset("anyone anybody everyone everybody nobody whoever".split())
#: words that open an indirect question ("tell whether", "tell how"): with no one told, "tell" means "know"
_WH = frozenset("whether if where how what when why who which".split())


def _clause_subject(verb: Any) -> Any:
    """The subject of the clause an infinitive hangs in: "Trump was quick to add" -> Trump, "it is hard to say" -> it."""
    subj = _subject(verb)
    if subj is None and verb.dep_ == "xcomp" and verb.head.pos_ == "ADJ" and verb.head.head is not verb.head:
        subj = _subject(verb.head.head)
    return subj


def _not_speech(verb: Any, lemma: str) -> bool:
    """A cue word in a sense that reports no speech.

    * an infinitive of judgement with no one speaking: "too early to tell where ...", "it is hard to say whether ..."
      ("Trump was quick to add that ..." has a speaker and stays);
    * "tell" with no one told and an indirect question: "time will tell whether ...", "they don't tell where ...";
      "all told";
    * "anyone will tell you that ...": the writer's own claim, put in no one's mouth; "ask yourself ...";
    * "it does tell me one thing": what a fact shows the speaker.
    """
    if any(c.lower_ in ("yourself", "yourselves") for c in verb.children):
        return True
    if verb.dep_ == "xcomp" and any(c.dep_ == "aux" and c.tag_ == "TO" for c in verb.children) and (
            verb.head.pos_ == "ADJ" or any(c.dep_ == "acomp" for c in verb.head.children)):
        subj = _clause_subject(verb)
        if subj is None or subj.lower_ == "it":
            return True
    if lemma != "tell":
        return False
    if verb.i > 0 and verb.doc[verb.i - 1].lower_ == "all" and verb.i + 1 < len(verb.doc) and \
            verb.doc[verb.i + 1].text == ",":
        return True  # "All told, the groups spent ..."
    addressee = _addressee(verb)
    if addressee is None:
        clause = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i), None)
        first = clause.left_edge if clause is not None else None
        return first is not None and first.lower_ in _WH
    subj = _subject(verb)
    if subj is None:
        return False
    return (addressee.lower_ == "you" and subj.lower_ in _GENERIC_SUBJECTS) or (
        addressee.lower_ in ("me", "us") and subj.lower_ in ("it", "this", "that"))


#: verbs whose passive subject is who was spoken to ("X was told/asked/urged to ...")
_ADDRESSEE_VERBS = frozenset("tell ask urge warn advise order instruct inform remind assure promise".split())
#: verbs that, with a thing as subject, state what data or documents show: narration, not speech
_NARRATION_LEMMAS = frozenset("suggest show indicate reveal find estimate imply predict mean demonstrate".split())
#: words that open a writer's continuation after "..., X said,": not the rest of what X said
_NOT_CONTINUATION = frozenset("""
which who whom whose where when while as after before because since although though but and or adding citing
according referring noting saying
""".split())


def _reporting_subject(verb: Any) -> Any:
    """The subject of the speech verb whose reported clause holds ``verb`` ("Allen said that his goal was ...
    and added ..."), or None."""
    for anc in verb.ancestors:
        if anc.dep_ == "ccomp" and anc.head.lemma_.lower() in CUE_LEMMAS:
            subj = _subject(anc.head)
            if subj is not None and not names_thing(subj):
                return subj
            return None
    return None


def _interposed(text: str, verb: Any, subj: Any, sent: Any) -> list[tuple[int, int]]:
    """"It would be a mistake, said X, to assume ...": a cue set off by commas inside the sentence reports
    the whole sentence around it (two parts), however the parser hung the pieces."""
    if subj is None or subj.sent != sent:
        return []
    left = min(verb.idx, subj.left_edge.idx)
    right = max(verb.idx + len(verb), subj.right_edge.idx + len(subj.right_edge))
    sentence = text[sent.start_char:sent.end_char]
    if _MARK_RE.search(sentence):
        return []  # quotation marks: the direct-quote steps handle the layout
    before, after = text[sent.start_char:left].rstrip(), text[right:sent.end_char].lstrip()
    if not before.endswith(",") or not after.startswith(","):
        return []
    rest = verb.doc.char_span(right + len(text[right:sent.end_char]) - len(after) + 1, sent.end_char,
                              alignment_mode="expand")
    first = next((t for t in rest if not t.is_punct and not t.is_space), None) if rest is not None else None
    if first is None or first.lower_ in _NOT_CONTINUATION or first.tag_ == "VBG" or len(before.split()) < 3:
        return []
    return _spans(_clause_span(text, sent.start_char, sent.start_char + len(before) - 1),
                  _clause_span(text, first.idx, sent.end_char))


_HEADLINE = re.compile(r"(?m)^(?P<src>[A-Z][\w.\u2019'-]*(?: [A-Z][\w.\u2019'-]*){0,3}):[ \t]+(?P<says>[^\n]{8,200})$")


def _headline_frames(text: str) -> list[Frame]:
    """'Name: words' lines (headline style, up to 200 characters after the colon: a longer line is a
    paragraph, or a whole article on one line): the name is the source and the colon the cue."""
    out = []
    for m in _HEADLINE.finditer(text):
        content = _clause_span(text, m.start("says"), m.end("says"))
        if content is None:
            continue
        out.append(Frame(":", m.end("src"), m.end("src") + 1, (m.start("src"), m.end("src")), None, [content],
                         m.start(), m.end()))
    return out


#: verbs too light to carry an attribution on their own (broad mode ignores them)
_LIGHT_VERBS = frozenset("""
be have make do get go take come give put let help allow ensure mean win keep become need use try start begin
""".split())

_STANCE_OBJECT = frozenset("""
call criticize criticise support praise endorse defend want prefer accuse thank mock dismiss propose back oppose
discuss mention describe cite urge ask blame attack slam blast reject question welcome condemn applaud recommend
""".split())


#: speech verbs whose plain object is what was said ("announced his candidacy", "tweeted a photograph")
_SAID_OBJECT = frozenset("announce declare claim tweet write report reveal propose post deny confirm".split())


def _content(text: str, verb: Any, sent: Any, *, broad: bool = False) -> list[tuple[int, int]]:
    """The reported clause of a cue verb as one or two spans, if the parse shows one.

    ``broad`` also takes a stance verb's object ("criticized the plan").
    """
    lemma = verb.lemma_.lower()
    clauses = [c for c in verb.children if c.dep_ == "ccomp"]
    # "... boss" Despite X, Mr Dudley said the company was ...": the clause after the verb is the one it reports
    clause = next((c for c in clauses if c.i > verb.i), clauses[0] if clauses else None)
    if clause is None and (lemma in _SAID_OBJECT or (broad and lemma in _STANCE_OBJECT)):
        objs = [c for c in verb.children if c.dep_ in ("dobj", "xcomp", "oprd") and c.i > verb.i]
        if lemma == "write" and objs:
            objs = _written_content(verb, objs)
        if objs:
            toks = sorted((t for o in objs for t in o.subtree), key=lambda t: t.i)
            return _spans(_tokens_span(text, toks))
    if clause is None and lemma in ("promise", "pledge", "vow", "threaten", "urge", "ask", "tell", "warn", "call",
                                    "demand"):
        clause = next((c for c in verb.children if c.dep_ == "xcomp"), None)
        addressee = next((c for c in verb.children if c.dep_ in ("dobj", "nsubj") and clause is not None
                          and verb.i < c.i < clause.i), None)
        if clause is not None and addressee is not None and lemma in ("urge", "ask", "call"):
            # "urged the congregation to stand": who is asked belongs to what is asked
            toks = sorted([*addressee.subtree, *clause.subtree], key=lambda t: t.i)
            return _spans(_tokens_span(text, toks))
    if clause is not None:
        toks = [t for t in clause.subtree]
        tail = [c for c in clause.children if c.i > clause.i and c.dep_ == "advcl" and c.tag_ == "VBG"
                and c.doc[c.left_edge.i - 1].text == ","]
        if tail and clause.i > verb.i:
            # "... should leave the race, echoing a memo from ...": the writer's aside is not reported
            stop = min(t.left_edge.i for t in tail)
            toks = [t for t in toks if t.i < stop]
        if clause.i > verb.i:
            toks += _raised_object(toks)
        if clause.i < verb.i:  # "..., attorneys for the family said."
            toks = [t for t in sent if t.i < verb.i and t.i >= clause.left_edge.i]
            subj = _subject(verb)
            if subj is not None and subj.i < verb.i:
                toks = [t for t in toks if t.i < subj.left_edge.i]
        return _spans(_tokens_span(text, toks))
    if verb.dep_ == "parataxis":
        inside = {t.i for t in verb.subtree}
        left = min(inside)
        before = _tokens_span(text, [t for t in sent if t.i < left])
        if verb.head.i < verb.i:  # "X happened, officials said."
            return _spans(before)
        # "Loyalty, he noted, has long been ...": the sentence around the parenthetical attribution
        after = _tokens_span(text, [t for t in sent if t.i > max(inside)])
        return _spans(before, after)
    return []


def _written_content(verb: Any, objs: list[Any]) -> list[Any]:
    """What "write" with an object reports: the object with the clause saying what it says ("wrote a letter asking
    the department to investigate", "a letter to Zucker asking that ..."), or nothing ("wrote a letter", "have
    written an account of their detention": what was written, not what it says)."""
    if any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in _WRITTEN_ACTS for o in objs for c in o.children):
        return objs
    last = max(t.i for o in objs for t in o.subtree)
    says = [c for c in verb.children if c.dep_ == "advcl" and c.tag_ == "VBG" and c.i > last and
            c.lemma_.lower() in _WRITTEN_ACTS]
    return [*objs, *says[:1]] if says else []


#: what a letter or an op-ed can be said to do ("a letter asking ...", "an op-ed urging ...", "mocking ...")
_WRITTEN_ACTS = CUE_LEMMAS | _STANCE_OBJECT | frozenset("congratulate request express apologize complain".split())


def _raised_object(toks: list[Any]) -> list[Any]:
    """"X knew of, but did not address, flaws in ...": when a reported clause ends in a comma on a verb or
    preposition left without its object, the noun phrase after the comma (hung elsewhere by the parser)
    is that object."""
    dangling = max((t for t in toks if not t.is_punct), key=lambda t: t.i, default=None)
    if dangling is None or dangling.i + 2 >= len(dangling.doc) or dangling.nbor(1).text != ",":
        return []
    if not ((dangling.pos_ == "ADP" and not any(c.dep_ == "pobj" for c in dangling.children)) or
            (dangling.pos_ == "VERB" and not any(c.dep_ in ("dobj", "ccomp", "xcomp", "attr") for c in dangling.children))):
        return []
    comma = dangling.i + 1
    obj = dangling.doc[comma + 1]
    while obj.head.i != obj.i and obj.head.i > comma and obj.dep_ not in ("dobj", "pobj", "attr", "npadvmod"):
        obj = obj.head
    if obj.dep_ not in ("dobj", "pobj", "attr", "npadvmod") or obj.pos_ not in ("NOUN", "PROPN") or \
            obj.left_edge.i != comma + 1 or obj.sent != dangling.sent or obj.head.i > comma:
        return []
    return [t for t in obj.subtree]


def _spans(*spans: tuple[int, int] | None) -> list[tuple[int, int]]:
    return [s for s in spans if s is not None]


def _according_frame(text: str, tok: Any, sent: Any) -> Frame | None:
    to = tok.doc[tok.i + 1]
    source = next((c for c in to.children if c.dep_ == "pobj"), None)
    if source is None:
        return None
    phrase = set(t.i for t in tok.subtree) | {tok.i, to.i} | set(t.i for t in source.subtree)
    head = tok.head if tok.head is not tok else None
    if head is not None and head.i not in phrase:
        toks = [t for t in head.subtree if t.i not in phrase and t.sent == sent]
    else:
        toks = [t for t in sent if t.i not in phrase]
    return Frame("according to", tok.idx, to.idx + len(to), _np_span(source), source, _runs(text, toks),
                 sent.start_char, sent.end_char)


def _runs(text: str, toks: list[Any]) -> list[tuple[int, int]]:
    """Spans of the runs of consecutive tokens ("X, according to Y, did Z" gives "X" and "did Z")."""
    runs: list[list[Any]] = []
    for t in sorted(toks, key=lambda t: t.i):
        if runs and t.i == runs[-1][-1].i + 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return _spans(*(_tokens_span(text, run) for run in runs))


# -- step 3: tie direct quotes to frames ---------------------------------------------------------------------
def _gap_ok(text: str, start: int, end: int, max_chars: int) -> bool:
    """The text between a quote and its attribution: short, on one line, no sentence end or other quote."""
    if end < start:
        return False
    gap = text[start:end]
    if len(gap) > max_chars or "\n" in gap:
        return False
    return not re.search(r"[.!?;][\s\"\u201d]*\s+[A-Z\u201c\"]|[\u201c\u201d\"]", gap)


def _reports_next(text: str, frame: Frame) -> bool:
    """Does the frame's own reported clause start right after its cue ("said the company ...", "said that")?"""
    if not frame.content or frame.content[0][0] < frame.cue_end:
        return False
    return re.fullmatch(r"\s*(?:that\s*)?", text[frame.cue_end:frame.content[0][0]]) is not None


def _attach(text: str, quotes: list[tuple[int, int]], frames: list[Frame], max_gap: int
            ) -> list[tuple[list[tuple[int, int]], Frame | None]]:
    """Pair each standalone quote with a frame; merge quotes that share one (split quotes)."""
    free = [f for f in frames if not any(qs <= f.cue_start < qe for qs, qe in quotes)]
    groups: list[tuple[list[tuple[int, int]], Frame | None]] = []
    by_frame: dict[int, int] = {}
    for qs, qe in quotes:
        # a frame that reports its own clause after the cue ("X said the company was ...") is not the
        # attribution of a quote before it
        after = [f for f in free if f.left >= qe and _gap_ok(text, qe, f.left, 3 if f.generic else max_gap)
                 and not _reports_next(text, f)]
        before = [f for f in free if f.right <= qs and _gap_ok(text, f.right, qs, 3 if f.generic else max_gap)
                  and (not f.generic or text[f.right:qs].strip() in (":", ","))
                  and not any(f.right <= s2 and e2 <= qs for s2, e2 in quotes)
                  and not (_reports_next(text, f) and f.content[-1][1] <= qs)]  # its own clause sits between
        if before and re.search(r"\.\s*(?:['\"\u201d\u00bb]|'')$", text[qs:qe]):
            after = []  # "As X later said: “... .” His solution seemed simple": a quote closed by a full stop ends
            # its sentence; the clause after it is the writer's next one, the attribution is the one before
        frame = min(after, key=lambda f: f.left - qe) if after else (
            max(before, key=lambda f: f.right) if before else None)
        if frame is not None and id(frame) in by_frame:
            groups[by_frame[id(frame)]][0].append((qs, qe))
            continue
        if frame is None and groups and groups[-1][1] is not None:
            # "“A,” he said. “B.”": the sentence after an attributed quote continues it
            parts, prev = groups[-1]
            if prev.left >= parts[-1][1] and _gap_ok(text, prev.right, qs, max_gap + 40) \
                    and len(parts) < 8:
                parts.append((qs, qe))
                continue
        if frame is not None:
            frame.used = True
            by_frame[id(frame)] = len(groups)
        groups.append(([(qs, qe)], frame))
    return groups


# -- step 5: speaker names -------------------------------------------------------------------------------------
def _mentions(article: Article, doc: Any) -> list[Mention]:
    """The entities stage's mentions, or (when it has not run) the same extraction over the Doc."""
    given = article.annotations.get("mentions")
    if given is not None:
        return sorted(given, key=lambda m: m["start"])
    return extract_mentions(doc, doc.text) if doc is not None else []




# -- the whole cascade ---------------------------------------------------------------------------------------
def _record(text: str, parts: list[tuple[int, int]], kind: str, frame: Frame | None) -> Quote:
    parts = sorted(parts)
    return {
        "start": parts[0][0], "end": parts[-1][1], "parts": [list(p) for p in parts],
        "text": " ".join(text[s:e] for s, e in parts), "kind": kind,
        "cue": frame.cue if frame else None, "cue_start": frame.cue_start if frame else None,
        "cue_end": frame.cue_end if frame else None,
        "speaker_text": text[frame.speaker[0]:frame.speaker[1]] if frame and frame.speaker else None,
        "speaker_start": frame.speaker[0] if frame and frame.speaker else None,
        "speaker_end": frame.speaker[1] if frame and frame.speaker else None,
        "speaker_name": None, "on_behalf_of": None,
    }


_ONLY_SENTENCE_END = re.compile(r"[\s.!?\"'\u201d\u2019]*")


def _continue_speakers(text: str, out: list[tuple[list[tuple[int, int]], str, Frame | None]],
                       orphans: list[list[tuple[int, int]]]) -> list[tuple[list[tuple[int, int]], str, Frame | None]]:
    """A quote with no attribution that opens the sentence right after an attributed quote (direct or
    indirect: 'He explained that ... . "It all started ..."') is the same speaker going on."""
    for parts in orphans:
        before = [q for q in out if q[0][-1][1] <= parts[0][0]]
        if not before:
            continue
        prev = max(before, key=lambda q: q[0][-1][1])
        gap = text[prev[0][-1][1]:parts[0][0]]
        closing = text[parts[-1][0]:parts[-1][1]].rstrip("\"'\u201d\u2019 ")
        if closing.endswith(","):  # “...,” Margelov, told reporters: its own attribution, unread
            continue
        if prev[2] is not None and gap.count("\n") <= 2 and _ONLY_SENTENCE_END.fullmatch(gap) and \
                prev[2].right <= parts[0][0]:
            out.append((parts, "direct", prev[2]))
            out.sort(key=lambda x: x[0][0][0])
    return out


def extract_quotes(text: str, doc: Any = None, mentions: list[Mention] | None = None,
                   cfg: dict[str, Any] | None = None) -> list[Quote]:
    """Quotes of one text (see the module docstring for the steps).

    Args:
        text: the clean text; ``doc`` must be its parse when given.
        doc: the spaCy Doc of ``text`` (None: direct quotes by marks only, no speakers).
        mentions: named mentions as the entities stage gives them (None: from ``doc.ents``).
        cfg: stage settings (``min_words``, ``max_gap``, ``min_indirect_words``, ``continue_paragraphs``).

    Returns:
        Quote dicts in text order (the keys listed in docs/annotate.md).
    """
    cfg = {**stage_settings(None, "quotes"), **(cfg or {})}
    spans = find_quote_spans(text)
    standalone = [s for s in spans if _is_standalone(text, s[0], s[1], cfg["min_words"])]
    cut = comments_start(text)
    if cut is not None:  # reader comments are no report of speech
        standalone = [s for s in standalone if s[0] < cut]
    if doc is None:
        return [_record(text, [s], "direct", None) for s in standalone]
    frames = [f for f in find_frames(doc, broad=cfg["broad"], text=text)
              if not any(qs < f.cue_start < qe for qs, qe in standalone)]  # speech inside a quote is the speaker's
    groups = _attach(text, standalone, frames, cfg["max_gap"])
    out: list[tuple[list[tuple[int, int]], str, Frame | None]] = []
    previous: tuple[list[tuple[int, int]], Frame | None] | None = None
    orphans: list[list[tuple[int, int]]] = []
    for parts, frame in groups:
        if frame is None and cfg["continue_paragraphs"] and previous is not None and previous[1] is not None:
            # a paragraph that is only a quote, right after an attributed quote: the same speaker goes on
            gap = text[previous[0][-1][1]:parts[0][0]]
            para_start = text.rfind("\n", 0, parts[0][0]) + 1
            if text[para_start:parts[0][0]].strip() == "" and gap.count("\n") <= 2 and \
                    max(previous[1].right, previous[0][-1][1]) <= parts[0][0]:
                previous[0].extend(parts)  # one attribution, as annotators mark it: more parts of one quote
                continue
        if frame is None:
            orphans.append(parts)
            continue
        out.append((parts, "direct", frame))
        previous = (parts, frame)
    covered = [p for parts, _, _ in out for p in parts]
    for frame in frames:
        if frame.used or not frame.content or (frame.generic and not cfg["broad"]):
            continue
        cs, ce = frame.content[0][0], frame.content[-1][1]
        size = sum(e - s for s, e in frame.content)
        if sum(len(text[s:e].split()) for s, e in frame.content) < cfg["min_indirect_words"]:
            continue
        if any(cs < e and ce > s and (min(ce, e) - max(cs, s)) > 0.5 * size for s, e in covered):
            continue
        whole = find_quote_spans(text[cs:ce])
        kind = "direct" if len(frame.content) == 1 and len(whole) == 1 and \
            whole[0][1] - whole[0][0] >= (ce - cs) - 2 else "indirect"
        parts = list(frame.content)
        s_last, e_last = parts[-1]
        tail = next((e for s, e in spans if s_last <= s < e_last < e and "\n" not in text[e_last:e]), None)
        if tail is not None:  # said that “... . And ...”: the quotation opened inside runs on past the sentence
            parts[-1] = (s_last, tail)
        out.append((parts, kind, frame))
    out.sort(key=lambda x: x[0][0][0])
    if cfg["continue_paragraphs"]:
        out = _continue_speakers(text, out, orphans)
    if cut is not None:
        out = [o for o in out if o[0][0][0] < cut]
    resolver = SpeakerResolver(doc, mentions if mentions is not None else extract_mentions(doc, text), text, spans,
                               [f.speaker for f in frames if f.speaker is not None and not f.generic])
    records = []
    for parts, kind, frame in out:
        rec = _record(text, parts, kind, frame)
        if frame is not None:
            rec["speaker_name"], rec["on_behalf_of"] = resolver.resolve(frame.speaker, frame.speaker_head, parts)
        records.append(rec)
    return records


@stage("quotes", requires=("annotations.doc",), assigns=("annotations.quotes",), extra="nlp")
class Quotes:
    """Direct and indirect quotes with cue, speaker span and the speaker's in-article name."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "quotes")

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        parsed = doc_text(doc) if doc is not None else None
        if parsed is not None and parsed != article.text[:len(parsed)]:
            doc = parsed = None  # the parse is of another text (a stage changed it since): offsets would be wrong
        text = parsed if parsed is not None else article.text
        mentions = _mentions(article, doc)
        article.annotations["quotes"] = extract_quotes(text, doc, mentions, self.cfg)
        return article
