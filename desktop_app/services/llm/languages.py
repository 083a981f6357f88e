"""What languages an answering model writes: the user's setting for that model, else the
bundled model's known limits, the catalogue's entry for its file, or the GGUF's own
`general.languages`; nobody saying means every language is allowed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from desktop_app.core.model_catalogue import CatalogueError, load_catalogue
from desktop_app.core.writing_languages import WriterLanguages
from desktop_app.services.llm.files import DEFAULT_LLM_FILE

# SmolLM2's model card: "primarily understands and generates content in English". Measured
# here (bench.answers): Russian answers were made-up words in 30 of 30 questions.
BUNDLED_LANGUAGES = ("en",)


def writer_languages(
    model_path: str | Path, settings: Mapping[str, Sequence[str]] | None = None
) -> WriterLanguages:
    """`settings` maps a model's file name to the languages the user says it writes."""
    name = Path(model_path).name
    chosen = (settings or {}).get(name)
    if chosen:
        return WriterLanguages(tuple(chosen), "your setting")
    if name == DEFAULT_LLM_FILE:
        return WriterLanguages(BUNDLED_LANGUAGES, "the bundled model's card")
    try:
        entry = next((e for e in load_catalogue() if e.file == name), None)
    except CatalogueError:
        entry = None
    if entry is not None:
        return WriterLanguages(entry.languages, "the model catalogue")
    from_file = _languages_in_file(Path(model_path))
    if from_file:
        return WriterLanguages(from_file, "the model file")
    return WriterLanguages(None, "")


def _languages_in_file(path: Path) -> tuple[str, ...]:
    from desktop_app.services.llm.gguf_info import read_header

    try:
        value = read_header(path).metadata.get("general.languages")
    except (OSError, ValueError):
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(str(code).strip().lower() for code in value if str(code).strip())
