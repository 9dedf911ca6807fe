"""The events stage: who did what to whom, where and when, from the dependency parse.

Puts ``article.annotations["events"]``, a list sorted by start of::

    {"start": int, "end": int,            # the sentence span in article.text
     "action": "CONSULT"|"AGREE"|..., "verb": str, "verb_start": int,
     "actor": str|None, "target": str|None, "place": str|None,   # in-article canonical names
     "date": str|None, "precision": str|None}

Only events the article asserts: a journalist's reader takes "troops attacked the town" as a fact,
not "troops did not attack", "troops could attack", "troops are expected to attack", "if troops
attack", "fears of an attack" or "did troops attack?". Steps, per sentence:

1. a verb whose lemma (with its particle or preposition: "call for", "crack down") is in
   :data:`LEXICON` gives an action of a small PLOVER-like set. A light verb with an event noun as
   its object gives the noun's action, carried by the noun ("held a meeting", "launched an appeal",
   "faces charges", "put up resistance", "died in clashes"; :data:`EVENT_NOUNS`).
2. the event must be asserted (:func:`asserted`): no negation; no modal or future auxiliary
   (will, would, could, may, ...); not an infinitive ("to attack": planned, wanted, ordered, urged);
   not under "if"/"unless"/"whether"; not under a verb or noun of intention, fear or denial (plan,
   expect, hope, fear, threaten, deny, accuse X of, attempts to, ...); not a habit ("usually"); not in
   a question; not in a direct quote (the speaker's words); not the consequent of a condition ("taking
   control if he left"); "organizing a march" is a plan, not a march. Threats are THREATEN events of their own
   ("threatened to attack" is one THREATEN, no ASSAULT).
3. the verb's sense is checked where a lexicon word has other senses (:func:`sense_ok`): "shot
   video" is no ASSAULT, "released a statement" no RELEASE, "lift prices" no CONCEDE, "help develop"
   no AID, "a company returned to Iraq" no MOVE, "asked why" no DEMAND; in an article flagged as
   machine-translated or spun (quality ``spin`` score above ``stages.events.spin_met``), "met" is the
   Dutch "with" more often than a meeting, so it gives no CONSULT. Particles and objects decide too:
   "charging in there" is a rush, "flying solo" no flight, "met 26 of 26 standards" no meeting,
   "welcomes X to conduct" a greeting, "warned X about" a caution.
4. the actor is the subject (the "by" agent for a passive), the target the object, or the
   object of a preposition the verb takes ("met with X", "sanctions against X"); a clause
   joined to an earlier verb ("and agreed ...") shares that verb's subject. Each is mapped to
   the entities stage's mention inside it, so it carries the in-article canonical name; "he"/"she"
   take the last person named as a subject before them. A name under a common noun is not its owner
   ("Mouret's store"), where it is ("a pharmacy in Las Vegas") or the participant of an event it
   names ("backing the invasion of Afghanistan").
5. the place is a GPE/LOC/FAC mention under an "in/at/near/on/from/to" phrase of the verb itself (or
   one hop further: "in a raid in Cairo"), not inside its object ("jihad in Asia"); the date is the
   dates stage's resolved expression nearest the verb among those of the verb's own clause.

Nothing comes from reader comments kept after the article (:mod:`newsloom.stages.comments`). An
event needs a participant: a named actor or target, a person or group ("rebels", "he"), or a
passive subject ("100 people were killed"); "it" alone makes none.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..model import Article, DateExpression, Event, Mention, Quote
from ..nlp import doc_text
from ..nlp.scoped_parse import parse_scope
from ..pipeline import stage
from ..settings import stage_settings
from .comments import comments_start

__all__ = ["Events", "LEXICON", "ACTIONS", "EVENT_NOUNS", "LIGHT_VERBS", "extract_events", "asserted", "sense_ok"]

#: verb lemma (optionally with its particle/preposition) -> PLOVER-like action
LEXICON: dict[str, str] = {}
_CLASSES = {
    "CONSULT": "meet discuss talk visit consult negotiate host confer phone telephone hold_talks convene interview",
    "AGREE": "agree sign accept approve ratify settle pledge promise commit conclude",
    "SUPPORT": "support back praise endorse welcome defend applaud cheer hail",
    "DEMAND": "demand urge request ask insist appeal press call_for call_on pressure",
    "ACCUSE": "accuse blame condemn criticize criticise denounce charge allege castigate complain rebuke "
              "reprimand slam",
    "REJECT": "deny reject refuse veto dismiss oppose rebuff plead",
    "THREATEN": "threaten warn",
    "SANCTION": "sanction blacklist ban embargo boycott suspend freeze restrict impose expel bar",
    "AID": "aid help assist provide supply donate fund",
    "RELEASE": "release free pardon",
    "CONCEDE": "lift ease",
    "MOVE": "move send fly travel withdraw evacuate repatriate return leave arrive flee land sweep redeploy",
    "PROTEST": "protest demonstrate rally march",
    "ASSAULT": "attack kill beat bomb shoot assault rob injure wound crush massacre",
    "MOBILIZE": "deploy mobilize mobilise amass mass station",
    "COERCE": "arrest detain jail imprison deport seize raid divert crack_down",
    "FIGHT": "fight clash battle invade shell capture take fire launch",
}
for _action, _words in _CLASSES.items():
    for _w in _words.split():
        LEXICON[_w.replace("_", " ")] = _action
ACTIONS = tuple(_CLASSES)
#: event verbs whose past forms often have another sense ("held", "left", "took", "called", "sent")
_WEAK_PAST = frozenset("""hold leave take send fire launch land call free back help move return meet bar mass station
aid assist fly travel supply provide talk sign accept settle commit conclude promise approve march rally press ask
beat crush""".split())
# the scoped parse parses sentences with an event verb near a name, or a past form that reports an event by
# itself ("100 people were killed")
parse_scope(event=LEXICON, reported=[lemma for lemma in LEXICON if lemma.split()[0] not in _WEAK_PAST])

#: nouns that carry an event when a light verb reports it ("held a meeting", "faces charges") -> action
EVENT_NOUNS: dict[str, str] = {}
for _action, _words in {
    "CONSULT": "meeting talks summit negotiations interview consultations",
    "DEMAND": "appeal pressure request",
    "ACCUSE": "condemnation criticism charge charges accusation accusations",
    "SANCTION": "boycott sanctions embargo ban curfew blockade",
    "PROTEST": "demonstration demonstrations protest protests rally rallies march sit-in walkout",
    "ASSAULT": "attack attacks airstrike airstrikes bombing bombings massacre assault",
    "COERCE": "raid raids crackdown arrests",
    "FIGHT": "resistance offensive clashes fighting battle counteroffensive counter-offensive",
}.items():
    for _w in _words.split():
        EVENT_NOUNS[_w] = _action
#: light verbs whose object is the event ("held talks"); the value says who the subject is to the event
LIGHT_VERBS: dict[str, str] = {v: "actor" for v in (
    "hold stage launch mount conduct carry wage declare lead intensify increase step ramp "
    "exert apply put offer impose begin start trigger spark provoke prompt draw").split()}
LIGHT_VERBS.update({"face": "target", "die": "none", "perish": "none"})
#: weapons fired or launched: the verb is the FIGHT event ("launched Grad rockets")
_WEAPONS = frozenset("""rocket rockets missile missiles shell shells grenade grenades mortar mortars shot shots
round rounds bullet bullets gun guns weapon weapons tear gas cannon artillery salvo volley""".split())

_TARGET_PREPS = frozenset({"with", "against", "on", "to", "for", "at", "over", "into"})
_PLACE_PREPS = frozenset({"in", "at", "near", "on", "from", "to", "inside", "outside", "across", "into"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_LOCATIVE_PREPS = frozenset({"in", "at", "near", "inside", "outside"})
#: preps after a common noun that do not name who the noun is: "the head of marketing for the Middle East"
_NOT_OWN_PREPS = frozenset({"from", "across", "around", "throughout", "within", "for", "about", "during", "since",
                            "before", "after", "under", "like", "over"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECTS = frozenset({"dobj", "obj", "attr", "dative"})

# --- assertion ---------------------------------------------------------------------------------------

_UNASSERTED_AUX = frozenset({"will", "would", "could", "can", "may", "might", "should", "must", "shall", "'ll", "'d",
                             "wo", "ca", "ought"})
_CONDITIONS = frozenset({"if", "unless", "whether", "lest"})
_HABITUAL = frozenset({"usually", "often", "always", "regularly", "sometimes", "generally", "normally", "typically",
                       "frequently", "rarely", "seldom", "habitually", "routinely"})
#: verbs and nouns under which an event is intended, expected, feared, denied or alleged, not asserted
_UNASSERTED_HEADS = frozenset("""plan expect intend want hope seek try attempt aim prepare fear consider propose
wish offer promise vow pledge threaten refuse fail decline deny reject avoid prevent stop refrain risk allege
suspect believe look need order urge ask demand call threat fears plans proposal attempts attempt effort efforts
bid possibility prospect chance danger risk allegation allegations claim claims rumour rumours accuse whether
likely unlikely possible ready able organise organize schedule concern concerns worry worries speculation rumor
rumors suspicion suspicions hope hopes""".split())
#: a gerund under these still happened: "condemned for crushing protests", "since capturing the town"
_FACTIVE_PREPS = frozenset({"for", "after", "since", "before", "while", "despite", "upon"})


def asserted(verb: Any, quoted: Callable[[int], bool] | None = None) -> bool:
    """Does the sentence state that the event of ``verb`` happened (or is happening)?

    Climbs from the verb through the clauses it is part of: a conjunct or an adverbial clause shares
    its head's auxiliary and negation ("will meet and discuss"); a complement is also under its
    head's intent ("plans to attack", "fears of attacking"); a reported clause is asserted ("rebels
    said they had taken the town"); a gerund happened only after "for", "after", "since", ...
    ("condemned for crushing protests").

    Args:
        verb: the token carrying the event.
        quoted: a callable telling whether a character offset is inside a direct quote (the words are
            the speaker's, not the article's): see :func:`quoted_spans`.
    """
    if verb.sent.text.rstrip().endswith("?") or (quoted is not None and quoted(verb.idx)):
        return False
    if verb.tag_ == "VB" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return False  # a base form with no auxiliary: an imperative ("Donate via ...") or a headline fragment
    node = verb
    for depth in range(8):
        kids = list(node.children)
        if any(c.dep_ == "neg" for c in kids):
            return False
        aux = [c for c in kids if c.dep_ in ("aux", "auxpass")]
        if any(a.lower_ in _UNASSERTED_AUX for a in aux):
            return False
        if any(a.lower_ == "to" or a.tag_ == "TO" for a in aux):
            return False  # an infinitive: planned, wanted, urged, ordered, "is to be sent"
        if any(c.dep_ == "mark" and c.lower_ in _CONDITIONS for c in kids):
            return False
        if depth == 0 and node.tag_ != "VBD" and not any(a.lemma_ in ("have", "be", "do") for a in aux) and any(
                c.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("if", "unless") for g in c.children)
                for c in kids):
            return False  # the consequent of a condition: "taking control if he left" (a past form is a report)
        if depth == 0 and any(c.dep_ == "advmod" and c.lower_ in _HABITUAL for c in kids):
            return False  # "she usually asks me to": a habit, not an event
        dep, head = node.dep_, node.head
        if head is node or dep in ("relcl", "ROOT"):
            return True
        if node.tag_ == "VBG" and dep in ("pcomp", "pobj", "csubj", "nsubj"):
            return head.lower_ in _FACTIVE_PREPS
        if dep in ("xcomp", "ccomp", "pcomp", "pobj", "prep", "acl", "dobj", "oprd") \
                and head.lemma_.lower() in _UNASSERTED_HEADS:
            return False
        if dep in ("conj", "xcomp", "ccomp", "pcomp", "pobj", "prep", "advcl", "acl", "dobj", "nsubj", "nsubjpass",
                   "attr", "oprd"):
            node = head
            continue
        return True
    return True


def quoted_spans(quotes: Iterable[Quote]) -> Callable[[int], bool]:
    """A function telling whether a character offset is inside the words of a direct quote.

    Args:
        quotes: the quotes stage's quotes (``parts`` of the ``direct`` ones are read).
    """
    spans = sorted((s, e) for q in quotes if q.get("kind") == "direct" for s, e in (q.get("parts") or []))
    starts = [s for s, _ in spans]

    def inside(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and spans[i][0] <= offset < spans[i][1]
    return inside


# --- senses ------------------------------------------------------------------------------------------

_HUMAN_NOUNS = frozenset("""people person persons man men woman women child children kid kids boy boys girl girls
civilian civilians protester protesters demonstrator demonstrators rebel rebels troop troops soldier soldiers force
forces police policeman policemen officer officers militant militants fighter fighters insurgent insurgents gunman
gunmen resident residents villager villagers refugee refugees migrant migrants prisoner prisoners detainee
detainees hostage hostages captive captives journalist journalists reporter reporters activist activists worker
workers student students supporter supporters opponent opponents leader leaders official officials minister
ministers president diplomat diplomats government governments regime army military navy militia militias group
groups team teams staff rescuer rescuers expert experts specialist specialists doctor doctors patient patients
crowd crowds member members citizen citizens voter voters farmer farmers family families employee employees
passenger passengers tourist tourists worshipper worshippers crew crews unit units battalion brigade squad guard
guards agent agents suspect suspects victim victims survivor survivors opposition authority authorities
administration council committee court judge lawyer lawyers prosecutor prosecutors party parties country
countries nation nations state states coalition alliance ally allies enemy enemies neighbour neighbor agency
agencies organisation organization charity charities donor donors aid_worker marine marines paratrooper
paratroopers sniper snipers tank tanks jet jets warplane warplanes ship ships warship warships vessel vessels
helicopter helicopters plane planes aircraft reinforcement reinforcements convoy cleric clerics bishop priest monk
monks nun nuns executive executives chief king queen prince princess pope premier mayor governor senator
senators lawmaker lawmakers legislator legislators spokesman spokeswoman envoy envoys ambassador inspector
inspectors investigator investigators negotiator negotiators mob mobs militiamen youth youths""".split())
_PERSON_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you", "him", "her", "them", "us", "me", "who", "whom"})
_MEDIA_NOUNS = frozenset("""video videos footage film films picture pictures photo photos photograph photographs
scene scenes movie movies documentary commercial advert episode episodes clip clips image images""".split())
_NOT_RELEASED = frozenset("""statement statements report reports video videos album albums film films data figure
figures detail details result results record records song songs single book books photo photos image images
footage tape tapes document documents list information version product products game games plan plans budget
transcript recording recordings letter letters audio name names finding findings movie movies trailer toxin
toxins gas oil water money fund funds guidance guideline guidelines study studies analysis survey poll map
forecast forecasts estimate estimates rate rates earnings profit profits text copy copies""".split())
_LIFTED = frozenset("""ban bans sanction sanctions restriction restrictions embargo embargoes blockade curfew siege
lockdown measure measures control controls emergency law order orders moratorium suspension freeze limit limits
cap caps quarantine""".split())
_AID_NOUNS = frozenset("""aid assistance help support relief money fund funds funding food water medicine medicines
supply supplies equipment weapon weapons arms ammunition loan loans grant grants shelter tent tents blanket
blankets fuel vaccine vaccines dose doses care training troop troops personnel cash donation donations credit
credits backing protection asylum refuge""".split())
_NOT_PLACES = frozenset("""talk talks race deal agreement treaty election elections competition contest market
markets business it them this that power office politics tournament process negotiation negotiations
programme program scheme plan pact coalition government drug drugs medication demerol habit role job post
position""".split())
_MOBILIZED = frozenset("""troop troops force forces ship ships warship warships vessel vessels tank tanks aircraft
jet jets warplane warplanes soldier soldiers unit units battalion battalions carrier carriers missile missiles
artillery reinforcement reinforcements marine marines paratrooper paratroopers brigade brigades""".split())
_CRUSHED_DISSENT = frozenset("""protest protests uprising uprisings revolt revolts rebellion rebellions dissent
opposition demonstration demonstrations unrest movement movements strike strikes""".split())
#: what is met without meeting anyone: "met the deadline", "met 26 of 26 standards"
_MET_NOT = frozenset("""demand demands target targets requirement requirements need needs criterion criteria standard
standards deadline deadlines expectation expectations goal goals obligation obligations condition conditions cost
costs end fate death resistance approval challenge challenges benchmark benchmarks threshold quota quotas
test tests mark measure measures objective objectives""".split())
#: where a charge runs to: "charging in there", "charged into the square", "charged at police"
_RUSH_DIRECTIONS = frozenset("in into through ahead forward toward towards at across down up out off there".split())
_PATH_PREPS = ("from", "to", "into", "out", "toward", "towards", "over", "across", "via")
#: what is shot down as a thing in the air, not a claim: "shot down a helicopter"
_AIRCRAFT = frozenset("plane planes jet jets aircraft helicopter helicopters drone drones warplane warplanes".split())
#: deaths that are no assault: "killed in a crash", "killed following a vehicle accident"
_ACCIDENTS = frozenset("crash crashes accident accidents collision collisions derailment fall avalanche".split())
#: where one returns that is a state: "returned to the air", "returned to form"
_NOT_DESTINATIONS = frozenset("air form power work normal normality normalcy stage screen studio action".split())
_CONCLUDED = frozenset("deal agreement treaty talks pact accord negotiations contract truce ceasefire".split())
_COMMITTED_TO = frozenset({"to"})
_NOT_SEIZED = frozenset("opportunity chance initiative moment day headline headlines attention".split())
_FIGHT_NOT = frozenset("""virus viruses disease diseases flu influenza fire fires blaze blazes crime corruption
poverty inflation cancer illness infection infections pandemic epidemic hunger charge charges case cases
allegation allegations decision ruling ban plan plans bill law extradition lawsuit lawsuits claim claims
obesity addiction cold""".split())


def _human(tok: Any, index: _MentionIndex) -> bool:
    """Is the phrase headed by ``tok`` a person or group: a named mention, a pronoun, a people noun."""
    if tok.lower_ in _PERSON_PRONOUNS:
        return True
    m = index.at(tok.idx)
    if m is not None:
        return m["label"] in ("PERSON", "NORP", "ORG", "GPE")
    return tok.lemma_.lower() in _HUMAN_NOUNS or tok.lower_ in _HUMAN_NOUNS


#: causes that do harm without being people: "the attack killed 10", "a blast wounded 20"
_HARMFUL = frozenset("""blast blasts explosion explosions bomb bombs shelling fire gunfire airstrike airstrikes strike
strikes missile missiles rocket rockets shell shells grenade grenades mine mines violence fighting clashes attack
attacks raid raids bombing bombings offensive assault""".split())


#: things that act without being agents of a political event: "the quake killed", "prices moved"
_NOT_AGENTS = frozenset("""outbreak outbreaks heat drought famine quake earthquake tremor aftershock storm hurricane cyclone typhoon flood floods tsunami
weather disease virus flu influenza infection epidemic pandemic illness cancer price prices market markets stock
stocks share shares economy currency dollar pound euro oil crude law rule policy report study data
decision measure ruling""".split())
_ABSTRACT = ("ism", "ness", "ity", "cy", "ry", "ance", "ence")


def _agentive(tok: Any, index: _MentionIndex, action: str) -> bool:
    """Can the phrase headed by ``tok`` do the action? Not an abstraction ("conservatism which has banned
    beer", "insurgency and banditry which threaten") nor a natural or market force ("the quake killed");
    a weapon or an attack can do harm."""
    if tok.lower_ in ("which", "that", "who") and tok.head.dep_ == "relcl":
        tok = tok.head.head  # a relative pronoun stands for the noun the clause hangs on
    if _human(tok, index) or tok.pos_ in ("PROPN", "PRON"):
        return True
    lemma = tok.lemma_.lower()
    if lemma in _HARMFUL:
        return action in ("ASSAULT", "FIGHT")
    return lemma not in _NOT_AGENTS and not (tok.pos_ == "NOUN" and lemma.endswith(_ABSTRACT)
                                             and lemma not in _HUMAN_NOUNS)


_ARMED_NOUNS = frozenset("""troop troops soldier soldiers force forces rebel rebels militant militants fighter fighters
insurgent insurgents army armies militia militias police policeman policemen gunman gunmen protester protesters
demonstrator demonstrators guerrilla guerrillas marine marines tank tanks jet jets warplane warplanes sniper snipers
regime government unit units battalion brigade loyalist loyalists opposition""".split())


def _armed(tok: Any, index: _MentionIndex) -> bool:
    """Can the phrase headed by ``tok`` be a side in a fight: a named group, place or person, or armed people?"""
    m = index.at(tok.idx)
    if m is not None:
        return m["label"] in ("PERSON", "ORG", "GPE", "NORP", "LOC")
    return tok.lemma_.lower() in _ARMED_NOUNS or tok.lower_ in _ARMED_NOUNS or any(
        c.dep_ == "poss" and index.at(c.idx) is not None for c in tok.children)


_DISMISSED = frozenset("""claim claims allegation allegations report reports idea ideas suggestion suggestions
criticism charge charges accusation accusations call calls appeal appeals request requests demand demands case
lawsuit suit proposal proposals plan plans notion speculation rumour rumours rumor rumors concern concerns fear
fears warning warnings possibility evidence comment comments remark remarks statement statements question
questions offer offers threat threats idea talk reports""".split())
_ANIMALS = frozenset("""animal animals elephant elephants snake snakes deer lion lions tiger tigers dog dogs cat cats
pig pigs bird birds horse horses cow cows cattle sheep goat goats chicken chickens rabbit rabbits fish whale whales
monkey monkeys bear bears wolf wolves rat rats mouse mice""".split())


def _person(tok: Any, index: _MentionIndex) -> bool:
    """Is the phrase headed by ``tok`` people: a named person or group, a pronoun, a people noun (not a country
    or a club)?"""
    m = index.at(tok.idx)
    if m is not None:
        return m["label"] in ("PERSON", "NORP")
    return tok.lower_ in _PERSON_PRONOUNS or tok.lemma_.lower() in _HUMAN_NOUNS


def _is_place(tok: Any, index: _MentionIndex) -> bool:
    m = index.at(tok.idx)
    return m is not None and m["label"] in (*_PLACE_LABELS, "ORG")


def _welcomed_person(obj: Any, index: _MentionIndex) -> bool:
    """Is the object of "welcome" a person greeted or invited ("welcomed the guests", "welcomes the violinist
    Anna Berg to play"), not a decision or a pledge ("welcomed Mubarak's decision to step down")?"""
    invited = [g for c in obj.children if c.dep_ == "acl" and c.tag_ == "VB" for g in c.children if g.dep_ == "nsubj"]
    heads = [obj, *(c for c in obj.children if c.dep_ in ("appos", "compound")), *invited]
    return any(_person(h, index) and h.lemma_.lower() not in _INSTITUTIONS for h in heads)


def _of_head(tok: Any) -> Any:
    """The noun a quantity stands for: "26 of 26 standards" -> standards, "all of its targets" -> targets."""
    if tok.pos_ in ("NUM", "PRON", "DET", "ADJ") or tok.lower_ in ("all", "most", "some", "none", "each", "half"):
        return next((g for g in _prep_objects(tok, ("of",))), tok)
    return tok


def _prep_objects(verb: Any, preps: Iterable[str] | None = None) -> list[Any]:
    wanted = set(preps) if preps is not None else None
    out = []
    for child in verb.children:
        if child.dep_ in ("prep", "prt") and (wanted is None or child.lower_ in wanted):
            out.extend(g for g in child.children if g.dep_ == "pobj")
    return out


def sense_ok(verb: Any, lemma: str, action: str, index: _MentionIndex, *, spin: bool = False) -> bool:
    """Is the lexicon word used in the sense of its action here (see the module docstring, step 3)?"""
    kids = list(verb.children)
    deps = {c.dep_ for c in kids}
    objs = [c for c in kids if c.dep_ in ("dobj", "obj")]
    obj_lemmas = {o.lemma_.lower() for o in objs} | {o.lower_ for o in objs}
    subj = next((c for c in kids if c.dep_ in ("nsubj", "nsubjpass")), None)
    passive = subj is not None and subj.dep_ == "nsubjpass"
    if lemma == "shoot" and (obj_lemmas & _MEDIA_NOUNS or (subj is not None and subj.lemma_.lower() in _MEDIA_NOUNS)
                             or (
            verb.dep_ == "acl" and verb.head.lemma_.lower() in _MEDIA_NOUNS)):
        return False  # "shot video of people praying", "videos shot in the carriages"
    if lemma == "shoot" and (_prep_objects(verb, ("to",)) or any(c.dep_ == "prt" and c.lower_ in ("down", "up")
                                                                   for c in kids) and not any(
            o.lemma_.lower() in _AIRCRAFT for o in objs or ([subj] if passive else []))):
        return False  # "shot to fame", "shot down the speculation", "prices shot up" (but "shot down a jet")
    if action == "ASSAULT" and any(g.lemma_.lower() in _ACCIDENTS for c in kids if c.dep_ == "prep"
                                   and c.lower_ in ("in", "after", "following", "during")
                                   for g in c.children if g.dep_ in ("pobj", "dobj")):
        return False  # "killed in a crash", "a soldier was killed following a vehicle accident"
    if action == "ASSAULT" and any(v.lemma_.lower() in _ANIMALS for v in objs or ([subj] if passive else [])):
        return False  # "shot dead the zoo's elephant"
    if lemma == "meet":
        if any(o.lemma_.lower() in ("match", "maker", "fate", "end") for o in objs):
            return False  # "meets his match", "met his maker": an idiom
        if spin and verb.lower_ == "met":
            return False  # the Dutch "met" (with) of machine-translated text
        partner = objs or _prep_objects(verb, ("with",))
        if subj is None or not partner:
            return False  # a meeting has someone who meets and someone met
        if any(_of_head(o).lemma_.lower() in _MET_NOT for o in partner):
            return False  # "met the deadline", "met 26 of 26 standards": a standard is reached, no one is met
    if lemma == "oppose" and verb.i > 0 and verb.nbor(-1).lower_ == "as":
        return False  # "as opposed to"
    if lemma == "warn" and any(c.dep_ == "prep" and c.lower_ in ("about", "of", "against") for c in kids):
        return False  # "warned him about the drug": a caution, not a threat
    if lemma == "warn":  # a threat, not a forecast: "warned Russia", "warned that Moscow risked being left behind"
        clauses = [c for c in kids if c.dep_ == "ccomp"]
        clause_subjects = [g for c in clauses for g in c.children if g.dep_ in ("nsubj", "nsubjpass")]
        return any(index.at(o.idx) is not None or o.lower_ in _PERSON_PRONOUNS for o in objs) or any(
            index.at(g.idx) is not None and index.at(g.idx)["label"] in ("PERSON", "ORG", "GPE", "NORP")
            for g in clause_subjects)
    if lemma == "complain":
        return not _prep_objects(verb, ("of",))  # "complaining of shortness of breath"
    if lemma == "visit" and (subj is None or index.at(subj.idx) is None and subj.lower_ not in ("he", "she")):
        return False  # a visit by a named person or body is a meeting; "a pupil who visited the US" travelled
    if action == "FIGHT" and lemma in ("fight", "battle", "clash") and not any(
            _armed(p, index) for p in [*objs, *_prep_objects(verb, ("with", "against")), *([subj] if subj else [])]):
        return False  # "the twins fought for it": armed conflict needs a side that can wage it
    if lemma == "discuss" and subj is not None and not (
            any(_prep_objects(t, ("with",)) for t in (verb, *objs)) or any(c.dep_ == "conj" for c in subj.children)
            or subj.tag_ in ("NNS", "NNPS") or subj.lower_ in ("they", "we")):
        return False  # "Neil discusses the significance": a topic, no one to talk with
    if lemma in ("telephone", "phone", "talk", "consult", "confer", "negotiate"):
        partners = objs + _prep_objects(verb, ("to", "with"))
        return bool(partners) and all(_human(p, index) for p in partners)
    if lemma in ("aid", "assist") and not (objs and all(_human(o, index) for o in objs)):
        return False
    if lemma == "agree":  # an agreement to something, not an opinion ("agreed with the argument", "all agree on")
        withs = _prep_objects(verb, ("with",))
        return not any(not _human(o, index) for o in withs) and bool(
            deps & {"xcomp", "ccomp", "dobj"} or withs or _prep_objects(verb, ("on", "to", "upon")))
    if lemma == "dismiss":  # a claim or a call is rejected; a person dismissed is fired
        return any(w.lemma_.lower() in _DISMISSED or w.lower_ in _DISMISSED
                   for w in objs or ([subj] if passive else []))
    if lemma == "welcome" and (any(c.lower_ in ("home", "back") for c in kids) or _prep_objects(verb, ("to", "into"))
                               or any(c.dep_ in ("xcomp", "advcl", "ccomp") and c.tag_ == "VB" for c in kids)
                               or any(_welcomed_person(o, index) for o in objs)):
        return False  # "welcomed her father home", "welcomes the conductor to conduct": a greeting, an invitation
    accused = objs or passive or deps & {"ccomp", "auxpass"} or _prep_objects(verb, ("with",))
    if lemma == "charge" and (not accused or any(c.dep_ in ("advmod", "prt", "prep") and c.lower_ in _RUSH_DIRECTIONS
                                                 for c in kids)):
        return False  # "charging in there", "charged into the square": a rush, not an accusation
    if lemma == "fly" and not (any(c.dep_ in ("advmod", "prt") and c.lower_ in ("home", "back", "in", "out", "away")
                                   for c in kids) or _prep_objects(verb, _PATH_PREPS) or any(_human(o, index)
                                                                                            for o in objs)):
        return False  # "flying solo", "flags flying": a flight goes from or to somewhere, or carries people
    if lemma == "deny" and passive and objs:
        return False  # "was denied a number one"
    if lemma in ("allege", "commit") and passive:
        return False  # "is alleged to have ...": a hedge; "was committed to": a state
    if lemma == "help":
        if passive or not objs or deps & {"xcomp", "ccomp"}:
            return False  # "helped lift prices", "is helped from the rubble"
        return all(_human(o, index) for o in objs)
    if lemma in ("provide", "supply", "fund"):
        return bool(obj_lemmas & _AID_NOUNS) or any(_human(o, index) for o in _prep_objects(verb, ("to", "for")))
    if action == "RELEASE":
        if obj_lemmas & _NOT_RELEASED or (passive and subj.lemma_.lower() in _NOT_RELEASED):
            return False
        if any(o.lemma_.lower() in ("hospital", "clinic") for o in _prep_objects(verb, ("from",))):
            return False
        people = objs or ([subj] if passive else [])
        return bool(people) and all(_human(o, index) for o in people)
    if action == "CONCEDE":
        return bool(obj_lemmas & _LIFTED) or (passive and subj.lemma_.lower() in _LIFTED)
    if action == "MOVE":
        return _moves(verb, lemma, objs, subj, passive, index)
    if lemma == "demonstrate":
        return not objs and "ccomp" not in deps
    if lemma in ("rally", "march"):
        return not objs and (subj is None or _human(subj, index))
    if lemma == "ask":
        if "ccomp" in deps or _prep_objects(verb, ("about",)) or any(
                c.lower_ in ("why", "whether", "if", "what", "how", "when", "who", "where")
                for c in verb.subtree if c.i > verb.i and c.i < verb.i + 4):
            return False  # a question is not a demand
        return "xcomp" in deps or bool(_prep_objects(verb, ("for",)))
    if lemma == "insist":
        return bool(_prep_objects(verb, ("on",)))
    if lemma == "press":
        return bool(_prep_objects(verb, ("for",))) or (bool(objs) and all(_human(o, index) for o in objs))
    if lemma == "commit":
        return any(c.dep_ == "prep" and c.lower_ in _COMMITTED_TO for c in kids) and not obj_lemmas - {"itself",
                                                                                                     "themselves"}
    if lemma == "conclude":
        return bool(obj_lemmas & _CONCLUDED)
    if lemma == "settle":
        return bool(objs) or bool(_prep_objects(verb, ("with",)))
    if lemma == "seize":
        return not obj_lemmas & _NOT_SEIZED
    if lemma == "plead":
        words = [c.lower_ for c in verb.subtree]
        return any(a == "not" and b == "guilty" for a, b in zip(words, words[1:]))
    if lemma == "bar":
        return any(c.dep_ == "prep" and c.lower_ == "from" for c in kids)
    if lemma in ("take", "capture"):
        return any(_is_place(o, index) or o.lemma_.lower() in ("village", "town", "city", "base", "airport", "port",
                                                                  "territory", "control", "hill", "district",
                                                                  "capital", "stronghold", "outpost", "oilfield")
                   for o in objs)
    if lemma in ("fire", "launch"):
        if lemma == "launch":
            return bool(obj_lemmas & _WEAPONS)
        return bool(obj_lemmas & _WEAPONS) or (not objs and bool(
            [c for c in kids if (c.dep_ == "prep" and c.lower_ in ("at", "on", "into", "upon"))
             or (c.dep_ in ("advmod", "prt") and c.lower_ == "back")]))
    if lemma == "crush":
        return bool(obj_lemmas & _CRUSHED_DISSENT) or all(_human(o, index) for o in objs)
    if action == "FIGHT" or lemma in ("attack", "beat", "kill", "bomb", "assault", "injure", "wound"):
        if obj_lemmas & _FIGHT_NOT or any(o.lemma_.lower() in _FIGHT_NOT for o in _prep_objects(verb, ("against",))):
            return False
        if lemma == "beat" and not (objs and all(_person(o, index) for o in objs)):
            return False  # "beat expectations", "Barcelona beat Chelsea": only people are beaten
        if lemma == "clash":
            partners = _prep_objects(verb, ("with",)) + ([subj] if subj is not None else [])
            return all(_human(p, index) for p in partners) if partners else True
    return True


def _moves(verb: Any, lemma: str, objs: list[Any], subj: Any, passive: bool, index: _MentionIndex) -> bool:
    """MOVE: people or forces going somewhere, not "left Pepsi to dominate", "withdrew from the talks",
    "Coca-Cola returned to Iraq" (a company entering a market)."""
    kids = list(verb.children)
    if any(c.dep_ in ("xcomp", "ccomp", "oprd") for c in kids):
        return False
    if lemma == "return" and any(g.lemma_.lower() in _NOT_DESTINATIONS for g in _prep_objects(verb, ("to",))):
        return False  # "returned to the air", "returned to form", "returned to power": a state, not a place
    if lemma in ("leave", "return") and objs and not all(_is_place(o, index) or o.lemma_.lower() in (
            "home", "country", "city", "town", "capital", "area", "region", "base", "village") for o in objs):
        return False
    if lemma in ("move", "send") and objs and not all(_human(o, index) or o.lemma_.lower() in _AID_NOUNS
                                                      for o in objs):
        return False
    if lemma == "sweep" and not _prep_objects(verb, ("into", "through", "across", "toward", "towards")):
        return False
    goals = _prep_objects(verb, ("from", "to", "into", "out", "toward", "towards"))
    if any(g.lemma_.lower() in _NOT_PLACES or g.lower_ in _NOT_PLACES for g in goals):
        return False
    mover = (objs[0] if objs and lemma in ("send", "move", "evacuate", "repatriate") else
             subj if subj is not None else None)
    if mover is not None:
        m = index.at(mover.idx)
        if m is not None and m["label"] == "ORG" and mover.lemma_.lower() not in _HUMAN_NOUNS:
            return False  # a company is not people moving
        if m is None and mover.lower_ not in _PERSON_PRONOUNS and mover.lemma_.lower() not in _HUMAN_NOUNS \
                and mover.pos_ not in ("PROPN",) and mover.lower_ not in ("which", "that"):
            return False  # "the virus spread", "prices moved"
    return True


# --- names -------------------------------------------------------------------------------------------

def _action_of(verb: Any) -> tuple[str, str] | None:
    lemma = verb.lemma_.lower()
    if lemma == "call":  # "call for/on" is a demand, "X called Y" a phone call, "called it Z" neither
        kids = {c.dep_: c for c in verb.children}
        preps = {c.text.lower() for c in verb.children if c.dep_ == "prep"
                 and not any(g.ent_type_ in ("DATE", "TIME") for g in c.children)}
        if ("for" in preps or "on" in preps) and "dobj" not in kids:
            return "DEMAND", "call " + ("on" if "on" in preps else "for")
        if "dobj" in kids and kids["dobj"].ent_type_ in ("PERSON", "ORG", "GPE") and not (
                {"oprd", "ccomp", "xcomp"} & set(kids)):
            return "CONSULT", "call"
        return None
    for child in verb.children:
        if child.dep_ in ("prt", "prep"):
            phrase = f"{lemma} {child.text.lower()}"
            if phrase in LEXICON:
                return LEXICON[phrase], phrase
    if lemma == "hold" and any(c.dep_ in _OBJECTS and c.lemma_.lower() in ("talk", "call")
                               for c in verb.children):
        return "CONSULT", "hold talks"
    if lemma == "impose" and not any("sanction" in c.lemma_.lower() or "ban" in c.lemma_.lower()
                                     for c in verb.subtree):
        return None
    if lemma in ("move", "send") and any(c.dep_ in _OBJECTS and c.lemma_.lower() in _MOBILIZED
                                         for c in verb.children):
        return "MOBILIZE", lemma  # "moving ships to the Mediterranean"
    if lemma in ("crush",) and any(c.dep_ in _OBJECTS and c.lemma_.lower() in _CRUSHED_DISSENT
                                   for c in verb.children):
        return "COERCE", lemma
    if lemma in LEXICON:
        return LEXICON[lemma], lemma
    return None


def _noun_event(verb: Any) -> tuple[str, Any, str] | None:
    """(action, noun token, role of the light verb's subject) for "held a meeting", "faces charges",
    "died in clashes"; None otherwise."""
    lemma = verb.lemma_.lower()
    role = LIGHT_VERBS.get(lemma)
    if role is None:
        return None
    if role == "none":
        nouns = _prep_objects(verb, ("in", "during"))
    else:
        nouns = [c for c in verb.children if c.dep_ in ("dobj", "obj")]
        subj = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        if subj is not None:
            nouns.append(subj)  # "a meeting was held"
    for noun in nouns:
        word = noun.lower_
        action = EVENT_NOUNS.get(word) or EVENT_NOUNS.get(noun.lemma_.lower())
        if action is None and word in ("strike", "strikes") and any(
                c.lower_ in ("air", "missile", "drone", "military", "nato") for c in noun.children):
            action = "ASSAULT"
        if action is not None:
            return action, noun, role
    return None


class _MentionIndex:
    """Mentions by offset, for mapping a token to the mention that covers it."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.starts = [m["start"] for m in mentions]
        self.people = [m for m in mentions if m["label"] == "PERSON"]
        self.people_starts = [m["start"] for m in self.people]

    def at(self, offset: int) -> Mention | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and self.mentions[i]["start"] <= offset < self.mentions[i]["end"]:
            return self.mentions[i]
        return None

    def person_before(self, offset: int, doc: Any) -> Mention | None:
        """What "he" or "she" at ``offset`` most often points at: the last person named as the subject of a
        clause before it, else the last person named before it."""
        i = bisect.bisect_left(self.people_starts, offset) - 1
        for j in range(i, max(i - 12, -1), -1):
            tok = doc.char_span(self.people[j]["start"], self.people[j]["end"], alignment_mode="expand")
            if tok is not None and any(t.dep_ in ("nsubj", "nsubjpass") for t in tok):
                return self.people[j]
        return self.people[i] if i >= 0 else None


#: nouns that stand for the body a name before them names: "the UK government", "US troops"
_INSTITUTIONS = frozenset("""government military army navy force forces troop troops soldier soldiers authority
authorities administration police regime ministry embassy parliament court council official officials team
rescuer rescuers delegation mission""".split())
_CHILD_ORDER = {"appos": 0, "compound": 1, "pobj": 2, "prep": 2, "conj": 3, "poss": 5, "amod": 6}


def _named(token: Any, index: _MentionIndex) -> Mention | None:
    """The mention for a phrase headed by ``token``: the one covering its head, else the one nearest it in the tree.

    Walks the phrase breadth-first from its head, appositions first and possessors last, so
    "Belarus' ally, President Vladimir Putin" gives Putin; a group adjective (NORP) only counts
    when it is the head itself. "he"/"she"/"him"/"her" take the last person named as a subject before
    them, else the last person named.
    """
    hit = index.at(token.idx)
    if hit is not None:
        return hit
    if token.lower_ in ("he", "she", "him", "her"):
        return index.person_before(token.idx, token.doc)
    # "Michael Jackson judge", "Assad supporters": a name modifying a person noun is not who the noun is
    # (but "the UK government", "US troops" are the country acting)
    queue = sorted((c for c in token.children if _names_head(token, c) and not (
        token.pos_ == "NOUN" and c.dep_ == "compound" and token.lemma_.lower() not in _INSTITUTIONS)),
        key=lambda t: _CHILD_ORDER.get(t.dep_, 4))
    seen = 0
    while queue and seen < 40:
        tok = queue.pop(0)
        seen += 1
        if tok.dep_ in ("relcl", "acl", "ccomp", "advcl"):
            continue
        hit = index.at(tok.idx)
        if hit is not None and hit["label"] != "NORP":
            return hit
        queue.extend(sorted((c for c in tok.children if _names_head(tok, c)),
                            key=lambda t: _CHILD_ORDER.get(t.dep_, 4)))
    return None


def _names_head(head: Any, child: Any) -> bool:
    """Can a name under ``child`` stand for the phrase headed by the common noun ``head``? Not its owner ("Mouret's
    store", "Google's head of marketing"; but "Egypt's army" is Egypt acting), not where it is ("a pharmacy in Las
    Vegas", "a job at the store"), not the participant of an event it names ("the invasion of Afghanistan")."""
    if head.pos_ != "NOUN" or head.lemma_.lower() in _INSTITUTIONS:
        return True
    if child.dep_ == "poss":  # "Mubarak's decision", "Assad's crackdown": the owner of an act is its doer
        return _act_noun(head)
    if child.dep_ == "prep":
        lemma = head.lemma_.lower()
        if child.lower_ in _LOCATIVE_PREPS or child.lower_ in _NOT_OWN_PREPS:
            return False  # "a pharmacy in Las Vegas", "head of marketing for the Middle East"
        return child.lower_ != "of" or not (lemma in EVENT_NOUNS or lemma in _EVENT_NOMINALS)
    return True


def _act_noun(tok: Any) -> bool:
    """Does the common noun ``tok`` name an act, a statement or a stance ("decision", "pledge", "crackdown")?"""
    lemma = tok.lemma_.lower()
    if lemma in _HUMAN_NOUNS:
        return False
    return lemma in EVENT_NOUNS or lemma in _EVENT_NOMINALS or lemma in _ACT_NOUNS or lemma.endswith(
        ("ion", "ment", "ance", "ence", "ure", "al", "ism", "ship", "ing"))


#: acts, words and stances whose owner is their doer: "welcomed Mubarak's pledge", "rejected Iran's offer"
_ACT_NOUNS = frozenset("""pledge move call plan offer speech remark remarks comment comments word words stance policy
rule regime demand claim bid effort role step promise threat warning response answer reply vote view idea
approach crackdown handling stand plea request proposal""".split())


#: acts of force whose "of" phrase is their own victim, not this event's participant: "backed the invasion of X"
#: (but "demanded the release/resignation of X" is about X)
_EVENT_NOMINALS = frozenset("""war invasion occupation killing killings murder murders bombing shelling overthrow ouster
conquest annexation""".split())


def _subject(verb: Any) -> tuple[Any | None, bool]:
    """(subject token, passive?) of a verb, borrowing it from the verb a conjunct hangs on."""
    node = verb
    for _ in range(4):
        subjects = [c for c in node.children if c.dep_ in _SUBJECTS]
        if subjects:  # a misparse may give two: the named one is likelier
            child = next((c for c in subjects if c.pos_ == "PROPN"), subjects[-1])
            return child, child.dep_ == "nsubjpass"
        if node.dep_ in ("conj", "xcomp", "advcl") and node.head is not node:
            node = node.head
            continue
        break
    if verb.dep_ == "acl" and verb.tag_ == "VBN":  # "detainees arrested after ...": the noun is the patient
        return verb.head, True
    return None, False


def _agent(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    return None


def _objects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in _OBJECTS]
    for child in verb.children:
        if child.dep_ == "prep" and child.text.lower() in _TARGET_PREPS:
            found.extend(g for g in child.children if g.dep_ == "pobj")
    return found


def _place(carriers: Iterable[Any], index: _MentionIndex, used: set[int]) -> Mention | None:
    """The place of the event: a place named under a locative phrase of the event's own verb (or noun), or one
    hop further ("in a raid in Cairo"); not one inside its object ("pleaded guilty to jihad in Asia",
    "soliciting deals from Iraq")."""
    for carrier in carriers:
        heads = [carrier, *(c for c in carrier.children if c.dep_ == "advmod" and c.lower_ in ("here", "there"))]
        # "arrested protesters in Tahrir Square", "a pharmacy in Las Vegas was raided": where the patient was
        patients = [c for c in carrier.children if c.dep_ in ("dobj", "nsubjpass") and c.pos_ in ("NOUN", "PROPN")]
        for prep in (*(c for h in heads for c in h.children),
                     *(c for p in patients for c in p.children if c.lower_ in _LOCATIVE_PREPS)):
            if prep.dep_ != "prep" or prep.lower_ not in _PLACE_PREPS:
                continue
            for pobj in (g for g in prep.children if g.dep_ == "pobj"):
                m = index.at(pobj.idx)
                if m is None:  # "in a raid in Cairo", "at a hospital near Cairo"
                    m = next((index.at(g.idx) for p in pobj.children if p.dep_ == "prep"
                              and p.lower_ in _LOCATIVE_PREPS for g in p.children if g.dep_ == "pobj"), None)
                if m is not None and m["label"] in _PLACE_LABELS and m["start"] not in used:
                    return m
    return None


def _clause_verb(tok: Any) -> Any | None:
    """The verb whose clause holds ``tok`` (None for a verbless fragment)."""
    node = tok.head
    for _ in range(12):
        if node.pos_ in ("VERB", "AUX"):
            return node
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _own_clause(verb: Any) -> set[int]:
    """Token indices of the verbs whose dates are the event's: its own, the verbs it is a conjunct of ("arrested
    on Monday and charged") and its open complements ("agreed on Friday to release")."""
    own = {verb.i}
    node = verb
    while node.dep_ == "conj" and node.head.i != node.i:
        node = node.head
        own.add(node.i)
    own.update(c.i for c in verb.children if c.dep_ in ("xcomp", "conj") and c.pos_ in ("VERB", "AUX"))
    return own


def _nonfinite_under(tok: Any, verb: Any) -> bool:
    """Is ``tok`` inside ``verb``'s phrase through non-finite links only ("accused X of luring migrants on Monday"),
    not in a clause of its own (a relative, reported or adverbial clause)?"""
    node = tok
    for _ in range(10):
        if node.i == verb.i:
            return True
        if node.dep_ not in ("xcomp", "pcomp", "pobj", "prep", "dobj", "obj", "npadvmod", "advmod") \
                or node.head.i == node.i:
            return False
        node = node.head
    return False


#: verbs whose date is the day an event they report was known: "were evacuated, the State Department said Monday"
_REPORTING = frozenset("say tell report announce confirm add state disclose reveal".split())


def _reports(governor: Any, verb: Any) -> bool:
    """Is ``verb`` the clause a reporting verb ``governor`` reports ("X happened, officials said Monday"), and not
    in a relative clause of it ("Y, who returned home, ..., TV reported Friday")?"""
    if governor.lemma_.lower() not in _REPORTING:
        return False
    node = verb
    for _ in range(4):
        if node.dep_ not in ("ccomp", "conj", "parataxis") or node.head.i == node.i:
            return False
        node = node.head
        if node.i == governor.i:
            return True
    return False


def _date_of(verb: Any, carrier: Any, in_sent: list[DateExpression]) -> DateExpression | None:
    """The date of the event: the resolved expression nearest it among those in its own clause (a date of another
    clause, "X returned home, TV reported Friday", is another event's)."""
    own = _own_clause(verb)
    mine = []
    for d in in_sent:
        span = verb.doc.char_span(d["start"], d["end"], alignment_mode="expand")
        governor = _clause_verb(span.root) if span is not None else None
        if governor is None or governor.i in own or _nonfinite_under(governor, verb) or _reports(governor, verb):
            mine.append(d)
    return min(mine, key=lambda d: abs(d["start"] - carrier.idx)) if mine else None


_NO_PARTICIPANT = frozenset({"it", "this", "that", "there", "what", "which", "these", "those", "you"})
#: no one in particular: "anyone who reads this and agrees"
_NOBODY = frozenset({"anyone", "anybody", "everyone", "everybody", "someone", "somebody", "nobody", "whoever",
                     "one"})
#: the site's or a quoted speaker's voice, not an event the article reports: "We welcome comments"
_FIRST_PERSON = frozenset({"i", "we", "you"})


def _participant(tok: Any | None) -> bool:
    """A phrase that can take part in an event: a noun or pronoun other than "it"/"this"/"which"."""
    return tok is not None and tok.pos_ in ("NOUN", "PROPN", "PRON", "NUM") and tok.lower_ not in _NO_PARTICIPANT


def extract_events(doc: Any, mentions: list[Mention], dates: list[DateExpression], *,
                   quotes: Iterable[Quote] | None = None, spin: bool = False) -> list[Event]:
    """The asserted events of one parsed article (see the module docstring).

    Args:
        doc: the spaCy Doc (with a dependency parse).
        mentions: the entities stage's mentions.
        dates: the dates stage's expressions.
        quotes: the quotes stage's quotes, when it ran: words inside a direct quote are the speaker's.
        spin: the article is flagged as machine-translated or spun (its "met" is no meeting).

    Returns:
        Event dicts sorted by start.
    """
    if not doc.has_annotation("DEP"):
        return []
    index = _MentionIndex(mentions)
    resolved = [d for d in dates if d.get("value")]
    comments = comments_start(doc_text(doc))  # reader comments report nothing
    quoted = quoted_spans(quotes or [])
    out: list[Event] = []
    for sent in doc.sents:
        if comments is not None and sent.end_char > comments:
            break
        seen: set[tuple[str, Any, Any]] = set()  # one event per action and participants in a sentence
        for verb in sent:
            if verb.pos_ not in ("VERB", "AUX") or verb.dep_ == "dep":
                continue
            got = _action_of(verb)
            noun = None
            if got is None:
                light = _noun_event(verb)
                if light is None:
                    continue
                action, noun, role = light
                got = (action, noun.lemma_.lower())
            action, phrase = got
            if not asserted(verb, quoted):
                continue
            if verb.dep_ == "acl" and action not in ("ASSAULT", "COERCE"):
                continue  # "terrorists, supported by foreign powers": a description, not a report
            if noun is None and not sense_ok(verb, phrase.split()[0], action, index, spin=spin):
                continue
            subj, passive = _subject(verb)
            if noun is not None:
                actor_tok = subj if role == "actor" and not passive else None
                target_toks = [subj] if role == "target" and subj is not None else _prep_objects(noun, ("on", "against",
                                                                                                     "with", "of"))
            elif passive:
                actor_tok, target_toks = _agent(verb), [subj] if subj is not None else []
            else:
                actor_tok, target_toks = subj, _objects(verb)
            if noun is None and not (_participant(actor_tok) or any(_participant(t) for t in target_toks)):
                continue
            if actor_tok is not None and actor_tok.lower_ in ("who", "that") and actor_tok.head.dep_ == "relcl":
                actor_tok = actor_tok.head.head  # "anyone who ... agrees": the noun the clause hangs on
            if actor_tok is not None and (actor_tok.lower_ in _FIRST_PERSON or actor_tok.lower_ in _NOBODY
                                          or not _agentive(actor_tok, index, action)):
                continue  # "We welcome comments"; "conservatism which has banned beer"
            actor = _named(actor_tok, index) if actor_tok is not None else None
            target = next((m for m in (_named(t, index) for t in target_toks) if m is not None), None)
            if actor is not None and target is not None and actor["name"] == target["name"]:
                target = None
            key = (action, actor and actor["name"], target and target["name"])
            if key in seen:
                continue  # "One rebel was killed and 10 were wounded": one event
            seen.add(key)
            used = {m["start"] for m in (actor, target) if m is not None}
            carrier = noun if noun is not None else verb
            place = _place([verb] if noun is None else [verb, noun], index, used)
            when = _date_of(verb, carrier, [d for d in resolved if sent.start_char <= d["start"] < sent.end_char])
            out.append({
                "start": sent.start_char, "end": sent.end_char, "action": action, "verb": phrase,
                "verb_start": carrier.idx,
                "actor": actor["name"] if actor else None, "target": target["name"] if target else None,
                "place": place["name"] if place else None,
                "date": when["value"] if when else None, "precision": when["precision"] if when else None,
            })
    return out


@stage("events", requires=("annotations.doc", "annotations.mentions", "annotations.dates"),
       assigns=("annotations.events",), extra="nlp")
class Events:
    """Asserted actor-action-target events with place and date, from the dependency parse and a verb lexicon."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "events")

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        spin = float(((article.quality or {}).get("spin") or {}).get("score") or 0.0) > self.cfg["spin_met"]
        article.annotations["events"] = [] if doc is None else extract_events(
            doc, article.annotations.get("mentions") or [], article.annotations.get("dates") or [],
            quotes=article.annotations.get("quotes"), spin=spin)
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
