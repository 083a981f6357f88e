from desktop_app.core.prompts import (
    GROUNDING_RULES,
    build_prompt,
    cited_numbers,
    infer_citations,
    strip_invalid_citations,
)
from desktop_app.core.records import SearchHit


def hit(text: str, page: int | None = 1, path: str = "/docs/report.pdf") -> SearchHit:
    return SearchHit(path, "Report", page, 0, len(text), text, 1.0, ("c",))


def words(text: str) -> int:
    return len(text.split())


def test_passages_are_numbered_and_the_rules_always_apply():
    plan = build_prompt(
        "When?",
        [hit("Alpha."), hit("Beta.", 2)],
        words,
        1000,
        100,
        system_prompt="Be terse.",
        instructions="Answer in Russian.",
    )
    system, user = plan.messages[0]["content"], plan.messages[1]["content"]
    assert system.startswith("Be terse.") and GROUNDING_RULES in system
    assert system.endswith("Answer in Russian.")
    assert "[1] (Report, page 1)\nAlpha." in user and "[2] (Report, page 2)\nBeta." in user
    assert user.endswith("Question: When?")


def test_passages_that_do_not_fit_are_left_out_best_first():
    long = hit("word " * 300)
    short = hit("short passage")
    plan = build_prompt("q", [long, short], words, context_size=300, answer_tokens=100)
    assert plan.passages == [short]
    assert plan.prompt_tokens <= plan.budget_tokens


def test_citations_are_parsed_and_invalid_numbers_dropped():
    answer = "It opened in 1987 [2]. Later it closed [1, 3][9]. See [2]."
    assert cited_numbers(answer, 3) == [2, 1, 3]
    assert cited_numbers(answer, 2) == [2, 1]
    expected = "It opened in 1987 [2]. Later it closed [1]. See [2]."
    assert strip_invalid_citations(answer, 2) == expected


def test_citations_inferred_from_overlap_keep_the_text():
    passages = [hit("The museum opens at ten on Sundays."), hit("Tickets cost five euros.")]
    answer = "The museum opens at ten on Sundays.\nTickets cost five euros. Enjoy!"
    assert infer_citations(answer, passages) == (
        "The museum opens at ten on Sundays. [1]\nTickets cost five euros. [2] Enjoy!"
    )


def test_decimal_points_do_not_end_a_sentence():
    passages = [hit("Wind speed was 1.5 metres per second near the airfield.")]
    answer = "Wind speed was 1.5 metres per second near the airfield."
    assert infer_citations(answer, passages) == answer + " [1]"


def test_the_answer_is_asked_for_in_the_language_of_the_question():
    """Search is cross-lingual: English passages for a Russian question must not make the
    model answer in English; a chat's own instructions still come last and win."""
    english = [hit("The accident happened near Chevroux, France.")]
    russian = build_prompt("Где произошла авария?", english, words, 1000, 100).messages[0]
    assert "Write the answer in Russian" in russian["content"]
    plain = build_prompt("Where did it happen?", english, words, 1000, 100).messages[0]
    assert "language of the question" in plain["content"]
    steered = build_prompt(
        "Где произошла авария?", english, words, 1000, 100, instructions="Answer in English."
    ).messages[0]["content"]
    assert steered.index("Write the answer in Russian") < steered.index("Answer in English.")


def test_a_follow_up_goes_on_from_the_exchange_the_model_read_and_wrote():
    from desktop_app.core.prompts import Evidence, build_evidence_prompt

    fog = SearchHit("/d/r.pdf", "", 3, 10, 60, "Fog rolled in after midnight.", 0.9, ("c",))
    earlier = [
        {"role": "system", "content": "Rules."},
        {
            "role": "user",
            "content": "Passages:\n\n[1] (r.pdf, page 1)\nIt crashed.\n\nQuestion: Where?",
        },
        {"role": "assistant", "content": "Near Chevroux [1]."},
    ]
    plan = build_evidence_prompt(
        "And the weather?", [Evidence(2, fog, fog.text, ((10, 60),))], words, 1000, earlier=earlier
    )
    assert plan.messages[:3] == earlier  # unchanged: llama.cpp finds them in its cache
    assert plan.messages[3]["role"] == "user"
    assert plan.messages[3]["content"].startswith("Passages:\n\n[2] (r.pdf, page 3)\nFog")
    assert plan.cached_tokens == sum(words(m["content"]) + 4 for m in earlier)
    assert plan.prompt_tokens > plan.cached_tokens
    nothing_new = build_evidence_prompt("And the weather?", [], words, 1000, earlier=earlier)
    assert nothing_new.messages[3]["content"] == "Question: And the weather?"
