"""retrieval.highlight: the phrase of a quote that answers the question."""

import pytest

from retrieval.highlight import Highlight, highlight

MILLER = (
    "On June 17, US State Department spokesperson Matthew Miller reiterated these allegations, "
    "claiming North Korea provided Russia with dozens of ballistic missiles and over 11,000 "
    "containers of munitions."
)
OFFICIALS = (
    "Accompanying Putin on this trip are several key officials, including Defence Minister "
    "Andrei Belousov, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander Novak."
)


def picked(question: str, text: str) -> str | None:
    found = highlight(question, text)
    if found is None:
        return None
    assert text[found.start:found.end] == found.text  # offsets index the quote
    return found.text


@pytest.mark.parametrize(
    "question, text, expected",
    [
        ("Who is the US State Department spokesperson?", MILLER, "Matthew Miller"),
        ("Who is the defence minister?", OFFICIALS, "Andrei Belousov"),
        ("Who accompanied Putin?", OFFICIALS, OFFICIALS[OFFICIALS.index("Defence"):-1]),  # a list is one answer
        ("How many containers of munitions were sent?", MILLER, "11,000"),
        ("How many ballistic missiles were sent?", MILLER, "dozens"),
        ("When did the spokesperson speak?", MILLER, "June 17"),
        ("When was the bridge opened?", "The bridge was opened in March 1932 by the mayor.", "March 1932"),
        ("When will the talks be held?", "Talks are due on June 19-20 in Hanoi.", "June 19-20"),
        ("Where will the talks be held?", "Talks are due on June 19-20 in Hanoi.", "Hanoi"),
        ("How old is the mayor?", "The mayor, a 54-year-old lawyer, resigned.", "54-year-old"),
        ("How many times did she win?", "She won the race twice after 2010.", "twice"),
        ("Who invited the minister?", "The minister came at the invitation of Irish leader Mary Byrne.", "Mary Byrne"),
    ],
)
def test_the_phrase_of_the_expected_type_nearest_the_question_words(question, text, expected):
    assert picked(question, text) == expected


CHAIR = "The talks were chaired by Deputy Mayor of Leeds Ana Ruiz and attended by council leader Tom Hale."


def test_the_name_after_the_question_s_title_words_not_the_first_other_name():
    assert picked("Who is the Deputy Mayor of Leeds?", CHAIR) == "Ana Ruiz"
    assert picked("Who is the council leader?", CHAIR) == "Tom Hale"


def test_who_is_a_name_gets_the_title_before_it_never_another_person():
    assert picked("Who is Ana Ruiz?", CHAIR) == "Deputy Mayor of Leeds"
    # the name ends the run and no title precedes it: no answer in this sentence
    assert picked("Who is Tom Hale?", "Tom Hale met Ana Ruiz on Monday.") is None


def test_a_list_of_names_is_one_answer_unless_the_question_picks_one_item():
    text = "The prize went to Lena Olsen, Marek Novak and Priya Shah last night."
    assert picked("Who got the prize?", text) == "Lena Olsen, Marek Novak and Priya Shah"
    assert picked("Who is the defence minister?", OFFICIALS) == "Andrei Belousov"
    board = "The board includes Lena Olsen, Marek Novak and Priya Shah, who chairs the audit committee."
    assert picked("Who chairs the audit committee?", board) == "Priya Shah"  # its relative clause
    assert picked("Who sits on the board?", board) == "Lena Olsen, Marek Novak and Priya Shah"


def test_in_a_list_of_titled_names_the_title_holding_most_question_words_wins():
    council = (
        "Present were Health Minister Jan Berg, Finance Minister Ola Dahl and Deputy Finance Minister "
        "Eva Lind."
    )
    assert picked("Who is the deputy finance minister?", council) == "Eva Lind"
    assert picked("Who is the finance minister?", council) == "Ola Dahl"  # as many words, nearer the start
    assert picked("Who is the health minister?", council) == "Jan Berg"
    # a free name as near as a titled one keeps its place (the earlier wins)
    assert picked("Who chaired the Lakes Board?", "Tom Hale chaired it with Lakes Board member Ann Orr.") == "Tom Hale"


def test_a_person_tied_to_the_question_only_by_its_names_is_no_answer():
    # "represents" and "abroad" are not in the quote: only the name Leeds is
    assert picked("Who represents Leeds abroad?", "Leeds welcomed Tom Hale on Monday.") is None
    assert picked("Who travelled with Putin?", OFFICIALS) is None  # no word says travelled


def test_where_prefers_the_place_right_after_the_question_s_verb():
    text = "After a stop in Oslo, the minister will fly to Lisbon for the summit."
    assert picked("Where will the minister fly?", text) == "Lisbon"
    assert picked("Where did the minister stop?", text) == "Oslo"


def test_offsets_index_the_quote():
    assert highlight("Who is the US State Department spokesperson?", MILLER) == Highlight(
        MILLER.index("Matthew"), MILLER.index(" reiterated"), "Matthew Miller"
    )


def test_never_words_the_question_already_contains():
    # the only date in the quote is the question's own year
    assert picked("When did the 1998 storm hit?", "The 1998 storm hit the coast hard.") is None
    # the only names are the question's own: Putin is no answer to who accompanied Putin
    assert picked("Who met Putin?", "Putin met him in the evening.") is None


def test_the_question_s_own_name_inside_a_longer_name_is_not_the_answer():
    text = "Russian President Vladimir Putin arrived in North Korea today."
    assert picked("Where did Putin arrive?", text) == "North Korea"


def test_a_calendar_date_is_preferred_to_a_relative_one():
    text = "The president arrived in the capital today (June 18) for talks."
    assert picked("When did the president arrive?", text) == "June 18"


def test_a_follow_up_s_leading_and_is_skipped():
    text = "The talks were extended in September last year."
    assert picked("And when?", text) == "September last year"


def test_a_full_name_is_preferred_to_a_lone_capitalised_word_for_a_person():
    text = "The Doctor was played by Eric Dunmore in the film."
    assert picked("Who played the part in the film?", text) == "Eric Dunmore"


def test_a_sentence_opening_word_is_no_name():
    assert picked("Who won?", "After the vote, Maria Lopez won easily.") == "Maria Lopez"


@pytest.mark.parametrize(
    "question",
    ["What did he claim?", "Why did the talks fail?", "Describe the visit.", "", "???"],
)
def test_questions_without_a_phrase_type_get_none(question):
    assert highlight(question, MILLER) is None


def test_no_phrase_of_the_type_gives_none():
    assert picked("How many people came?", "Nobody came to the meeting at all.") is None
    assert picked("Who came?", "nobody came to the meeting at all.") is None


# ---------------------------------------------------------------- front ends


def _answer(question: str, text: str):
    from retrieval import Answer, Citation, Hit, Quote, Sentence

    citation = Citation("doc", "Title", None, 1, 1, 0, len(text))
    hit = Hit(sentence=Sentence(id="doc:1", text=text, citation=citation), score=1.0, rank=1)
    return Answer(question=question, answered=True, quotes=(Quote(hit=hit),))


def test_json_gives_the_highlight_per_quote():
    from bot.render import answer_dict

    payload = answer_dict(_answer("Who is the US State Department spokesperson?", MILLER))
    start = MILLER.index("Matthew")
    assert payload["answers"][0]["highlight"] == {"start": start, "end": start + 14, "text": "Matthew Miller"}
    assert answer_dict(_answer("What did he claim?", MILLER))["answers"][0]["highlight"] is None


def test_terminal_highlights_only_in_colour():
    from bot.render import HIGHLIGHT_OFF, HIGHLIGHT_ON, render_terminal

    result = _answer("Who is the US State Department spokesperson?", MILLER)
    plain = render_terminal(result)
    assert HIGHLIGHT_ON not in plain and f"“{MILLER}” [1]" in plain
    coloured = render_terminal(result, color=True)
    assert f"spokesperson {HIGHLIGHT_ON}Matthew Miller{HIGHLIGHT_OFF} reiterated" in coloured


def test_discord_bolds_the_phrase_unless_the_cut_reaches_it():
    from bot.discord_render import bold_answer

    question = "Who is the US State Department spokesperson?"
    assert bold_answer(question, MILLER, 1000).startswith(
        "On June 17, US State Department spokesperson **Matthew Miller** reiterated"
    )
    cut = bold_answer(question, MILLER, MILLER.index(" Miller") + 1)  # "... Matthew…"
    assert "**" not in cut and cut.endswith("Matthew…")
