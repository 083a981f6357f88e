"""Training a LoRA adapter on examples, in the training child process (training_process.py).

transformers loads the GGUF model itself (`from_pretrained(folder, gguf_file=...)`, the weights
de-quantized to float32), peft adds rank-r LoRA matrices to the attention's Q and V
projections, and only those are trained: the base model is never changed.

Each example becomes the exact text llama.cpp would see when the app answers: the app's prompt
(core.teaching.prompt_messages) rendered with the model's own chat template by the same
Jinja2 formatter llama-cpp-python uses, then the answer and the end-of-turn token. The loss
counts the answer's tokens only.

A checkpoint (the LoRA weights, the optimizer, the step, the losses) is written every few
steps; a cancelled or crashed run started again with the same examples and settings resumes
from it. At the end the adapter is written as GGUF (export.py) next to the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.settings import DEFAULTS
from desktop_app.core.teaching import Example, prompt_messages
from desktop_app.services.embeddings.sentence_transformer import torch_device
from desktop_app.services.training.export import SUPPORTED, HeadShape, write_adapter
from desktop_app.services.training.gguf_reads import remember_gguf_reads

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"
ADAPTER = "adapter.gguf"
TARGETS = ("q_proj", "v_proj")


@dataclass(frozen=True, slots=True)
class TrainSettings:
    steps: int = 60
    rank: int = 8
    alpha: int = 16  # peft and llama.cpp scale the update by alpha / rank
    learning_rate: float = 1e-3
    batch_size: int = 4
    max_tokens: int = 768  # a training example's length: passages beyond it are left out
    context_size: int = DEFAULTS.context_size
    answer_tokens: int = DEFAULTS.max_answer_tokens
    system_prompt: str = ""
    instructions: str = ""
    seed: int = 0
    threads: int = 0  # 0: torch's default
    checkpoint_every: int = 10  # steps


@dataclass(frozen=True, slots=True)
class TrainRequest:
    base_model: str
    examples: tuple[Example, ...]
    out_dir: str
    settings: TrainSettings = field(default_factory=TrainSettings)

    def fingerprint(self) -> str:
        """What a checkpoint must match to be resumed: the base file, examples, settings."""
        base = Path(self.base_model)
        stat = base.stat()
        data = {
            "base": [base.name, stat.st_size, int(stat.st_mtime)],
            "examples": [e.as_dict() for e in self.examples],
            "settings": asdict(self.settings),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# Messages to the parent, in order: Loaded, Step..., Exported (or Failed).
@dataclass(frozen=True, slots=True)
class Loaded:
    seconds: float
    resumed_step: int
    losses: tuple[float, ...]  # of the steps done before (a resumed run)


@dataclass(frozen=True, slots=True)
class Step:
    step: int  # 1-based
    steps: int
    loss: float
    seconds: float  # since this run's training began


@dataclass(frozen=True, slots=True)
class Exported:
    path: str
    losses: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class TrainFailed:
    message: str


TrainMessage = Loaded | Step | Exported | TrainFailed


class TrainingError(Exception):
    """Training cannot run; the message says why, for a user."""


def train(request: TrainRequest, send: Callable[[TrainMessage], None]) -> None:
    try:
        send(_train(request, send))
    except TrainingError as exc:
        send(TrainFailed(str(exc)))


def _train(request: TrainRequest, send: Callable[[TrainMessage], None]) -> Exported:
    started = time.perf_counter()
    settings = request.settings
    import torch

    if settings.threads:
        torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    model, tokenizer, arch, heads = load_base(Path(request.base_model))
    batches = encode(request.examples, tokenizer, Path(request.base_model), settings)
    device = torch_device()  # a CUDA or Apple GPU when torch sees one, else the CPU
    model = add_lora(model, settings).to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate)
    out = Path(request.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = request.fingerprint()
    start_step, losses = _resume(out / CHECKPOINT, fingerprint, model, optimizer)
    send(Loaded(time.perf_counter() - started, start_step, tuple(losses)))
    model.train()
    began = time.perf_counter()
    for step in range(start_step, settings.steps):
        picks = _batch(len(batches), settings.batch_size, settings.seed, step)
        ids, labels = _pad([batches[i] for i in picks], tokenizer)
        loss = model(input_ids=ids.to(device), labels=labels.to(device)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        send(Step(step + 1, settings.steps, losses[-1], time.perf_counter() - began))
        if (step + 1) % settings.checkpoint_every == 0 or step + 1 == settings.steps:
            _save(out / CHECKPOINT, fingerprint, model, optimizer, step + 1, losses)
    path = export(model.to("cpu"), arch, heads, settings, out / ADAPTER, request)
    return Exported(str(path), tuple(losses))


def load_base_info(path: Path) -> tuple[str, HeadShape]:
    """The model's architecture and attention heads, from its GGUF header (instant); a model
    the trainer cannot teach is refused here, before anything heavy is loaded."""
    from desktop_app.services.llm.files import LlmError, check_gguf
    from desktop_app.services.llm.gguf_info import read_header

    try:
        check_gguf(path, "model file")
        meta = read_header(path).metadata
    except (OSError, ValueError, LlmError) as exc:
        raise TrainingError(f"cannot read the model {path.name}: {exc}") from exc
    if meta.get("general.type") == "adapter":
        raise TrainingError(f"{path.name} is a LoRA adapter: teach a model, not an adapter")
    arch = str(meta.get("general.architecture") or "")
    if arch not in SUPPORTED:
        raise TrainingError(
            f"teaching works with llama and qwen2 models (SmolLM2, Llama 3, Qwen2.5);"
            f" {path.name} is a '{arch or 'unknown'}' model"
        )
    heads = _number(meta.get(f"{arch}.attention.head_count"), 0)
    return arch, HeadShape(heads, _number(meta.get(f"{arch}.attention.head_count_kv"), heads))


def load_base(path: Path) -> tuple[Any, Any, str, HeadShape]:
    """The GGUF model as a float32 transformers model, its tokenizer, architecture, heads."""
    arch, heads = load_base_info(path)
    import warnings

    import transformers

    # The log and stderr are for problems: not for de-quantizing progress bars or deprecations.
    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    warnings.filterwarnings("ignore", category=FutureWarning)
    remember_gguf_reads()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=path.name, dtype="float32"
        )
    except Exception as exc:  # transformers raises many kinds for a file it cannot read
        raise TrainingError(f"the trainer cannot load {path.name}: {exc}") from exc
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, arch, heads


def _number(value: object, default: int) -> int:
    if isinstance(value, list):  # per-layer values of one size
        value = value[0] if value else None
    return int(value) if isinstance(value, int | float) else default


def chat_text(messages: Sequence[dict[str, str]], base: Path, tokenizer: Any) -> str:
    """The prompt text llama-cpp-python renders for these messages with this model."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from desktop_app.services.llm.gguf_info import read_header

    template = read_header(base).metadata.get("tokenizer.chat_template")
    if not isinstance(template, str) or not template:
        template = CHATML  # what the app uses for a model without a template (llm/engine.py)
    formatter = Jinja2ChatFormatter(
        template, eos_token=tokenizer.eos_token or "", bos_token=tokenizer.bos_token or ""
    )
    return str(formatter(messages=list(messages)).prompt)  # type: ignore[arg-type]


CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def training_text(
    example: Example, base: Path, tokenizer: Any, settings: TrainSettings
) -> tuple[str, str]:
    """(prompt, answer + end of turn): what the model reads, and what it should write."""

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    answer = example.answer + (tokenizer.eos_token or "")
    # The prompt is planned to fit the training length, as the app plans it to fit the context:
    # passages that do not fit are left out whole, and the system prompt and question stay.
    messages = prompt_messages(
        example,
        count,
        min(settings.context_size, settings.max_tokens),
        count(answer),
        settings.system_prompt,
        settings.instructions,
    )
    return chat_text(messages, base, tokenizer), answer


def encode(
    examples: Sequence[Example], tokenizer: Any, base: Path, settings: TrainSettings
) -> list[tuple[list[int], list[int]]]:
    """Token ids and labels (-100 on the prompt: only the answer is learnt)."""
    encoded = []
    for example in examples:
        prompt, answer = training_text(example, base, tokenizer, settings)
        prompt_ids = tokenizer.encode(prompt, add_special_tokens=False)
        answer_ids = tokenizer.encode(answer, add_special_tokens=False)
        # Only a question or answer longer than max_tokens itself still needs cutting.
        keep = max(0, settings.max_tokens - len(answer_ids))
        prompt_ids = prompt_ids[-keep:] if keep else []
        encoded.append((prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids))
    return encoded


def _batch(examples: int, size: int, seed: int, step: int) -> list[int]:
    """The examples of one step: drawn from the seed and the step alone, so that a resumed
    run continues exactly as the uninterrupted one would have."""
    rng = random.Random(seed * 1_000_003 + step)
    if examples >= size:
        return rng.sample(range(examples), size)
    return [rng.randrange(examples) for _ in range(size)]


def _pad(batch: Sequence[tuple[list[int], list[int]]], tokenizer: Any) -> tuple[Any, Any]:
    import torch

    width = max(len(ids) for ids, _ in batch)
    pad = tokenizer.pad_token_id
    ids = [ids + [pad] * (width - len(ids)) for ids, _ in batch]
    labels = [labels + [-100] * (width - len(labels)) for _, labels in batch]
    return torch.tensor(ids), torch.tensor(labels)


def add_lora(model: Any, settings: TrainSettings) -> Any:
    import peft

    config = peft.LoraConfig(
        r=settings.rank,
        lora_alpha=int(settings.alpha),
        target_modules=list(TARGETS),
        lora_dropout=0.0,
        bias="none",
        task_type="CAUSAL_LM",
    )
    return peft.get_peft_model(model, config)


def lora_pairs(model: Any) -> dict[str, tuple[Any, Any]]:
    """peft module name -> (lora_A, lora_B) weights as numpy arrays."""
    pairs: dict[str, tuple[Any, Any]] = {}
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            a = module.lora_A["default"].weight.detach().float().numpy()
            b = module.lora_B["default"].weight.detach().float().numpy()
            pairs[name] = (a, b)
    return pairs


def export(
    model: Any,
    arch: str,
    heads: HeadShape,
    settings: TrainSettings,
    path: Path,
    request: TrainRequest,
) -> Path:
    temporary = path.with_suffix(".tmp")
    metadata = {
        "general.name": path.parent.name,
        "librarian.base_model": Path(request.base_model).name,
        "librarian.fingerprint": request.fingerprint(),
        "librarian.settings": json.dumps(asdict(settings)),
    }
    write_adapter(temporary, arch, lora_pairs(model), settings.alpha, heads, metadata)
    os.replace(temporary, path)
    return path


def _save(
    path: Path, fingerprint: str, model: Any, optimizer: Any, step: int, losses: list[float]
) -> None:
    import torch

    state = {
        "fingerprint": fingerprint,
        "step": step,
        "losses": losses,
        "lora": {k: v for k, v in model.state_dict().items() if "lora_" in k},
        "optimizer": optimizer.state_dict(),
    }
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)  # a kill mid-write leaves the previous checkpoint


def _resume(path: Path, fingerprint: str, model: Any, optimizer: Any) -> tuple[int, list[float]]:
    if not path.exists():
        return 0, []
    import torch

    try:
        state = torch.load(path, weights_only=False, map_location="cpu")
    except Exception as exc:  # noqa: BLE001 - a damaged checkpoint costs the progress only
        log.warning("cannot read the checkpoint %s (%s): starting over", path, exc)
        return 0, []
    if state.get("fingerprint") != fingerprint:
        log.info("the checkpoint is for other examples or settings: starting over")
        return 0, []
    model.load_state_dict(state["lora"], strict=False)
    optimizer.load_state_dict(state["optimizer"])
    return int(state["step"]), list(state["losses"])
