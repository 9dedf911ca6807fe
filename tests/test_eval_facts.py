"""The newsfacts scorers on small hand-made examples, and the evaluation on the dev folder (slow)."""
from __future__ import annotations

import pytest

from newsloom.eval.facts import (GoldDate, GoldEntity, GoldEvent, GoldQuote, Locator, PredDate, PredEvent,
                                 PredMention, PredQuote, locate, names_match, newsfacts_folder, score_dates,
                                 score_entities, score_events, score_quotes, value_matches)


def test_locate_ignores_white_space_and_quote_marks() -> None:
    text = 'Mr Assad described the killings as an \u201cugly  crime\u201d that even\n"monsters" would not do.'
    start, end = locate(text, 'an "ugly crime" that even "monsters" would')
    assert text[start:end] == 'an \u201cugly  crime\u201d that even\n"monsters" would'
    assert locate(text, "a sentence cleaning cut") is None


def test_locator_finds_an_expression_inside_its_context_and_whole_forms_only() -> None:
    loc = Locator("On Friday they met. Violence continued on Friday in Syria, the Syrian army said.")
    ctx = loc.find("Violence continued on Friday in Syria")
    assert loc.find("Friday", ctx) == (42, 48)
    assert loc.find_all("Syria") == [(52, 57)]


@pytest.mark.parametrize("gold, pred, right", [
    ("Bashar al-Assad", "Assad", True),
    ("Bashar al-Assad", "President Bashar al Assad", True),
    ("Bashar al-Assad", "Kofi Annan", False),
    ("World Health Organization", "WHO", True),
    ("WHO", "World Health Organization", True),
    ("Terry Hazen and Rich Camilli", "Camilli", True),
    ("Terry Hazen and Rich Camilli", "Terry Hazen", True),
    ("Terry Hazen and Rich Camilli", "Hazen Camilli Inc", True),
    ("Terry Hazen and Rich Camilli", "Rich", False),
    (None, "Assad", False),
    ("Assad", None, False),
])
def test_names_match_on_surname_or_acronym(gold: str | None, pred: str | None, right: bool) -> None:
    assert names_match(gold, pred) is right


def test_quotes_recall_precision_and_attribution() -> None:
    gold = [GoldQuote((0, 40), "Bashar al-Assad"), GoldQuote((100, 140), None), GoldQuote((200, 240), "Kofi Annan"),
            GoldQuote(None, "Ban Ki-moon")]
    preds = [PredQuote([(0, 30)], "Assad"),  # found, right speaker
             PredQuote([(90, 150)], "Assad"),  # found; a name for a gold null speaker is wrong
             PredQuote([(230, 260)], "Annan"),  # overlaps 10 of 40: matched (precision) but not found (recall)
             PredQuote([(500, 560)], None)]  # not a gold quote
    c = score_quotes(gold, preds)
    assert (c.gold, c.found, c.pred, c.pred_matched) == (4, 2, 4, 3)
    assert (c.shown, c.shown_right) == (3, 2)
    assert (c.gold_named, c.named_found_right) == (3, 1)
    row = c.row()
    assert row["recall"] == 0.5 and row["precision"] == 0.75 and row["attr precision"] == 0.667
    assert row["attr recall"] == 0.333


def test_quotes_split_parts_and_no_speaker() -> None:
    gold = [GoldQuote((10, 50), "Hazen and Camilli")]
    c = score_quotes(gold, [PredQuote([(0, 20), (25, 40)], None)])
    assert (c.found, c.pred_matched, c.shown, c.named_found_right) == (1, 1, 0, 0)
    c = score_quotes(gold, [PredQuote([(0, 20), (25, 40)], "Rich Camilli")])
    assert (c.shown, c.shown_right, c.named_found_right) == (1, 1, 1)


def test_iso_week_values() -> None:
    assert value_matches("2011-W04", "2011-01-24") and value_matches("2011-W04", "2011-01-30")
    assert not value_matches("2011-W04", "2011-01-31") and not value_matches("2011-W04", "2011-01")
    assert value_matches("2011-W04", "2011-W04")
    assert value_matches("2011-01-27", "2011-01-27") and not value_matches("2011-01", "2011-01-27")
    assert not value_matches("2009", None)


def test_dates_value_accuracy_and_false_values() -> None:
    gold = [GoldDate((0, 8), "date", "2011-01-27"), GoldDate((20, 29), "date", "2011-W04"),
            GoldDate((40, 50), "duration", None), GoldDate((60, 68), "vague", None), GoldDate(None, "date", "2011")]
    preds = [PredDate(0, 8, "2011-01-20"), PredDate(3, 8, "2011-01-27"), PredDate(20, 29, "2011-01-26"),
             PredDate(40, 50, "2008"), PredDate(60, 68, None)]
    c = score_dates(gold, preds)
    assert (c.dates, c.right, c.others, c.false_values) == (3, 2, 2, 1)


def test_entities_found_typed_canonical_precision_merges_splits() -> None:
    gold = [GoldEntity("Bashar al-Assad", "PERSON", [(0, 15), (50, 55)]),
            GoldEntity("Houla", "PLACE", [(20, 25)]),
            GoldEntity("Asma al-Assad", "PERSON", [(70, 83)]),
            GoldEntity("Reuters", "ORG", [(90, 97)])]
    preds = [PredMention(0, 15, "PERSON", "e1", "Bashar al-Assad"), PredMention(50, 55, "PERSON", "e2", "Assad"),
             PredMention(20, 25, "PERSON", "e3", "Houla"), PredMention(70, 83, "PERSON", "e1", "Bashar al-Assad"),
             PredMention(30, 35, "ORG", "e4", "Anybody"), PredMention(90, 97, "NORP", "e5", "Reuters")]
    c = score_entities(gold, preds)
    assert (c.gold, c.found, c.found_typed) == (4, 3, 2)  # NORP is not scored; Houla found but typed PERSON
    assert c.canonical_exact == 2  # Bashar (e1 first of a tie) and Houla; Asma is named Bashar
    assert (c.mentions, c.mentions_right) == (5, 4)
    assert (c.splits, c.merges) == (1, 1)


def test_events_match_same_sentence_verb_and_class() -> None:
    gold = [GoldEvent((10, 16), "deny", "denied", "REJECT", "Bashar al-Assad", None),
            GoldEvent((60, 64), "meet", "met", "CONSULT", "Kofi Annan", "Walid Muallem"),
            GoldEvent(None, "kill", "killed", "ASSAULT", None, None)]
    preds = [PredEvent(0, 40, "deny", "REJECT", "Assad", None),
             PredEvent(50, 90, "meet", "CONSULT", "Annan", None),
             PredEvent(50, 90, "meet", "MOVE", "Annan", None),
             PredEvent(100, 120, "kill", "ASSAULT", None, None)]
    c = score_events(gold, preds)
    assert (c.gold, c.found, c.pred, c.pred_matched) == (3, 2, 4, 2)
    assert (c.actor_right, c.target_right) == (2, 1)


@pytest.mark.slow
def test_eval_facts_on_dev() -> None:
    from newsloom.eval.facts import eval_facts

    folder = newsfacts_folder(None)
    tables = {t.title: t for t in eval_facts(str(folder), limit=4)}
    quotes = tables["newsfacts quotes"].rows
    assert [r["system"] for r in quotes] == ["newsloom", "baseline"]
    assert quotes[0]["recall"] > quotes[1]["recall"]
