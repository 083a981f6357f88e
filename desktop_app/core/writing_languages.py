"""Which language a question is asked in, and whether the answering model can write it.

A small model asked to write a language it was not trained on does not refuse: it writes
made-up words until the token limit (the bundled SmolLM2-135M in Russian). So the app knows
what each model writes (services.llm.languages) and, for a question in another language, shows
the quotes with one line that says so instead of running the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.scripts import script_share

LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "uk": "Ukrainian",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "hi": "Hindi",
    "th": "Thai",
    "vi": "Vietnamese",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def question_language(question: str) -> str | None:
    """ "ru" for a question mostly in Cyrillic, "en" for one in Latin letters (a French or
    German one is taken for English: the models the app knows write those along with English),
    None when there is no telling (digits only, another script)."""
    if not any(c.isalpha() for c in question):
        return None
    if script_share(question, frozenset({"cyrillic"})) >= 0.5:
        return "ru"
    if script_share(question, frozenset({"latin"})) >= 0.5:
        return "en"
    return None


@dataclass(frozen=True, slots=True)
class WriterLanguages:
    """The languages a model writes (ISO 639-1 codes), and where that was learnt; codes None:
    nobody says, and the model is trusted with every language."""

    codes: tuple[str, ...] | None
    source: str  # "your setting", "the model catalogue", "the model file", "" when unknown

    def writes(self, language: str | None) -> bool:
        return language is None or self.codes is None or language in self.codes

    def describe(self) -> str:
        if self.codes is None:
            return "not known"
        return ", ".join(language_name(c) for c in self.codes)


def model_display_name(model_path: str) -> str:
    """ "SmolLM2-135M-Instruct.Q4_1" for ".../SmolLM2-135M-Instruct.Q4_1.gguf"."""
    name = model_path.replace("\\", "/").rsplit("/", 1)[-1]
    return name[: -len(".gguf")] if name.lower().endswith(".gguf") else name


def cannot_write_note(model: str, writer: WriterLanguages, language: str, offer: str) -> str:
    """The line shown instead of an answer: why the model was not run, and what would answer."""
    writes = writer.describe()
    only = " only" if writer.codes is not None and len(writer.codes) == 1 else ""
    return (
        f"The answering model ({model}) writes {writes}{only}, so it was not asked to answer "
        f"in {language_name(language)}: the quotes above are from your documents. {offer}"
    ).strip()
