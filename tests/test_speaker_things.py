"""Speakers that are things, not people (statements, reports, estimates, goals), addressees, interposed cues
and a speaker who goes on as "he" (made-up texts)."""
from __future__ import annotations

import pytest

from newsloom.loom import process


@pytest.fixture(scope="module")
def nlp():
    from newsloom.nlp import load_nlp

    return load_nlp()


def quotes(text: str) -> list[dict]:
    return process(text, title="t", published="2024-03-12").annotations["quotes"]


def holding(rows: list[dict], words: str) -> list[dict]:
    return [q for q in rows if words in q["text"]]


def test_a_statement_issued_by_a_body_is_the_body_speaking(nlp):
    text = ("Harbour Freight Ltd was criticised over the delays. A short statement released by Harbour Freight Ltd "
            "said the company had the full backing of its shareholders.")
    (q,) = holding(quotes(text), "full backing")
    assert q["speaker_name"] == "Harbour Freight Ltd"


def test_the_report_is_its_author_named_earlier(nlp):
    text = ("The chief inspector Maria Olsen said in a report on Monday that the bridge was unsafe. "
            "\u201cRepairs cannot wait another winter without risk to the public,\u201d the report said.")
    (q,) = holding(quotes(text), "Repairs cannot wait")
    assert q["speaker_name"] == "Maria Olsen"


def test_data_that_suggests_or_shows_is_no_quote(nlp):
    text = ("Pumps are removing 9,000 litres an hour, but the latest estimates suggest 20,000 litres an hour are "
            "still flooding the tunnel. Only four pumps are left, the supplier lists showed.")
    rows = quotes(text)
    assert not holding(rows, "still flooding") and not holding(rows, "four pumps")


def test_a_thing_inside_a_speakers_reported_clause_gives_way_to_the_speaker(nlp):
    text = ("Admiral Tom Reyes led the response. Reyes said in an interview that his goal was to \u201ckeep "
            "everyone together\u201d and added, \u201cYou cannot do that by shouting at people or by blaming "
            "them.\u201d")
    (q,) = holding(quotes(text), "You cannot do that")
    assert q["speaker_name"] == "Tom Reyes"


def test_who_has_been_told_is_not_the_speaker(nlp):
    text = "Nurse Carla Diaz has been told to prepare for long shifts at the field hospital next week."
    for q in holding(quotes(text), "prepare for long shifts"):
        assert q["speaker_name"] is None and q["speaker_text"] is None


def test_a_cue_set_off_by_commas_reports_the_whole_sentence(nlp):
    text = ("Economist Lena Marsh studied the rail plan. It would be a serious error, said Marsh, to assume that "
            "cheaper tickets alone will fill the trains.")
    (q,) = holding(quotes(text), "serious error")
    assert "cheaper tickets alone will fill the trains" in q["text"] and q["speaker_name"] == "Lena Marsh"


def test_an_object_shared_by_two_verbs_stays_in_the_reported_clause(nlp):
    text = ("Farmers gained leverage after the water board said the company knew of, but did not address, leaks in "
            "the pipes laid under the valley before the drought.")
    (q,) = holding(quotes(text), "knew of")
    assert q["text"].endswith("leaks in the pipes laid under the valley before the drought")


def test_the_last_speaker_goes_on_as_he_when_no_one_else_is_named(nlp):
    text = ("\u201cThe port will reopen in May,\u201d said Piet Haller, the harbour master. The port was shut in "
            "January after the storm. Two cranes fell into the water. The insurers have paid for one of them. "
            "A new quay is planned for next year. \u201cWe are confident about the summer season,\u201d he said.")
    (q,) = holding(quotes(text), "confident about the summer")
    assert q["speaker_name"] == "Piet Haller"


def test_a_frame_whose_own_clause_comes_first_is_not_the_next_quotes_attribution():
    from newsloom.stages.quotes import Frame, _attach

    text = 'Ann Lee said the port would reopen in May. "We are ready for the ships and the crews."'
    clause = (text.index("the port"), text.index(". "))
    frame = Frame("said", 8, 12, (0, 7), None, [clause])
    quote = (text.index('"'), len(text))
    ((parts, attributed),) = _attach(text, [quote], [frame], 80)
    assert parts == [quote] and attributed is None and not frame.used
