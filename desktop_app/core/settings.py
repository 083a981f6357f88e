"""User settings: a typed dataclass persisted as JSON in the data directory, and the one source
of every setting's default (DEFAULTS) and valid range (limits): the window's controls, the
command line's options, the services' defaults and Settings.load all take them from here.

Checked by hand rather than by pydantic or msgspec: importing pydantic and declaring a model
costs about 110 ms at start-up (pydantic is not otherwise imported before the window shows),
msgspec 11 ms and a new dependency; these checks cost nothing more than the dataclass."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from desktop_app.core.embedding_models import FALLBACK_EMBEDDING_MODELS, normalise_choice

log = logging.getLogger(__name__)

DEFAULT_EXCLUDES = (".*/", "node_modules/", "__pycache__/", "~$*", "*.tmp")
_LIMITS = "limits"


@dataclass(frozen=True, slots=True)
class Limits:
    """The values a numeric setting may take, both ends included."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return f"from {self.low:g} to {self.high:g}"


def _within(default: Any, low: float, high: float) -> Any:
    return field(default=default, metadata={_LIMITS: Limits(low, high)})


@dataclass(slots=True)
class Settings:
    # The dense models search uses, each a built-in key ("use-m3", "minilm") or the path of a
    # sentence-transformers model folder; empty = the default (core.embedding_models).
    embedding_models: list[str] = field(default_factory=list)
    # Before embedding_models: one model folder, empty = MiniLM. Still honoured when
    # embedding_models is empty, so that such a library keeps its model.
    embedding_model: str = ""
    # Scripts a model folder's model reads ("latin", "cyrillic", ...); None or empty = all.
    embedding_scripts: list[str] | None = None
    embedding_batch_size: int = _within(64, 1, 1024)
    # In MiniLM's tokens, whichever models embed (it reads 256; room for special tokens).
    chunk_max_tokens: int = _within(200, 32, 256)
    chunk_overlap_tokens: int = _within(40, 0, 128)
    exclude_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    max_file_mb: int = _within(200, 1, 100_000)
    parse_timeout_s: int = _within(300, 10, 86_400)
    # Scanned pages and image files are read by OCR (Tesseract), in these languages
    # (Tesseract's codes: "eng", "rus", "deu", ...; those installed are used).
    ocr_enabled: bool = True
    ocr_languages: list[str] = field(default_factory=lambda: ["eng", "rus"])
    search_results: int = _within(5, 1, 20)
    # Answering model: a GGUF file; empty = the bundled SmolLM2-135M-Instruct.
    model_path: str = ""
    lora_path: str = ""
    lora_scale: float = _within(1.0, 0.0, 2.0)
    context_size: int = _within(4096, 512, 131_072)
    max_answer_tokens: int = _within(384, 16, 8192)
    # What the model reads: "windows" (the best sentences with their neighbours, within a
    # budget set by its measured speed) or "passages" (whole passages, as many as fit).
    prompt_evidence: str = "windows"
    temperature: float = _within(0.0, 0.0, 2.0)
    threads: int = _within(0, 0, 256)  # 0 = physical cores
    gpu_layers: int = _within(-1, -1, 999)  # -1 = all that fit in the GPU's free memory
    seed: int = 0
    # The languages an answering model writes, by its file name ("model.gguf": ["en", "ru"]),
    # where the catalogue or the file does not say, or says wrong (services.llm.languages).
    writer_languages: dict[str, list[str]] = field(default_factory=dict)
    system_prompt: str = ""  # empty = the built-in one; grounding rules always apply
    # When nothing relevant is found: also give the model's own answer, labelled as such.
    allow_general_answers: bool = False
    # Folders added to the library: re-indexed incrementally when their files change.
    watched_folders: list[str] = field(default_factory=list)

    def chosen_embedding_models(self) -> tuple[str, ...]:
        legacy = [self.embedding_model] if self.embedding_model else []
        return normalise_choice(self.embedding_models or legacy)

    def embedding_fallback(self) -> tuple[str, ...]:
        """What to search with where a chosen model cannot be made: the earlier default pair
        when no model was chosen (the default, whatever it is in this version: a library made
        with an earlier default moves to this one, its vectors built in the background)."""
        chose = normalise_choice(self.embedding_models or [self.embedding_model], ())
        return () if chose else FALLBACK_EMBEDDING_MODELS

    def custom_embedding_scripts(self) -> frozenset[str] | None:
        return frozenset(self.embedding_scripts) if self.embedding_scripts else None

    @classmethod
    def load(cls, path: Path, problems: list[str] | None = None) -> Settings:
        """Read settings; a missing or damaged file gives defaults (the damaged one is kept),
        and a setting of the wrong type keeps its default alone, said in `problems`."""
        problems = problems if problems is not None else []
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            log.warning("Settings file %s is unreadable (%s); using defaults", path, exc)
            problems.append(f"The settings file {path.name} was unreadable; defaults are used")
            try:
                os.replace(path, path.with_suffix(".json.broken"))
            except OSError:
                pass
            return cls()
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name not in raw:
                continue
            value = _checked(raw[spec.name], str(spec.type))
            limits: Limits | None = spec.metadata.get(_LIMITS)
            if value is not _INVALID and (limits is None or limits.holds(value)):
                values[spec.name] = value
                continue
            wanted = limits.describe() if value is not _INVALID and limits else spec.type
            log.warning(
                "setting %s: %r is not %s; using the default", spec.name, raw[spec.name], wanted
            )
            problems.append(
                f"The setting {spec.name} in {path.name} has a wrong value "
                f"({raw[spec.name]!r}, not {wanted}); its default is used"
            )
        return cls(**values)

    def save(self, path: Path) -> None:
        """Write atomically, so a crash mid-write never leaves half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


# Every default, for the services' own defaults (a service called without settings behaves as
# with the defaults). Never changed.
DEFAULTS: Final = Settings()


def limits(name: str) -> Limits:
    """The valid values of the numeric setting `name` (KeyError: it has no range)."""
    found: Limits | None = next(
        (spec.metadata.get(_LIMITS) for spec in fields(Settings) if spec.name == name), None
    )
    if found is None:
        raise KeyError(f"the setting {name} has no range")
    return found


_INVALID = object()


def _checked(value: Any, annotation: str) -> Any:
    """`value` if it fits the field's annotation (as written in this module), else _INVALID."""
    optional = annotation.endswith(" | None")
    kind = annotation.removesuffix(" | None")
    if value is None:
        return None if optional else _INVALID
    if kind == "bool":
        return value if isinstance(value, bool) else _INVALID
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else _INVALID
    if kind == "str":
        return value if isinstance(value, str) else _INVALID
    if kind == "list[str]":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return list(value) if ok else _INVALID
    if kind == "dict[str, list[str]]":
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(c, str) for c in v)
            for k, v in value.items()
        )
        return {k: list(v) for k, v in value.items()} if ok else _INVALID
    raise TypeError(f"no check for settings of type {annotation}")  # a new field's type
