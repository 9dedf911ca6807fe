"""General rules that tell crawler leftovers from article text, one paragraph at a time.

Each rule is (name, reason, test). Rules look at the shape and vocabulary of a line (short,
a call to action, a language switcher, an ad marker, a disclaimer), never at known strings of
any particular article. Internal helper for the clean stage, not a stable API.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "match_rule", "words", "without_furniture"]

_WORD = re.compile(r"\w+", re.UNICODE)

# ISO 639-1 codes plus the common non-standard ones sites put in switchers (ua, cz, gr, jp, cn, kr, br)
_LANG_CODES = frozenset(
    "aa ab af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en "
    "eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja "
    "jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb "
    "nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq "
    "sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu "
    "ua cz gr jp cn dk se ee rs al ge vn".split()
)
_LANG_NAMES = frozenset(
    "english deutsch français francais español espanol italiano русский українська polski português portugues "
    "nederlands türkçe العربية 中文 日本語 беларуская română".split()
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _is_language_switcher(line: str) -> bool:
    tokens = [t for t in re.split(r"[\s|/·•,]+", line.strip().lower()) if t]
    if not 2 <= len(tokens) <= 12:
        return False
    return all(t in _LANG_CODES or t in _LANG_NAMES for t in tokens)


_AD = re.compile(r"^\W*(advertisement|advertisements|sponsored( content)?|ad|ads|story continues below"
                 r"( advertisement)?|continue reading below|scroll to continue( with content)?)\W*$", re.I)
_COMMENTS = re.compile(r"^\W*(leave a (reply|comment)|post a comment|add a comment|\d+ comments?|comments?|"
                       r"show comments|you must be logged in to post a comment\.?|join the conversation)\W*$", re.I)
_READ_MORE = re.compile(r"^\W*(read more|read also|also read|see also|related( articles?| stories| news)?|"
                        r"more from|recommended|most popular|trending|you may also like|next article)\b\s*[:|»>-]?",
                        re.I)
_CTA_VERB = re.compile(r"\b(follow|subscribe|share|sign up|signup|join|like us|download|get (the|our)|"
                       r"stay (up to date|informed|tuned)|click here|tap here|turn on notifications)\b", re.I)
_CTA_PLACE = re.compile(r"\b(google news|facebook|twitter|telegram|whatsapp|instagram|youtube|tiktok|linkedin|"
                        r"newsletter|our channel|our app|the app|app store|google play|rss|news alerts?|push "
                        r"notifications|email alerts?|by email|x\.com|viber|our page)\b", re.I)
_DISCLAIMER_TERMS = re.compile(r"(disclaimer|denial of (any )?responsibility|copyrights? and trademarks?|"
                               r"aggregat(ed|ion|or)|primary source|educational purposes|all rights reserved|"
                               r"does not (necessarily )?reflect the (views|opinions?)|editorial team|"
                               r"takedown|content owners?|fair use)", re.I)
_COPYRIGHT = re.compile(r"^\W*(©|\(c\)|copyright\b)", re.I)
_CAPTION = re.compile(r"\((photo|image|picture|foto|video)\s*:[^)]*\)\s*$|\b(getty images|afp via getty|"
                      r"reuters/|ap photo|photo credit|file photo)\b", re.I)
_JS = re.compile(r"\b(enable javascript|javascript is disabled|accept (all )?cookies|cookie (policy|settings))\b",
                 re.I)


def _short(line: str, limit: int) -> bool:
    return len(line) <= limit


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    reason: str
    test: Callable[[str], bool]


RULES: tuple[Rule, ...] = (
    Rule("language_switcher", "language switcher (a line of language codes)", _is_language_switcher),
    Rule("advertisement", "advertisement marker", lambda s: bool(_AD.match(s))),
    Rule("comments", "comment-section prompt", lambda s: bool(_COMMENTS.match(s))),
    Rule("read_more", "'read more' / related-links line",
         lambda s: _short(s, 140) and bool(_READ_MORE.match(s)) and not s.rstrip().endswith((".", '"', "\u201d"))),
    Rule("call_to_action", "share/follow/subscribe line",
         lambda s: _short(s, 220) and bool(_CTA_VERB.search(s)) and bool(_CTA_PLACE.search(s))),
    Rule("disclaimer", "aggregator or legal disclaimer",
         lambda s: (_short(s, 1500) and len({m.group(0).lower() for m in _DISCLAIMER_TERMS.finditer(s)}) >= 2)
         or (_short(s, 60) and bool(_DISCLAIMER_TERMS.search(s)) and len(words(s)) <= 6)),
    Rule("copyright", "copyright line", lambda s: _short(s, 200) and bool(_COPYRIGHT.match(s))),
    Rule("site_notice", "javascript/cookie notice", lambda s: _short(s, 200) and bool(_JS.search(s))),
)


def match_rule(line: str) -> Rule | None:
    """The first rule that calls ``line`` boilerplate, or None."""
    stripped = line.strip()
    if not stripped:
        return None
    for rule in RULES:
        if rule.test(stripped):
            return rule
    return None


def is_caption(rest: str) -> bool:
    """True when ``rest`` (what follows a repeated title) reads as a photo caption or credit."""
    rest = rest.strip()
    return not rest or bool(_CAPTION.search(rest)) or (len(rest) <= 160 and not rest.endswith("."))


# a sentence of the page around an article: the reader's account, forms, legal notices, comment prompts
_FURNITURE = re.compile(r"\b(click(ing)? (on|here)|sign (up|in)|log ?in|subscribe|screen name|e-?mail address|password|"
                        r"terms of (service|use)|privacy policy|cookies?|report abuse|default edition|you agree|"
                        r"your (feedback|contact information)|select one|required,? but will not be published|"
                        r"all rights reserved|post (a|your) comment|consent(ing)? to (the|this) collection|"
                        r"what do you think of this|make a selection)\b", re.I)
# the page speaking to its reader about the site itself: "you can explain your choice in the comments below"
_YOU = re.compile(r"\b(you|your)\b", re.I)
_SITE = re.compile(r"\b(comments? (below|section)|regist(er|ering|ration)|you submit|your (account|choice|stories)|"
                   r"edition|newsletter|this site|our (site|services))\b", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'\u201c\u2018(])|\n+")


def without_furniture(text: str) -> str:
    """``text`` without the sentences of page furniture (account and comment forms, terms of service,
    edition pickers): what two pages of one site share even when their articles differ."""
    return "\n".join(s for s in _SENTENCES.split(text) if s.strip() and not _is_furniture(s))


def _is_furniture(sentence: str) -> bool:
    if _FURNITURE.search(sentence):
        return True
    quoted = any(q in sentence for q in "\"\u201c\u201d")
    return not quoted and bool(_YOU.search(sentence)) and bool(_SITE.search(sentence))
