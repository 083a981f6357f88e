import pytest

from desktop_app.core.lexical import query_terms
from desktop_app.core.quotes import (
    ScoringWeights,
    Shape,
    UnitFeatures,
    answer_shape,
    best_units,
    folded,
    has_shape,
    term_overlap,
    unit_scores,
    units,
    weighted_overlaps,
    windows,
)


def pieces(text: str) -> list[str]:
    return [text[u.start : u.end] for u in units(text)]


def test_sentences_are_cut_at_their_ends_only():
    text = (
        "Apple Inc. reported revenue of $117.2 billion, e.g. from iPhone sales. "
        "Mr. Cook said so on Dec. 31 in the U.S. Army hall. Was it 1.5 times more? Yes, it was!"
    )
    assert pieces(text) == [
        "Apple Inc. reported revenue of $117.2 billion, e.g. from iPhone sales.",
        "Mr. Cook said so on Dec. 31 in the U.S. Army hall.",
        "Was it 1.5 times more?",
        "Yes, it was!",
    ]


def test_a_pdf_line_wrap_does_not_end_a_sentence_and_reads_as_one():
    text = (
        "The Summer Theatre in Warsaw was open\nfrom 1870 to 1939, and its reper-\n"
        "toire grew. It closed."
    )
    found = pieces(text)
    assert found[0].startswith("The Summer Theatre") and found[0].endswith("grew.")
    assert folded(found[0]) == (
        "The Summer Theatre in Warsaw was open from 1870 to 1939, and its repertoire grew."
    )


def test_russian_sentences_and_abbreviations():
    text = "Летний театр работал с 1870 по 1939 гг. в Варшаве. Во время войны его сожгли."
    assert pieces(text) == [
        "Летний театр работал с 1870 по 1939 гг. в Варшаве.",
        "Во время войны его сожгли.",
    ]


def test_table_rows_and_list_items_are_units_of_their_own():
    text = (
        "Net sales by category:\n"
        "iPhone $ 65,775 $ 71,628 (8)%\n"
        "Mac 7,735 10,852 (29)%\n"
        "Services were strong\n"
        "and grew.\n"
        "• first item of a list\n"
        "• second item"
    )
    assert pieces(text) == [
        "Net sales by category:",
        "iPhone $ 65,775 $ 71,628 (8)%",
        "Mac 7,735 10,852 (29)%",
        "Services were strong\nand grew.",
        "• first item of a list",
        "• second item",
    ]


def test_spans_point_into_the_passage_and_fragments_are_dropped():
    text = "  12  \n\nA real sentence here. Another one follows.\n\n3"
    found = units(text)
    assert [text[u.start : u.end] for u in found] == [
        "A real sentence here.",
        "Another one follows.",
    ]


def test_an_overlong_unit_is_cut_at_word_boundaries():
    words = " ".join(f"word{i}" for i in range(200))
    found = pieces(words)
    assert len(found) > 1
    assert all(len(p) <= 400 for p in found)
    assert " ".join(found) == words  # nothing lost, nothing cut mid-word


def test_term_overlap_uses_stems():
    terms = query_terms("Which theatres worked in Warsaw?")
    assert term_overlap(terms, "The theatre worked in Warsaw for years.") == 1.0
    assert term_overlap(terms, "Nothing relevant.") == 0.0
    assert term_overlap([], "anything") == 0.0


def test_scores_add_the_weighted_features_and_best_units_skip_repeats():
    features = [
        UnitFeatures(0, 0, dense=0.5, lexical=0.0),
        UnitFeatures(0, 1, dense=0.7, lexical=1.0),
        UnitFeatures(1, 0, dense=0.7, lexical=1.0),  # the same sentence in the next passage
        UnitFeatures(1, 1, dense=0.6, lexical=0.0),
    ]
    weights = ScoringWeights(dense=1.0, lexical=0.5, rank=0.1, context=0.0)
    scores = unit_scores(features, weights)
    assert scores[1] > scores[2] > scores[3]
    assert abs(scores[0] - (0.5 + 0.1)) < 1e-9
    texts = ["Intro.", "The answer is 42.", "The  answer is\n42.", "Something else."]
    chosen = best_units(features, texts, weights, limit=3)
    assert [i for i, _ in chosen] == [1, 3, 0]
    with_context = unit_scores(features, ScoringWeights(1.0, 0.0, 0.0, 1.0))
    assert abs(with_context[0] - (0.5 + 0.7)) < 1e-9


def test_windows_take_the_best_units_with_their_neighbours_in_document_order():
    features = [
        UnitFeatures(0, u, dense=d, lexical=0.0) for u, d in enumerate([0.1, 0.2, 0.9, 0.3])
    ]
    features += [UnitFeatures(1, u, dense=d, lexical=0.0) for u, d in enumerate([0.8, 0.1])]
    scores = [f.dense for f in features]
    assert windows(features, scores, seeds=1) == {0: [1, 2, 3]}
    assert windows(features, scores, seeds=2) == {0: [1, 2, 3], 1: [4, 5]}
    assert windows(features, scores, seeds=1, around=0) == {0: [2]}


def test_rare_question_terms_weigh_more_than_those_every_unit_repeats():
    terms = query_terms("How many sacks did the Panthers defense record?")
    texts = [
        "The Panthers defense was strong.",
        "The Panthers played well.",
        "The defense recorded 52 sacks.",
    ]
    weighted = weighted_overlaps(terms, texts)
    plain = [term_overlap(terms, t) for t in texts]
    # "sack" and "record" are rare among the units, "Panthers" is in most of them.
    assert weighted[2] / weighted[0] > plain[2] / plain[0] > 1
    assert weighted_overlaps([], texts) == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("How many sacks did he record?", Shape.NUMBER),
        ("Сколько очков уступила защита?", Shape.NUMBER),
        ("When did the theatre close?", Shape.YEAR),
        ("В каком году закрылся театр?", Shape.YEAR),
        ("Who won the Super Bowl?", Shape.NAME),
        ("Кто был лидером команды?", Shape.NAME),
        ("Why did it close?", None),
    ],
)
def test_the_answer_shape_a_question_asks_for(question, shape):
    assert answer_shape(question) is shape


def test_a_unit_has_the_shape_of_the_answer():
    assert has_shape("It closed in 1939 after the war.", Shape.YEAR)
    assert not has_shape("It closed after 39 days.", Shape.YEAR)
    assert has_shape("The defense recorded 52 sacks.", Shape.NUMBER)
    assert has_shape("The game was won by Denver.", Shape.NAME)
    assert not has_shape("The game was won.", Shape.NAME)
    assert not has_shape("Anything at all.", None)


def test_a_dated_sentence_is_prose_and_a_form_s_fields_are_units():
    text = (
        "National Transportation Safety Board\n"
        "Aviation Accident Factual Report\n"
        "Location: Chevroux, France Accident Number: DEN08WA042\n"
        "On December 17, 2007, at 1045 coordinated universal time, a Reims F172 M, French\n"
        "registered FBVIF, was destroyed when it impacted terrain near Chevroux, France."
    )
    found = pieces(text)
    assert found[:3] == [
        "National Transportation Safety Board",
        "Aviation Accident Factual Report",
        "Location: Chevroux, France Accident Number: DEN08WA042",
    ]
    assert folded(found[3]).startswith("On December 17, 2007, at 1045 coordinated universal")
    assert found[3].endswith("near Chevroux, France.")
