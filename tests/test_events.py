"""The events stage: asserted events only, verb senses checked, actor/action/target/place/date cited by sentence."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsloom import Loom, Settings
from newsloom.loom import process
from newsloom.nlp import load_nlp
from newsloom.stages.dates import extract_dates
from newsloom.stages.entities import extract_mentions
from newsloom.stages.events import ACTIONS, EVENT_NOUNS, LEXICON, extract_events

from .conftest import SHARED


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _events(nlp, text: str, published: date | None = date(2021, 11, 16), **kw) -> list[dict]:
    doc = nlp(text)
    return extract_events(doc, extract_mentions(doc, text), extract_dates(doc, published), **kw)


def _actions(nlp, text: str, **kw) -> list[tuple[str, str]]:
    return [(e["action"], e["verb"]) for e in _events(nlp, text, **kw)]


def test_accuse_with_actor_target_date_and_span(nlp):
    text = "Migrants waited. Poland accused Belarus of luring migrants on Monday."
    ev = [e for e in _events(nlp, text) if e["action"] == "ACCUSE"]
    assert len(ev) == 1
    e = ev[0]
    assert (e["actor"], e["target"], e["date"], e["precision"]) == ("Poland", "Belarus", "2021-11-15", "day")
    assert text[e["start"]:e["end"]] == "Poland accused Belarus of luring migrants on Monday."


def test_consult_with_prepositional_target_and_place(nlp):
    text = "Angela Merkel met with Vladimir Putin in Moscow on Tuesday."
    ev = [e for e in _events(nlp, text) if e["action"] == "CONSULT"]
    assert ev and ev[0]["actor"] == "Angela Merkel" and ev[0]["target"] == "Vladimir Putin"
    assert ev[0]["place"] == "Moscow" and ev[0]["date"] == "2021-11-16"


def test_passive_voice_swaps_actor_and_target(nlp):
    text = "Roman Protasevich was arrested by Belarus in Minsk."
    ev = [e for e in _events(nlp, text) if e["action"] == "COERCE"]
    assert ev and ev[0]["actor"] == "Belarus" and ev[0]["target"] == "Roman Protasevich"


def test_call_for_is_a_demand_but_called_is_a_phone_call(nlp):
    demand = _events(nlp, "Ursula von der Leyen called for new sanctions.")
    assert any(e["action"] == "DEMAND" and e["actor"] == "Ursula von der Leyen" for e in demand)
    call = _events(nlp, "Angela Merkel called Alexander Lukashenko on Wednesday.")
    assert any(e["action"] == "CONSULT" and e["target"] == "Alexander Lukashenko" for e in call)


# --- only asserted events -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, action", [
    ("Lukashenko did not threaten Poland.", "THREATEN"),                         # negated
    ("Russian troops did not attack the town of Zawiyah.", "ASSAULT"),
    ("Russian troops never attacked the town of Zawiyah.", "ASSAULT"),
    ("Russian troops would attack Zawiyah if NATO moved.", "ASSAULT"),            # hypothetical
    ("Russian troops could attack Zawiyah.", "ASSAULT"),
    ("If Russian troops attack Zawiyah, NATO will respond.", "ASSAULT"),
    ("Russian troops will attack Zawiyah.", "ASSAULT"),                           # planned, future
    ("Russia plans to deploy troops to the Belarus border.", "MOBILIZE"),
    ("NATO is expected to attack Tripoli next week.", "ASSAULT"),
    ("Did Russian troops attack Zawiyah?", "ASSAULT"),                            # questioned
    ("Residents of Zawiyah fear that Gaddafi's forces attacked the town.", "ASSAULT"),  # feared
    ("Officials in Warsaw fear an attack by Belarus.", "ASSAULT"),
    ("Gaddafi threatened to attack Benghazi.", "ASSAULT"),                        # a threat: no ASSAULT ...
    ("Western attempts to condemn Assad failed.", "ACCUSE"),
    ("Bashar al-Assad denied attacking Houla.", "ASSAULT"),
])
def test_not_asserted_gives_no_event(nlp, text, action):
    assert action not in [a for a, _ in _actions(nlp, text)]


def test_a_threat_is_a_threaten_event(nlp):
    assert ("THREATEN", "threaten") in _actions(nlp, "Gaddafi threatened to attack Benghazi.")


@pytest.mark.parametrize("text, action", [
    ("Russian troops attacked the town of Zawiyah on Monday.", "ASSAULT"),
    ("More than 100 people were killed in the attack on Houla.", "ASSAULT"),     # passive, no named actor
    ("The rebels said they had captured the town of Zawiyah.", "FIGHT"),          # reported: asserted
    ("Western powers condemned Assad for crushing protests in Homs.", "COERCE"),  # a gerund after "for" happened
    ("Rebels fired rockets at Gaddafi's forces in Brega.", "FIGHT"),
    ("Dr Conrad Murray has pleaded not guilty to manslaughter.", "REJECT"),
    ("Lavrov warned Georgia that Russia would respond.", "THREATEN"),              # a threat to someone
    ("Rebels clashed with Gaddafi's forces near Brega.", "FIGHT"),
    ("Barack Obama visited China in November.", "CONSULT"),
    ("Police in Cairo beat protesters with sticks.", "ASSAULT"),
    ("The EU ministers agreed to work with Novartis on a vaccine.", "AGREE"),
    ("Russia dismissed the claims by Poland as lies.", "REJECT"),
])
def test_asserted_events_are_kept(nlp, text, action):
    assert action in [a for a, _ in _actions(nlp, text)]


# --- verb senses --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, action", [
    ("Protesters shot video of people praying in Tahrir Square.", "ASSAULT"),
    ("The Kremlin released a statement on Belarus on Monday.", "RELEASE"),
    ("Weak data helped lift U.S. crude prices.", "AID"),
    ("Rising demand helped lift Brent prices in London.", "CONCEDE"),
    ("Coca-Cola has returned to Iraq after four decades.", "MOVE"),              # a company entering a market
    ("Michael Jackson was withdrawing from it when he died in Los Angeles.", "MOVE"),
    ("I asked Chris why God allows earthquakes in Haiti.", "DEMAND"),           # a question is no demand
    ("A spokeswoman for Dr Murray insisted he was not a suspect.", "DEMAND"),
    ("Ankita Dudani agreed with the argument about the pound.", "AGREE"),       # an opinion
    ("BP would have to demonstrate it had learned its lessons.", "PROTEST"),
    ("Experts in Geneva warned that swine flu could spark a global pandemic.", "THREATEN"),  # a forecast
    ("A passenger on the Lufthansa flight complained of flu-like symptoms.", "ACCUSE"),
    ("It is a pandemic in Mexico, as opposed to an epidemic.", "REJECT"),
    ("A pupil who visited the US during the holidays was diagnosed on Sunday.", "CONSULT"),  # travel
    ("The twins from Leeds fought for this thing for so long.", "FIGHT"),          # no armed side
    ("The Department of Health releases an advert on swine flu.", "RELEASE"),
    ("I urge anyone who reads this in London and agrees to comment.", "AGREE"),    # no one in particular
    ("Maria Lopez usually asks me to clean my room.", "DEMAND"),                   # a habit
    ("Rebel fighters in Kabul shot dead the zoo's elephant.", "ASSAULT"),         # an animal
    ("Barcelona beat Chelsea last night in London.", "ASSAULT"),                  # sport
    ("A colleague of Maria Lopez was dismissed by the company.", "REJECT"),       # fired
    ("Princess welcomed her father Manny Pacquiao home in Manila.", "SUPPORT"),   # a greeting
    ("It is one issue the Obama critics in Washington all agree on.", "AGREE"),   # an opinion
    ("The 1918 Spanish flu outbreak in Europe killed tens of millions.", "ASSAULT"),
])
def test_other_senses_give_no_event(nlp, text, action):
    assert action not in [a for a, _ in _actions(nlp, text)]


def test_machine_translated_met_is_no_meeting(nlp):
    text = "Russia twice bombers met nuclear weapons sent on patrols to Belarus."
    assert "CONSULT" not in [a for a, _ in _actions(nlp, text, spin=True)]
    # in native text a meeting needs someone who meets and someone met
    assert "CONSULT" not in [a for a, _ in _actions(nlp, "Putin met his deadline in Moscow.")]
    assert ("CONSULT", "meet") in _actions(nlp, "Douglas Alexander met British aid agencies in London.")


def test_moving_warships_is_mobilising(nlp):
    text = "The United States is moving several amphibious assault ships to the Mediterranean."
    assert ("MOBILIZE", "move") in _actions(nlp, text)


def test_light_verbs_carry_event_nouns(nlp):
    ev = _events(nlp, "About 50 Assad supporters held a demonstration outside the Kremlin.")
    assert [(e["action"], e["verb"]) for e in ev] == [("PROTEST", "demonstration")]
    text = "Donald Payne faces a charge of assault in London."
    ev = [e for e in _events(nlp, text) if e["action"] == "ACCUSE"]
    assert ev and ev[0]["target"] == "Donald Payne" and text[ev[0]["verb_start"]:].startswith("charge")


def test_a_pronoun_actor_takes_the_last_person_named(nlp):
    text = "President Vladimir Putin spoke in Moscow. Addressing parliament, he blamed foreign meddling for it."
    ev = [e for e in _events(nlp, text) if e["action"] == "ACCUSE"]
    assert ev and ev[0]["actor"] == "Vladimir Putin"


def test_one_event_per_action_and_participants_in_a_sentence(nlp):
    ev = _events(nlp, "One rebel was killed and 10 were wounded near Brega, doctors said.")
    assert [e["action"] for e in ev].count("ASSAULT") == 1


def test_site_voice_and_quoted_words_give_no_event():
    text = ("Russia backed Alexander Lukashenko on Monday, officials in Minsk said.\n\n"
            "\"We will never attack Poland, and we support Belarus,\" Vladimir Putin said.\n\n"
            "We welcome comments that advance the story through relevant opinion.")
    ev = process(text, published="2021-11-16", title="x").annotations["events"]
    assert [(e["action"], e["actor"]) for e in ev] == [("SUPPORT", "Russia")]


def test_lexicon_maps_to_the_small_set():
    assert set(LEXICON.values()) <= set(ACTIONS) and set(EVENT_NOUNS.values()) <= set(ACTIONS)
    for a in ("CONSULT", "AGREE", "DEMAND", "ACCUSE", "THREATEN", "SANCTION", "AID", "RELEASE", "MOVE",
              "PROTEST", "ASSAULT", "MOBILIZE"):
        assert a in ACTIONS


# --- the seeds ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    paths = [next((SHARED / "corpora" / "seeds").glob(f"{p}_*.txt")) for p in ("001", "002", "004")]
    stages = ["clean", "language", "quality", "nlp", "entities", "quotes", "dates", "events", "resolve"]
    with Loom(tmp_path_factory.mktemp("ev") / "t.db",
              settings=Settings.load(env={}, overrides={"pipeline.stages": stages})) as loom:
        loom.ingest(*map(str, paths))
        yield loom


def _rows(loom, prefix: str) -> list[dict]:
    return list(loom.store.rows("SELECT e.*, a.text AS art FROM events e JOIN articles a ON a.id = e.article_id"
                                " WHERE a.external_id LIKE ?", (f"%/{prefix}_%",)))


def test_seed_events_stored_and_linked(seeded):
    rows = _rows(seeded, "001") + _rows(seeded, "004")
    assert len(rows) >= 5
    for r in rows:
        assert r["art"][r["start"]:r["end"]] == r["sentence"]
        assert r["action"] in ACTIONS
        if r["actor"]:
            assert r["actor_id"] is not None
    consult = [r for r in rows if r["action"] == "CONSULT" and r["actor"] == "Alexander Lukashenko"]
    assert consult and consult[0]["target"] == "Angela Merkel" and consult[0]["date"] == "2021-11-15"


def test_seed_002_machine_translated_met_gives_no_meetings(seeded):
    rows = _rows(seeded, "002")
    assert not [r for r in rows if r["action"] == "CONSULT" and " met " in f" {r['sentence']} "]


@pytest.mark.slow
def test_newsfacts_dev_floors_for_dates_and_events():
    """The dates and events sections of ``newsloom eval facts`` on newsfacts dev stay at the measured level
    (0.96 / 0.0 and 0.88 / 0.69 when written; floors a little under)."""
    from newsloom.eval.facts import eval_facts, newsfacts_folder

    tables = {t.title: t for t in eval_facts(str(newsfacts_folder(None)))}
    dates = tables["newsfacts dates"].rows[0]
    events = tables["newsfacts events"].rows[0]
    assert dates["system"] == events["system"] == "newsloom"
    assert dates["value acc"] >= 0.93 and dates["false-value rate"] <= 0.05
    assert events["precision"] >= 0.82 and events["recall"] >= 0.62


# --- session 8 rules: senses by particle/object, plans and conditions, own-clause place and date, names ---------

@pytest.mark.parametrize("text, action", [
    ("Hundreds of fans were charging into the stadium.", "ACCUSE"),             # a rush, not a charge
    ("More riders are charging in there, the steward said.", "ACCUSE"),
    ("After the split, the singer Nora Blake is now flying solo.", "MOVE"),      # an idiom, no journey
    ("The clinic in Leeds met nine of ten standards.", "CONSULT"),               # a standard is reached
    ("The council met all of its targets this year.", "CONSULT"),
    ("The festival welcomes the violinist Anna Berg to play the concerto.", "SUPPORT"),  # a greeting
    ("The nurse warned Peter Hale about taking the pills.", "THREATEN"),         # a caution
    ("Students said they were organizing a march in Leeds for Friday.", "PROTEST"),  # a plan
    ("There is worry about militants seizing the town here if the army withdrew.", "FIGHT"),  # a condition
    ("The band shot to fame with their first single.", "ASSAULT"),              # idioms by particle
    ("The coach shot down the rumours at his press conference.", "ASSAULT"),
    ("A corporal from Leeds was killed in a crash near the base.", "ASSAULT"),  # an accident
    ("The detective meets his match in the third story.", "CONSULT"),
    ("The presenter asks Peter Hale about his childhood.", "DEMAND"),          # a question
    ("A reporter was injured but returned to the air within an hour.", "MOVE"),  # a state, not a place
    ("Anna Berg discusses the history of the printing press.", "CONSULT"),      # a topic, no partner
    ("There is speculation that the army has taken control of the city.", "FIGHT"),  # not asserted
])
def test_other_senses_plans_and_conditions_give_no_event(nlp, text, action):
    assert action not in [a for a, _ in _actions(nlp, text)]


@pytest.mark.parametrize("text, action", [
    ("Police charged Peter Hale with theft.", "ACCUSE"),
    ("Peter Hale was charged with theft.", "ACCUSE"),
    ("The minister Anna Berg flew to Paris on Monday.", "MOVE"),
    ("Anna Berg met Peter Hale in Paris.", "CONSULT"),
    ("Anna Berg welcomed the verdict.", "SUPPORT"),
    ("Moscow warned Kiev that it would respond.", "THREATEN"),
    ("Students held a march in Leeds on Friday.", "PROTEST"),
    ("Peter Hale has gone on trial, charged with fraud.", "ACCUSE"),
    ("Anna Berg welcomed Peter Hale's decision to resign.", "SUPPORT"),      # an act, not a guest
    ("Whether they win or not, the strikers are demanding higher pay.", "DEMAND"),  # no condition
    ("Rebels shot down a helicopter over the town.", "ASSAULT"),
    ("Anna Berg discussed the crisis with Peter Hale.", "CONSULT"),
    ("Peter Hale and Anna Berg discussed the crisis.", "CONSULT"),
])
def test_the_event_senses_are_kept(nlp, text, action):
    assert action in [a for a, _ in _actions(nlp, text)]


def test_a_place_inside_the_object_is_not_the_events_place(nlp):
    plea = [e for e in _events(nlp, "Peter Hale pleaded not guilty to charges of plotting attacks in France.")
            if e["action"] == "REJECT"]
    assert plea and plea[0]["actor"] == "Peter Hale" and plea[0]["place"] is None
    arrest = [e for e in _events(nlp, "Police arrested Peter Hale in a raid in Leeds.") if e["action"] == "COERCE"]
    assert arrest and arrest[0]["place"] == "Leeds"


def test_a_date_of_another_clause_is_not_the_events_date(nlp):
    text = "Anna Berg, who returned home to Paris, was silent, state radio reported on Friday."
    moves = [e for e in _events(nlp, text) if e["action"] == "MOVE"]
    assert moves and moves[0]["date"] is None
    own = [e for e in _events(nlp, "Anna Berg returned home to Paris on Friday.") if e["action"] == "MOVE"]
    assert own and own[0]["date"] == "2021-11-12"
    reported = [e for e in _events(nlp, "Police arrested Peter Hale in Leeds, the ministry said on Friday.")
                if e["action"] == "COERCE"]
    assert reported and reported[0]["date"] == "2021-11-12"  # the day it was reported


@pytest.mark.parametrize("text, wrong", [
    ("A pharmacy in Leeds was later raided.", "Leeds"),                       # where the target is, not the target
    ("Mary Cole accepted a job at Peter Hale's bakery.", "Peter Hale"),       # an owner, not the target
    ("Anna Berg was denounced for backing the invasion of Iraq.", "Iraq"),    # the invaded, not the backed
    ("Police arrested John Major's lawyer in London.", "John Major"),       # whose lawyer, not the lawyer
])
def test_a_target_is_not_a_name_inside_the_objects_phrase(nlp, text, wrong):
    assert all(e["target"] != wrong for e in _events(nlp, text))


_PLACES = ["Leeds", "Paris", "Cairo", "Madrid", "Berlin"]
_PEOPLE = ["Peter Hale", "Anna Berg", "Mary Cole"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_PEOPLE), st.sampled_from(_PLACES), st.sampled_from(["plotting attacks", "smuggling arms"]))
def test_property_place_comes_from_the_verbs_own_phrase(nlp, person, place, crime):
    inside = _events(nlp, f"{person} pleaded not guilty to charges of {crime} in {place}.")
    assert all(e["place"] != place for e in inside)
    own = [e for e in _events(nlp, f"Police arrested {person} in {place}.") if e["action"] == "COERCE"]
    assert own and own[0]["place"] == place and own[0]["target"] == person
