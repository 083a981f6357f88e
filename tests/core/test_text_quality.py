import pytest

from desktop_app.core.text_quality import garbage_reason, looks_binary, normalize_text

RUSSIAN = "Не очень краткое введение в систему LaTeX. Это руководство для начинающих пользователей."
MOJIBAKE = RUSSIAN.encode("cp1251").decode("latin-1")


def test_mojibake_is_detected():
    assert MOJIBAKE.startswith("Íå î÷åíü")
    reason = garbage_reason(MOJIBAKE * 3)
    assert reason is not None and "garbled" in reason


@pytest.mark.parametrize(
    "text",
    [
        RUSSIAN * 3,
        "Geometrie und Topologie: Übungen für Studenten, schöne Grüße aus München. " * 3,
        "Le système d'équations élémentaires, où l'on étudie les propriétés. " * 3,
        "The quick brown fox jumps over the lazy dog. " * 5,
        "漢方薬の歴史と現代医療における役割について説明する。" * 3,
    ],
)
def test_real_text_in_many_languages_is_not_garbage(text):
    assert garbage_reason(text) is None


def test_symbol_soup_is_garbage():
    assert garbage_reason("|| -- ## ** %% ++ == ;; :: // \\\\ << >> " * 20) is not None


def test_normalize_joins_hyphenated_line_breaks_and_squeezes_space():
    assert normalize_text("an exam-\nple   of\r\n\n\n\ntext\x00") == "an example of\n\ntext"


def test_normalize_expands_ligatures():
    assert normalize_text("e\ufb03cient") == "efficient"


def test_binary_detection():
    assert looks_binary(b"\x00\x01\x02binary\x00" * 100)
    assert not looks_binary("plain text, ünïcödé".encode())
    assert not looks_binary("utf-16 text".encode("utf-16"))


def test_cp1251_mojibake_is_repaired_character_for_character():
    from desktop_app.core.text_quality import repair_mojibake

    garbled = "Íåâàæíî, âñòàâëÿåòå ëè âû îäèí èëè íåñêîëüêî ïðîáåëîâ ìåæäó ñëîâàìè. LaTeX 2"
    repaired = repair_mojibake(garbled)
    expected = "Неважно, вставляете ли вы один или несколько пробелов между словами. LaTeX 2"
    assert repaired == expected
    assert len(repaired) == len(garbled)  # a viewer's spans in the garbled layer stay valid
    assert repair_mojibake("Plain English text is left as it is, not repaired at all.") is None
    assert repair_mojibake("Straße, Übung und Käse sind deutsche Wörter mit Umlauten.") is None
