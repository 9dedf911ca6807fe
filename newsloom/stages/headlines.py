"""Headline-like title candidates and the junk-sentence test (pure functions, by rule).

Texts without a separate headline (Timeline17) start with whatever the page had: a dateline or page
stamp ("Tuesday 3 May 2011 09.12 BST"), a byline ("By Jane Roe, Special to the Times", "Jane Roe |
10:05 local time"), server furniture ("(an error occurred while processing this directive)").
:func:`title_candidate` strips those from the front of a sentence; :func:`is_junk` tells a sentence
no reader wants in a title, timeline or summary (reader comments, transcript and blog furniture, a bare
time stamp, a short content-free remark). Both look at shape and vocabulary only.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

__all__ = ["title_candidate", "lead_start", "after_stamp", "headline", "cut_words", "is_junk", "is_talk", "stop_words"]


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The ROUGE-1.5.5 SMART list (571 English function words), shipped in ``newsloom/data``."""
    text = resources.files("newsloom").joinpath("data/smart_common_words.txt").read_text()
    return frozenset(text.split())


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
_TIME = r"\d{1,2}[:.]\d\d(?:[:.]\d\d)?(?:\s?[ap]\.?m\.?)?"
_ZONE = r"(?:GMT|BST|UTC|CET|CEST|[ECMP][SD]?T|(?:UK|local|Eastern|Pacific)\s+time)"
_STAMP_TOKEN = rf"(?:{_WEEKDAY}|{_MONTH}|{_TIME}|{_ZONE}|\d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}|at|on)"
_STAMP_INTRO = r"(?:(?:page\s+)?last\s+updated(?:\s+(?:at|on))?|updated|published|posted(?:\s+(?:at|on))?)\s*:?\s*"
#: a leading page stamp: an optional "Last updated at" and a run of date and time tokens
_STAMP = re.compile(rf"^(?:{_STAMP_INTRO})?(?:{_STAMP_TOKEN}(?:[\s,.:|/\-\u2013\u2014]+|$))+", re.I)
_HAS_WHEN = re.compile(rf"{_TIME}|\b{_MONTH}\s+\d|\d\s+{_MONTH}|\b{_WEEKDAY}\b", re.I)
_CAP = r"(?!(?:The|A|An|In|On|At|As|It|He|She|They|We|I|This|That|When|After|Why|How|What)\b)[A-Z][\w.'\-]*"
#: where a headline ends and its page begins: a full stamp (day, month, year, time) before a capitalised lead,
#: or a date before "| By"
_MID_STAMP = re.compile(rf"\s(?:{_STAMP_INTRO})?(?:{_WEEKDAY},?\s+)?(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}),?"
                        rf"\s+\d{{4}},?\s+(?:at\s+)?{_TIME}(?:\s+{_ZONE})?(?=\s+[\"\u201c\u2018']?[A-Z])"
                        rf"|\s{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}(?=\s*\|\s*By\b)", re.I)
_NAME = rf"{_CAP}(?:\s+(?:{_CAP}|de|van|von|al|bin)){{0,3}}"
_PERSON = rf"{_CAP}(?:\s+[A-Z]\.)?\s+{_CAP}"  # a first and a last name (a lead's capitalised subject follows it)
_ROLE = rf"(?:(?:Special\s+to|for)\s+(?:the\s+)?{_CAP}|{_CAP}(?:'s)?(?:\s+(?:Senior|Chief|Staff|Foreign))*" \
        rf"(?:\s+(?:Writers?|Correspondents?|Reporters?|Editor|Producer))?)"
#: "By Jane Roe", "By Jane Roe and John Doe, Special to the Times", "By Jane Roe, Times Staff Writer",
#: "By the Wire Staff"
_BYLINE = re.compile(rf"^By\s+(?:{_PERSON}(?:\s+and\s+{_PERSON})?(?:,\s*{_ROLE})?|(?:the\s+)?(?:{_CAP}\s+){{1,2}}"
                     rf"(?:Wire\s+)?Staff)[\s,:\-\u2013\u2014]*")
#: "By Jane Roe BBC News, Los Angeles": a byline naming the outlet and the reporter's city
_BYLINE_DESK = re.compile(rf"^By\s+{_PERSON}\s+(?:{_CAP}\s+){{0,2}}News,\s*{_CAP}(?:\s+{_CAP})?\s+(?={_CAP})")
#: a photo credit before the lead: "Image by someone via Flickr", "Photograph: AP/Jane Roe", "Photograph: Jane
#: Roe/AP", "Photograph: PA", "Photo: Getty Images"
_AGENCY = r"(?:[A-Z][A-Za-z.\-]*(?:\s+Images)?)"
_CREDIT = re.compile(rf"^(?:Image|Photo(?:graph)?)\s*(?:by\s+\S+(?:\s+via\s+\w+)?|:\s*[A-Za-z]+/{_PERSON}"
                     rf"|:\s*(?:{_PERSON}\s*/\s*)?{_AGENCY}(?:\s*/\s*{_AGENCY})*(?=\s+[\"\u201c\u2018']?[A-Z]))\s+")
#: "Jane Roe | " before a stamp
_NAME_BAR = re.compile(rf"^{_NAME}\s*\|\s*")
#: bracketed server or page messages anywhere in the text
_SERVER = re.compile(r"\((?:[^()]{0,40}\b(?:error|directive|javascript|flash player|browser)\b[^()]{0,40})\)", re.I)

_BAR = re.compile(r"\s\|\s|\|\s*$|^\s*\|")
_COMMENT = re.compile(r"\b(?:reply|report (?:abuse|comment)|permalink|recommend(?:ed)? \(\d+\))\b", re.I)
_FURNITURE = re.compile(rf"\brush transcript\b|\bthis (?:copy|transcript) (?:is|may) not\b|"
                        rf"^posted by\b.{{0,60}}?\b(?:on|at)\s+(?:{_WEEKDAY}|{_MONTH}|\d)|"
                        rf"^(?:filed|written) by\b.{{0,60}}?\b(?:on|at)\s+(?:{_MONTH}|\d)", re.I)
_TERM = re.compile(r"[A-Za-z][A-Za-z'\-]+")


def _strip_stamp(text: str) -> str:
    m = _STAMP.match(text)
    if m and _HAS_WHEN.search(m.group(0)) and (len(m.group(0).split()) >= 2 or re.search(_TIME, m.group(0))):
        return text[m.end():]
    return text


def lead_start(text: str) -> int:
    """Where ``text`` starts as its headline or lead does: the offset past a leading page stamp, byline or
    photo credit (0 when it has none).

    Example:
        >>> lead_start("Photograph: Jane Roe/AP Rain floods the valley")
        24
    """
    t = text
    while True:
        before = t
        t = _strip_stamp(t).lstrip(" \n,|-:\u2013\u2014")
        m = _NAME_BAR.match(t)
        if m and _strip_stamp(t[m.end():]) != t[m.end():]:
            t = t[m.end():]
        for rule in (_BYLINE_DESK, _BYLINE, _CREDIT):
            m = rule.match(t)
            if m and len(t) > m.end():
                t = t[m.end():]
        if t == before:
            break
    return len(text) - len(t)


def title_candidate(text: str) -> str:
    """``text`` without a leading page stamp, byline or server message, so it starts as its headline or lead
    does; a headline run into its page's stamp ("... to Iraqis Thursday 10 March 2005 13.55 GMT American ...")
    ends before the stamp.

    Example:
        >>> title_candidate("Friday 6 May 2011 10.02 BST Rain floods the valley")
        'Rain floods the valley'
    """
    t = _SERVER.sub(" ", text)
    t = re.sub(r"\s+", " ", t).strip()
    t = t[lead_start(t):]
    m = _MID_STAMP.search(t)
    head = t[:m.start()].split() if m else []
    if len(head) >= 3 and head[-1].lower() not in stop_words():  # a headline, then the page's stamp and its lead
        return t[:m.start()].rstrip(" ,|-:\u2013\u2014")
    return t


def after_stamp(text: str) -> int:
    """Where the lead starts in a headline run into its page's stamp and lead ("Floods close roads Sunday 26
    April 2009 10.40 BST A couple wades ..."): the offset past the stamp, or 0 when there is none.

    Example:
        >>> after_stamp("Floods close 12 roads Sunday 26 April 2009 10.40 BST A couple wades home")
        53
    """
    m = _MID_STAMP.search(text)
    head = text[:m.start()].split() if m else []
    if m and len(head) >= 3 and head[-1].lower() not in stop_words():
        return m.end() + len(text[m.end():]) - len(text[m.end():].lstrip())
    return 0


def cut_words(words: list[str], max_words: int, mark: str = "\u2026") -> str:
    """The first ``max_words`` of ``words`` joined, without a trailing comma or colon, and ``mark`` when cut."""
    return " ".join(words[:max_words]).rstrip(",;:") + (mark if len(words) > max_words else "")


def headline(title: str | None, max_words: int = 16) -> str | None:
    """A stored title as a reader should see it: :func:`title_candidate` (no leading stamp, byline or photo
    credit), cut to ``max_words`` words with an ellipsis; the title itself when nothing of it would be left.

    Example:
        >>> headline("Thursday 31 March 2005 00.05 BST Floods closed 12 roads in Kent", max_words=5)
        'Floods closed 12 roads in…'
    """
    if not title:
        return title
    words = (title_candidate(title) or title).split()
    if len(words) < 3:
        words = title.split()
    return cut_words(words, max_words)


#: a transcript's speaker label ("COOPER:", "SEN. JOHN MCCAIN (R), ARIZONA:")
_LABEL = re.compile(r"^[A-Z][A-Z.'\-]+(?:\s[A-Z][A-Z.'\-]+){0,3}(?:\s\([^)]{1,20}\))?(?:,\s[A-Z][A-Z ]+)?:\s")
#: spoken English: a word or two said again across a dash ("it was -- it was"), fillers, an answer's opening
_DISFLUENT = re.compile(r"\b(\w+(?:\s\w+)?)\s--\s\1\b|"
                        r"\b(?:you know|I mean|uh|um|kind of like|thank you|I think|I believe|I guess)\b|"
                        r"\bthanks(?: very much| so much)?\W*$|^(?:Well|Yes|No|Yeah|Oh|Look|OK|Okay),\s", re.I)
#: a sentence whose subject is the speaker or the listener ("I think ...", "You saw how ..."); not "we",
#: which is also a witness's account ("We were told to leave")
_SPEAKER_SUBJECT = re.compile(r"^(?:I|I'm|I've|I'd|I'll|You)\b")
#: after a speaker label, a turn of talk: the speakers or their listener ("we", "you"), a name called out
#: ("Isha, ..."), or a spoken opener ("That's", "Here's"); a dateline's report ("LONDON: Police arrested ...")
#: has none
_TURN = re.compile(r"\b(?:I|I'm|we|we're|we've|you|you're|your|us|our)\b|^[A-Z][a-z]+,\s|"
                   r"^(?:That's|It's|There's|Here's|Let's)\b", re.I)
_QUOTE_MARK = re.compile("[\"\u201c\u201d`]|''")
_QUOTED = re.compile("\"[^\"]*\"?|\u201c[^\u201d]*\u201d?|`[^']*'?")


def is_talk(text: str) -> bool:
    """Is the sentence live talk from a transcript or a blog rather than a report? After a transcript's
    speaker label, if any: a disfluency or filler ("it was -- it was like", "you know", "thanks very much"),
    an answer's opening ("Well, no, ..."), or, outside quotation marks, the speaker or the listener as its
    subject ("You saw how he was on that speech on Thursday").

    Example:
        >>> is_talk("WATSON: Well, no, there were far more people today."), is_talk("Troops left Homs on Monday.")
        (True, False)
    """
    t = text.strip()
    label = _LABEL.match(t)
    rest = t[label.end():] if label else t
    said = _QUOTED.sub(" ", rest)  # a quoted speaker's "as you know" is the speaker's, the sentence reports it
    if label and _TURN.search(said):  # "COOPER: Isha, we show ...", "COOPER: That's one of the protesters"
        return True
    return bool(_DISFLUENT.search(said)) or (not _QUOTE_MARK.search(rest) and bool(_SPEAKER_SUBJECT.match(rest)))


def is_junk(text: str) -> bool:
    """Is the sentence page furniture rather than news? Reader-comment separators and markers ("|",
    "Reply"), transcript and blog furniture ("rush transcript", "Posted by ... on <date>"), a line that
    is only a time stamp, or a short content-free remark (at most three content words, no name, no number).

    Example:
        >>> is_junk("As we noted, big news tonight."), is_junk("Floods closed 12 roads in Kent on Sunday.")
        (True, False)
    """
    t = text.strip()
    if not t or _BAR.search(t) or _FURNITURE.search(t) or is_talk(t):
        return True
    if _COMMENT.search(t) and len(t.split()) < 12:
        return True
    rest = _strip_stamp(t)
    if rest != t and len(rest.split()) < 3:
        return True
    words = t.split()
    if len(words) > 10 or any(c.isdigit() for c in t):
        return False
    names = [w for w in words[1:] if w[0].isupper() and w.strip(".,;:!\"'") not in {"I", "I'm", "I've", "I'll"}]
    content = [w for w in _TERM.findall(t.lower()) if w not in stop_words()]
    return not names and len(content) <= 3
