"""Teaching: the GGUF export's names, shapes and Q/K row order, and real training runs on the
bundled SmolLM2: a cancelled run resumes from its checkpoint, and the exported adapter, applied
by llama.cpp, changes the logits as the trained model in transformers does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.teaching import Example, ExamplePassage, prompt_messages, read_examples
from desktop_app.services.llm import LlmConfig, LlmEngine, default_llm_path
from desktop_app.services.llm.lora import validate_adapter
from desktop_app.services.training.export import gguf_name, permute_rows
from desktop_app.services.training.gguf_reads import remember_gguf_reads
from desktop_app.services.training.trainer import (
    ADAPTER,
    Exported,
    TrainingError,
    TrainRequest,
    TrainSettings,
    load_base_info,
)
from desktop_app.services.training.training_process import TrainingRun
from tests.conftest import FIXTURES

BASE = default_llm_path()
EXAMPLES = tuple(read_examples(FIXTURES / "teach_examples.jsonl"))
PROMPT = (
    "<|im_start|>user\nPassages:\n\n[1] (notes)\nThe tower holds six bells.\n\n"
    "Question: How many bells does the tower hold?<|im_end|>\n<|im_start|>assistant\n"
)


def test_hf_module_names_become_gguf_tensor_names():
    assert gguf_name("base_model.model.model.layers.3.self_attn.q_proj") == "blk.3.attn_q.weight"
    assert gguf_name("model.layers.12.mlp.down_proj") == "blk.12.ffn_down.weight"
    with pytest.raises(ValueError, match="no GGUF tensor"):
        gguf_name("model.embed_tokens")


def test_row_permutation_interleaves_each_heads_rotary_halves():
    rows = np.arange(8, dtype=np.float32).reshape(8, 1)  # 2 heads x 4 rows
    permuted = permute_rows(rows, heads=2)[:, 0].tolist()
    assert permuted == [0, 2, 1, 3, 4, 6, 5, 7]
    wide = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    assert sorted(permute_rows(wide, 4)[:, 0].tolist()) == sorted(wide[:, 0].tolist())


def test_the_tensor_name_table_is_built_once_and_transformers_still_finds_it():
    import inspect

    import gguf
    from transformers import modeling_gguf_pytorch_utils

    remember_gguf_reads()
    remember_gguf_reads()  # twice: wrapped once
    arch = next(k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == "llama")
    assert gguf.get_tensor_name_map(arch, 30) is gguf.get_tensor_name_map(arch, 30)
    assert gguf.get_tensor_name_map(arch, 30).get_name("model.layers.3.mlp.down_proj") == (
        "blk.3.ffn_down"
    )
    # Why replacing gguf's attributes works: transformers looks them up in gguf at each call.
    # If it ever imports them once at module level, this fails and the caches are moot.
    weights_map = inspect.getsource(modeling_gguf_pytorch_utils.get_gguf_hf_weights_map)
    assert "from gguf import MODEL_ARCH_NAMES, get_tensor_name_map" in weights_map
    checkpoint = inspect.getsource(modeling_gguf_pytorch_utils.load_gguf_checkpoint)
    assert "from gguf import GGUFReader" in checkpoint


def test_a_gguf_file_is_parsed_once_until_it_changes(tmp_path: Path):
    import gguf

    from tests.e2e.test_llm import write_adapter

    remember_gguf_reads()
    # A small GGUF file of the same kind (the base model takes 5 s to parse, twice here).
    model = write_adapter(tmp_path / "adapter.gguf")
    first = gguf.GGUFReader(model)
    assert gguf.GGUFReader(str(model)) is first  # the tokenizer, the config, the weights
    assert first.fields["general.architecture"].contents() == "llama"
    os.utime(model, ns=(1, 1))  # replaced by another file: read again
    assert gguf.GGUFReader(model) is not first


def test_a_model_the_trainer_cannot_teach_is_refused_before_loading(tmp_path: Path):
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_bytes(b"hello")
    with pytest.raises(TrainingError, match="cannot read the model"):
        load_base_info(not_a_model)
    assert BASE is not None
    assert load_base_info(BASE)[0] == "llama"


@pytest.mark.long
@pytest.mark.e2e
def test_the_exported_adapter_changes_llama_cpp_as_it_changed_transformers(tmp_path: Path):
    """Trained in this process (transformers + peft), exported, applied by llama.cpp: the
    logits move the same way on both sides, and only with llama.cpp's Q row order."""
    assert BASE is not None
    import llama_cpp
    import torch

    from desktop_app.services.training import export
    from desktop_app.services.training.export import write_adapter
    from desktop_app.services.training.trainer import add_lora, encode, load_base, lora_pairs

    settings = TrainSettings(steps=6, rank=8, threads=2, max_tokens=256, learning_rate=2e-3)
    torch.manual_seed(0)  # LoRA's A starts random; unseeded, earlier tests decide the draw
    model, tokenizer, arch, heads = load_base(BASE)
    ids = tokenizer.encode(PROMPT, add_special_tokens=False)
    with torch.no_grad():
        hf_base = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    tuned = add_lora(model, settings)
    optimizer = torch.optim.AdamW(
        [p for p in tuned.parameters() if p.requires_grad], lr=settings.learning_rate
    )
    for ids_, labels in encode(EXAMPLES, tokenizer, BASE, settings)[: settings.steps]:
        loss = tuned(input_ids=torch.tensor([ids_]), labels=torch.tensor([labels])).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    with torch.no_grad():
        hf_tuned = tuned(input_ids=torch.tensor([ids])).logits[0].numpy()
    pairs = lora_pairs(tuned)
    right = write_adapter(tmp_path / "right.gguf", arch, pairs, settings.alpha, heads)
    original = export.PERMUTED_QK
    export.PERMUTED_QK = frozenset()
    try:
        wrong = write_adapter(tmp_path / "wrong.gguf", arch, pairs, settings.alpha, heads)
    finally:
        export.PERMUTED_QK = original

    def cpp_logits(adapter: Path | None) -> np.ndarray:
        llm = llama_cpp.Llama(
            str(BASE),
            n_ctx=512,
            logits_all=True,
            verbose=False,
            n_threads=2,
            lora_path=str(adapter) if adapter else None,
        )
        tokens = llm.tokenize(PROMPT.encode(), add_bos=False, special=True)
        assert tokens == ids
        llm.eval(tokens)
        scores = np.array(llm.scores[: len(tokens)])
        llm.close()
        return scores

    cpp_base, cpp_right, cpp_wrong = cpp_logits(None), cpp_logits(right), cpp_logits(wrong)
    hf_delta = (hf_tuned - hf_base).ravel()

    def agreement(cpp_tuned: np.ndarray) -> float:
        return float(np.corrcoef(hf_delta, (cpp_tuned - cpp_base).ravel())[0, 1])

    def miss(cpp_tuned: np.ndarray) -> float:
        """How far llama.cpp's change is from transformers', relative to the change."""
        cpp_delta = (cpp_tuned - cpp_base).ravel()
        return float(np.abs(hf_delta - cpp_delta).mean() / np.abs(hf_delta).mean())

    quantization = np.abs(hf_base - cpp_base)  # float32 weights vs llama.cpp's Q4 weights
    assert np.abs(hf_tuned - hf_base).max() > 4 * quantization.max()  # a real change
    # Measured over LoRA seeds 0-5: the right export's logits sit 1.08-1.36x the quantization
    # error from transformers' at the worst logit and 1.20-1.47x on average; its change misses
    # transformers' by 12-14% (correlation 0.99). Without the row permutation the miss is 26-35%
    # and the worst logit 3.7-5.5x the quantization error away.
    right_gap = np.abs(hf_tuned - cpp_right)
    assert right_gap.max() < 2 * quantization.max()
    assert right_gap.mean() < 2 * quantization.mean()
    assert agreement(cpp_right) > 0.97 and miss(cpp_right) < 0.2
    assert miss(cpp_wrong) > 1.8 * miss(cpp_right)
    assert np.abs(hf_tuned - cpp_wrong).max() > 2.5 * quantization.max()


@pytest.mark.long
@pytest.mark.e2e
def test_a_cancelled_run_resumes_and_its_adapter_changes_the_greedy_answer(tmp_path: Path):
    """One real run, cancelled after its third step and started again: it resumes from the
    checkpoint of step 2, keeps the losses before it, and exports an adapter that teaches the
    answer's format. (One run for both: each start spends about 15 s loading.)"""
    assert BASE is not None
    settings = TrainSettings(
        steps=10, checkpoint_every=2, threads=2, max_tokens=256, learning_rate=2e-3
    )
    request = TrainRequest(str(BASE), EXAMPLES, str(tmp_path / "format"), settings)
    first = TrainingRun(request).start()
    deadline = time.monotonic() + 300
    while (first.last is None or first.last.step < 3) and time.monotonic() < deadline:
        first.poll()
        assert first.result is None, first.result
        time.sleep(0.05)
    first.cancel()
    kept = first.losses[:2]
    again = TrainingRun(request).start()
    result = again.wait(600)
    assert isinstance(result, Exported), result
    assert again.loaded is not None and again.loaded.resumed_step == 2
    assert list(result.losses[:2]) == kept and len(result.losses) == 10
    assert result.losses[-1] < result.losses[0]
    adapter = Path(result.path)
    assert adapter.name == ADAPTER
    validate_adapter(adapter, BASE)
    unseen = Example(
        "What colour is the ferry?", "", (ExamplePassage("The ferry is painted green and white."),)
    )
    messages = prompt_messages(unseen, lambda text: len(text.split()), 512, 64)  # the app's
    replies = []
    for lora in (None, str(adapter)):
        engine = LlmEngine()
        engine.load(LlmConfig(str(BASE), context_size=512, threads=2, lora_path=lora))
        replies.append(engine.chat(messages, max_tokens=24, temperature=0.0).text)
        engine.close()
    assert replies[0] != replies[1]
    assert replies[1].startswith("Answer:"), replies
