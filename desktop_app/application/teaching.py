"""Teaching the answering model: adapters trained on the user's examples, for the Teach window
and `librarian teach`.

Each adapter lives in `adapters/<name>/` in the data directory: the answers kept for it in the
app (application/kept_examples.py), the examples it was taught (all of them, and the held-out
share apart), the training checkpoint, the GGUF adapter and `adapter.json` (the
base model it was made for, the settings, the losses). The base model is the one answering now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from desktop_app.application.kept_examples import NAME, KeptExamples
from desktop_app.core.errors import LibrarianError
from desktop_app.core.settings import Settings
from desktop_app.core.teaching import (
    Example,
    check_enough,
    format_matches,
    overlap,
    prompt_messages,
    split_held_out,
    write_examples,
)
from desktop_app.core.units import GIB, memory
from desktop_app.services.llm import LlmConfig, LlmEngine, LlmError
from desktop_app.services.training.trainer import (
    ADAPTER,
    Exported,
    TrainFailed,
    TrainingError,
    TrainRequest,
    TrainSettings,
)
from desktop_app.services.training.training_process import TrainingRun

__all__ = ["Comparison", "Exported", "TeachPlan", "Teacher", "TrainFailed", "TrainingRun"]

META = "adapter.json"
# float32 weights de-quantized from a ~4.5-bit file, activations and the optimizer's state:
# measured 1.9 GB resident for the 98 MB SmolLM2 file (batch 4 x 700 tokens).
RAM_PER_FILE_BYTE = 12
RAM_BASE = int(0.8 * GIB)


class TeachingError(LibrarianError):
    """Teaching cannot start; the message says why and what would help."""


@dataclass(frozen=True, slots=True)
class TeachPlan:
    name: str
    request: TrainRequest
    held_out: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    name: str
    path: str
    base_model: str
    examples: int
    held_out: int
    steps: int
    rank: int
    final_loss: float | None
    created: float


@dataclass(frozen=True, slots=True)
class Comparison:
    question: str
    expected: str
    base: str
    adapter: str

    def scores(self) -> dict[str, float]:
        return {
            "base_format": float(format_matches(self.base, self.expected)),
            "adapter_format": float(format_matches(self.adapter, self.expected)),
            "base_overlap": overlap(self.base, self.expected),
            "adapter_overlap": overlap(self.adapter, self.expected),
        }


class Teacher:
    def __init__(self, folder: Path, settings: Settings, save: Callable[[], None]) -> None:
        self.folder = folder
        self._settings = settings
        self._save = save
        self.kept = KeptExamples(folder)

    def plan(
        self, examples: Sequence[Example], name: str, base_model: str, steps: int, rank: int
    ) -> TeachPlan:
        """Check everything that can be checked before a long run, then write its examples."""
        try:
            check_enough(examples)
        except ValueError as exc:
            raise TeachingError(str(exc)) from None
        if not NAME.match(name):
            raise TeachingError(f"{name!r}: an adapter's name is letters, digits, '.', '-', '_'")
        base = Path(base_model)
        _check_memory(base)
        train, held_out = split_held_out(examples)
        s = self._settings
        settings = TrainSettings(
            steps=steps,
            rank=rank,
            alpha=2 * rank,
            context_size=s.context_size,
            answer_tokens=s.max_answer_tokens,
            system_prompt=s.system_prompt,
        )
        out = self.folder / name
        out.mkdir(parents=True, exist_ok=True)
        write_examples(out / "examples.jsonl", examples)
        write_examples(out / "held_out.jsonl", held_out)
        request = TrainRequest(str(base), tuple(train), str(out), settings)
        return TeachPlan(name, request, tuple(held_out))

    def start(self, plan: TeachPlan) -> TrainingRun:
        return TrainingRun(plan.request).start()

    def finish(self, plan: TeachPlan, exported: Exported) -> AdapterInfo:
        """Check the adapter as any adapter is checked, and describe it beside it."""
        from desktop_app.services.llm.lora import validate_adapter

        path = Path(exported.path)
        try:
            validate_adapter(path, Path(plan.request.base_model))
        except LlmError as exc:
            raise TeachingError(f"the trained adapter is not usable: {exc}") from exc
        s = plan.request.settings
        info = AdapterInfo(
            plan.name,
            str(path),
            plan.request.base_model,
            len(plan.request.examples) + len(plan.held_out),
            len(plan.held_out),
            s.steps,
            s.rank,
            exported.losses[-1] if exported.losses else None,
            time.time(),
        )
        meta = {**asdict(info), "settings": asdict(s), "losses": list(exported.losses)}
        (path.parent / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return info

    def adapters(self) -> list[AdapterInfo]:
        found = []
        for meta in sorted(self.folder.glob(f"*/{META}")):
            try:
                raw = json.loads(meta.read_text(encoding="utf-8"))
                fields = {k: raw[k] for k in AdapterInfo.__dataclass_fields__}
                info = AdapterInfo(**fields)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if Path(info.path).is_file():
                found.append(info)
        return found

    def use(self, name: str, scale: float = 1.0) -> Path:
        info = next((a for a in self.adapters() if a.name == name), None)
        if info is None:
            raise TeachingError(f"no adapter is called {name!r}")
        self._settings.lora_path, self._settings.lora_scale = info.path, scale
        self._save()
        return Path(info.path)

    def compare(
        self, plan: TeachPlan, config: LlmConfig, limit: int = 8, max_tokens: int = 96
    ) -> list[Comparison]:
        """The base model's and the adapter's greedy answers to held-out questions."""
        held = plan.held_out[:limit]
        adapter = str(Path(plan.request.out_dir) / ADAPTER)
        answers: dict[bool, list[str]] = {}
        for with_adapter in (False, True):
            engine = LlmEngine()
            engine.load(replace(config, lora_path=adapter if with_adapter else None))
            count = engine.count_tokens
            answers[with_adapter] = [
                engine.chat(
                    prompt_messages(e, count, config.context_size, max_tokens), max_tokens, 0.0
                ).text.strip()
                for e in held
            ]
            engine.close()
        return [
            Comparison(e.question, e.answer, base, tuned)
            for e, base, tuned in zip(held, answers[False], answers[True], strict=True)
        ]


def _check_memory(base: Path) -> None:
    import psutil

    from desktop_app.services.training.trainer import load_base_info

    try:
        load_base_info(base)
    except TrainingError as exc:
        raise TeachingError(str(exc)) from None
    needed = base.stat().st_size * RAM_PER_FILE_BYTE + RAM_BASE
    free = psutil.virtual_memory().available
    if needed > free:
        raise TeachingError(
            f"teaching {base.name} needs about {memory(needed)} of memory;"
            f" {memory(free)} is free. Close other programs, or teach a smaller model."
        )
