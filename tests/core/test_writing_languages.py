from desktop_app.core.writing_languages import (
    WriterLanguages,
    cannot_write_note,
    model_display_name,
    question_language,
)


def test_the_question_language_by_its_letters():
    assert question_language("Где работал Летний театр в Варшаве?") == "ru"
    assert question_language("Where did the Summer Theatre work?") == "en"
    assert question_language("Что такое iPhone?") == "ru"  # mostly Cyrillic
    assert question_language("2023?") is None


def test_a_writer_writes_what_it_says_and_anything_when_nobody_says():
    english = WriterLanguages(("en",), "the bundled model's card")
    assert english.writes("en") and not english.writes("ru")
    assert english.writes(None)  # no telling the question's language: ask the model
    assert WriterLanguages(None, "").writes("ru")
    assert WriterLanguages(("en", "ru"), "x").describe() == "English, Russian"


def test_the_line_says_why_and_what_would_answer():
    note = cannot_write_note(
        model_display_name("/m/SmolLM2-135M-Instruct.Q4_1.gguf"),
        WriterLanguages(("en",), "card"),
        "ru",
        "Qwen2.5 1.5B writes Russian: run `librarian models get qwen2.5-1.5b`.",
    )
    assert note.startswith("The answering model (SmolLM2-135M-Instruct.Q4_1) writes English only")
    assert "in Russian" in note and note.endswith("`librarian models get qwen2.5-1.5b`.")
