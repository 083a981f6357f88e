"""Whether the answering model will be asked to write an answer: not in a language it does
not write (core.writing_languages), and then what would answer instead."""

from __future__ import annotations

from desktop_app.application.models import ModelShelf
from desktop_app.core.settings import Settings
from desktop_app.core.writing_languages import (
    WriterLanguages,
    cannot_write_note,
    model_display_name,
    question_language,
)
from desktop_app.services.llm.languages import writer_languages


def languages_of(model_path: str, settings: Settings) -> WriterLanguages:
    """The languages the model at `model_path` writes, the user's setting first."""
    return writer_languages(model_path, settings.writer_languages)


def cannot_write(question: str, model_path: str, settings: Settings, shelf: ModelShelf) -> str:
    """Why the model will not be asked to answer `question` (a language it does not write)
    and what would answer it; "" when it will be asked."""
    language = question_language(question)
    writer = languages_of(model_path, settings)
    if writer.writes(language) or language is None:
        return ""
    offer = shelf.offer_for(language)
    return cannot_write_note(model_display_name(model_path), writer, language, offer)
