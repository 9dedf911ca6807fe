"""Known transformations that turn a real article into a labelled copy (for ``newsloom eval copies``).

Each transformation takes the original text and a seeded ``random.Random`` and returns the copy's
text. Internal helper of the copies benchmark, not a stable API.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = ["TRANSFORMS", "KIND_OF", "split_lines"]

# a spinner's thesaurus: common news words and a stand-in (spinning tools swap every word they know)
_SYNONYMS = dict(pair.replace("_", " ").split(":") for pair in """
said:stated says:states told:informed announced:declared reported:indicated according:as_per
police:law_enforcement officials:authorities official:representative killed:slain died:passed_away
dead:deceased injured:hurt wounded:harmed attack:assault attacked:assaulted arrested:detained
arrest:detention charged:accused charges:accusations court:tribunal judge:magistrate lawyer:attorney
company:firm companies:firms government:administration president:head minister:secretary
people:individuals man:male woman:female men:males women:females children:kids child:kid
city:town home:residence house:residence car:vehicle cars:vehicles shot:gunned fire:blaze
began:started begin:start started:commenced ended:concluded end:conclusion big:large huge:enormous
small:little large:sizeable many:numerous several:various new:fresh old:aged first:initial last:final
week:seven_days year:twelve_months years:years'_time day:date major:key help:assist helped:assisted
show:display shows:displays showed:displayed found:discovered find:discover search:hunt looking:seeking
want:wish wants:wishes wanted:wished need:require needs:requires decided:chose decision:choice
statement:declaration spokesman:representative spokeswoman:representative believe:think believed:thought
news:information report:account reports:accounts expected:anticipated likely:probable quickly:rapidly
recently:lately later:afterwards earlier:previously because:since however:nevertheless also:additionally
now:currently near:close_to area:region country:nation countries:nations during:throughout after:following
before:prior_to about:roughly around:approximately more:extra most:largest part:portion number:quantity
left:departed leave:depart came:arrived come:arrive went:proceeded go:proceed took:grabbed take:grab
made:produced make:produce gave:provided give:provide get:obtain got:obtained won:secured win:secure
lost:misplaced play:perform played:performed team:squad game:match fans:supporters star:celebrity
actress:performer actor:performer film:movie movie:film show:programme deal:agreement agreed:consented
plan:scheme plans:schemes hospital:medical_center doctor:physician doctors:physicians treatment:therapy
victims:casualties victim:casualty earthquake:quake storm:tempest ship:vessel plane:aircraft
announcement:declaration investigation:inquiry investigators:detectives suspect:suspected_person
suspects:suspected_persons evidence:proof crime:offence prison:jail sentenced:condemned sentence:term
billion:thousand_million million:thousand_thousand percent:per_cent company's:firm's official's:representative's
killing:slaying deaths:fatalities death:passing building:structure buildings:structures street:road
streets:roads residents:inhabitants community:neighbourhood family:relatives friends:pals friend:pal
husband:spouse wife:spouse son:boy daughter:girl mother:mom father:dad life:existence lives:existences
month:four_weeks months:several_weeks today:this_day yesterday:the_day_before tonight:this_evening
morning:forenoon night:evening weekend:Saturday_and_Sunday early:premature late:belated
important:significant serious:grave strong:powerful high:elevated low:reduced top:leading best:finest
world:globe public:general_public national:countrywide local:regional international:worldwide
security:safety forces:troops military:armed_forces soldiers:troops army:military war:conflict
fight:battle fighting:combat support:backing supporters:backers opposition:opponents leader:chief
leaders:chiefs party:faction election:vote elections:votes campaign:drive vote:ballot law:legislation
rules:regulations rule:regulation issue:matter issues:matters problem:difficulty problems:difficulties
question:query questions:queries answer:response called:described_as call:phone_call calls:requests
asked:requested ask:request added:included continued:carried_on continue:carry_on remain:stay
remained:stayed become:turn_into became:turned_into including:counting such:similar while:whilst
among:amongst across:throughout since:ever_since until:till despite:in_spite_of against:versus
""".split())
_DUTCHISH = {"with": "met", "who": "die", "which": "die", "that": "die", "the": "de", "and": "en", "of": "van"}
_CREDITS = ("Additional reporting by staff writers.", "Editing by the news desk.",
            "This story has been updated.", "Staff report.")
_WIRES = ("(AP) — ", "(Reuters) - ", "(AFP) - ", "")
_WIRE_TAILS = ("\n\nThe Associated Press contributed to this report.", "\n\n(Reporting by Reuters)", "", "")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"\u201c])")


def split_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def _join(lines: list[str]) -> str:
    return "\n\n".join(lines)


def exact(text: str, rng: random.Random) -> str:
    """Only trivial differences: spacing, line breaks, quote styles, case of the text."""
    out = _join(split_lines(text)).replace('"', "\u201c", 1)
    out = re.sub(r" (?=\w)", lambda m: "  " if rng.random() < 0.05 else " ", out)
    return out.upper() if rng.random() < 0.2 else out


def light_edits(text: str, rng: random.Random) -> str:
    """A few words changed, dropped or doubled (typos and copy-editing)."""
    words = text.split(" ")
    for _ in range(max(2, len(words) // 80)):
        i = rng.randrange(len(words))
        op = rng.random()
        if op < 0.4:
            words[i] = _SYNONYMS.get(words[i].lower(), words[i] + "s")
        elif op < 0.7:
            words[i] = ""
        else:
            words[i] = words[i] + " " + words[i]
    return " ".join(w for w in words if w)


def cut_paragraph(text: str, rng: random.Random) -> str:
    lines = split_lines(text)
    if len(lines) > 3:
        del lines[rng.randrange(1, len(lines))]
    return _join(lines)


def add_paragraph(text: str, rng: random.Random) -> str:
    lines = split_lines(text)
    lines.insert(rng.randrange(1, len(lines) + 1), rng.choice(
        ("Check back for updates on this developing story.", "Readers can send tips to our newsroom.",
         "This article was first published on our partner site and is republished with permission.")))
    return _join(lines)


def reorder(text: str, rng: random.Random) -> str:
    lines = split_lines(text)
    body = lines[1:]
    rng.shuffle(body)
    return _join(lines[:1] + body)


def truncate(text: str, rng: random.Random) -> str:
    """Cut at 55-80% of the words, mid-sentence."""
    words = text.split(" ")
    return " ".join(words[: max(10, int(len(words) * rng.uniform(0.55, 0.8)))])


def credit_line(text: str, rng: random.Random) -> str:
    return _join(split_lines(text) + [rng.choice(_CREDITS)])


def syndicate(text: str, rng: random.Random) -> str:
    """The same wire text under another outlet, with or without an AP/Reuters/AFP credit."""
    lines = split_lines(text)
    i = rng.randrange(len(_WIRES))
    if lines:
        lines[min(1, len(lines) - 1)] = _WIRES[i] + lines[min(1, len(lines) - 1)]
    out = _join(lines) + _WIRE_TAILS[i]
    return light_edits(out, rng) if rng.random() < 0.5 else out


def _spin_word(word: str) -> str:
    core = word.strip(".,;:!?\"'()\u201c\u201d")
    rep = _SYNONYMS.get(core.lower())
    if rep is None:
        return word
    if core[:1].isupper():
        rep = rep[:1].upper() + rep[1:]
    return word.replace(core, rep, 1)


def _swap_clauses(sentence: str) -> str:
    """'A, B.' -> 'B, A.': a spinner's reordering of the parts of a sentence."""
    parts = sentence.rstrip(".").split(", ", 1)
    if len(parts) != 2 or len(parts[0].split()) < 3 or len(parts[1].split()) < 3 or '"' in sentence:
        return sentence
    return f"{parts[1][:1].upper()}{parts[1][1:]}, {parts[0][:1].lower()}{parts[0][1:]}."


def paraphrase(text: str, rng: random.Random) -> str:
    """Spinning: every word the thesaurus knows swapped, clauses swapped, one sentence in six dropped."""
    out = []
    for line in split_lines(text):
        sents = [s for s in _SENT.split(line) if s]
        kept = [s for s in sents if len(sents) == 1 or rng.random() > 1 / 6] or sents[:1]
        kept = [_swap_clauses(s) if rng.random() < 0.5 else s for s in kept]
        out.append(" ".join(" ".join(_spin_word(w) for w in s.split(" ")) for s in kept))
    return _join(out)


def machine_spin(text: str, rng: random.Random) -> str:
    """Round-trip-translation artefacts: thesaurus swaps plus Dutch-like function words and broken case."""
    words = paraphrase(text, rng).split(" ")
    for i, w in enumerate(words):
        if w in _DUTCHISH and rng.random() < 0.3:
            words[i] = _DUTCHISH[w]
        elif w[:1].islower() and rng.random() < 0.03:
            words[i] = w.capitalize()
    return " ".join(words)


#: name -> (kind label, transformation)
TRANSFORMS: dict[str, tuple[str, Callable[[str, random.Random], str]]] = {
    "exact": ("exact", exact),
    "light_edits": ("near", light_edits),
    "cut_paragraph": ("near", cut_paragraph),
    "add_paragraph": ("near", add_paragraph),
    "reorder": ("near", reorder),
    "truncate": ("near", truncate),
    "credit_line": ("near", credit_line),
    "syndicated": ("syndicated", syndicate),
    "paraphrase": ("rewrite", paraphrase),
    "machine_spin": ("rewrite", machine_spin),
}
KIND_OF = {name: kind for name, (kind, _) in TRANSFORMS.items()}
