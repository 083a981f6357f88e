"""The model catalogue: the shipped file parses, a malformed one says what is wrong, the fit
follows the offload planner on machines with and without a GPU, the estimate is close to the
real file's footprint, and the recommendation suits the machine."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.model_catalogue import (
    Architecture,
    CatalogueEntry,
    CatalogueError,
    Fit,
    Machine,
    assess_fit,
    estimated_footprint,
    load_catalogue,
    parse_catalogue,
    recommend,
)
from desktop_app.core.offload import MIB
from desktop_app.core.units import GIB
from desktop_app.services.llm import default_llm_path
from desktop_app.services.llm.gguf_info import model_footprint

LAPTOP = Machine(ram_total=16 * GIB, ram_available=10 * GIB, cores=4)
SMALL_PC = Machine(ram_total=4 * GIB, ram_available=2 * GIB, cores=2)
BIG_GPU = Machine(16 * GIB, 10 * GIB, 8, gpu_name="NVIDIA RTX 4090", gpu_free=22 * GIB)
SMALL_GPU = Machine(16 * GIB, 10 * GIB, 8, gpu_name="NVIDIA GTX 1650", gpu_free=int(3.5 * GIB))


def entry(name: str = "m", **changes: object) -> CatalogueEntry:
    base: dict[str, object] = dict(
        name=name,
        title=name,
        repo="o/r",
        file=f"{name}.gguf",
        quantization="Q4_K_M",
        params_b=7.6,
        context_length=32768,
        languages=("en", "ru"),
        licence="Apache-2.0",
        architecture=Architecture(28, 4, 128, 3584, 152064),
        size_bytes=4_683_074_240,
    )
    base.update(changes)
    return CatalogueEntry(**base)  # type: ignore[arg-type]


def test_the_shipped_catalogue_is_valid_and_pinned():
    entries = load_catalogue()
    assert len(entries) >= 5
    assert min(e.params_b for e in entries) <= 0.6 and max(e.params_b for e in entries) >= 7
    for e in entries:
        assert e.file.endswith(".gguf") and "/" in e.repo
        assert len(e.revision) == 40  # a commit: the file behind a name cannot change
        assert e.sha256 is None or len(e.sha256) == 64
        assert {"en"} <= set(e.languages) and e.licence
    assert sum(e.writes("ru") for e in entries) >= 3


def test_a_malformed_catalogue_names_the_entry():
    good = {
        "name": "a", "title": "A", "repo": "o/r", "file": "a.gguf", "quantization": "Q4_K_M",
        "params_b": 1, "context_length": 4096, "languages": ["en"], "licence": "MIT",
        "architecture": {"layers": 2, "kv_heads": 1, "head_dim": 64, "hidden": 64, "vocab": 10},
    }  # fmt: skip
    assert parse_catalogue(json.dumps({"models": [good]}))[0].size_bytes is None
    with pytest.raises(CatalogueError, match=r"'b'.*params_b"):
        parse_catalogue(json.dumps({"models": [{**good, "name": "b", "params_b": None}]}))
    with pytest.raises(CatalogueError, match="twice"):
        parse_catalogue(json.dumps({"models": [good, good]}))
    with pytest.raises(CatalogueError, match=r"not a \.gguf"):
        parse_catalogue(json.dumps({"models": [{**good, "file": "a.bin"}]}))
    with pytest.raises(CatalogueError, match="not valid"):
        parse_catalogue("{")


def test_the_estimate_is_near_the_real_files_footprint():
    # SmolLM2-135M, described as a catalogue entry from its config.json, against the offload
    # planner's reading of the real GGUF's tensors.
    path = default_llm_path()
    assert path is not None
    smol = entry(
        "smol",
        params_b=0.135,
        quantization="Q4_1",
        size_bytes=path.stat().st_size,
        architecture=Architecture(30, 3, 64, 576, 49152),
    )
    real, guess = model_footprint(path, 4096), estimated_footprint(smol, 4096)
    everything = real.layers + 1
    assert guess.layers == real.layers
    assert guess.kv_bytes_per_layer == real.kv_bytes_per_layer
    assert guess.offloaded_bytes(everything) == pytest.approx(
        real.offloaded_bytes(everything), rel=0.25
    )


def test_fit_on_machines_with_and_without_a_gpu():
    model = entry()
    on_cpu = assess_fit(model, LAPTOP)
    assert on_cpu.fit is Fit.CPU and on_cpu.vram_bytes == 0
    assert 4.5 * GIB < on_cpu.ram_bytes < 6 * GIB
    assert "no GPU" in on_cpu.why and "slowly on 4 cores" in on_cpu.why
    on_big = assess_fit(model, BIG_GPU)
    assert on_big.fit is Fit.GPU and on_big.gpu_layers == on_big.layers
    assert on_big.ram_bytes < 1.5 * GIB and on_big.vram_bytes > 4 * GIB
    on_small = assess_fit(model, SMALL_GPU)
    assert on_small.fit is Fit.PARTLY and 0 < on_small.gpu_layers < on_small.layers
    assert f"{on_small.gpu_layers} of 28 layers" in on_small.why
    too_big = assess_fit(model, SMALL_PC)
    assert too_big.fit is Fit.TOO_BIG and not too_big.usable
    assert "this machine has 4.0 GiB" in too_big.why


def test_a_busy_machine_is_told_to_free_memory():
    busy = Machine(ram_total=16 * GIB, ram_available=2 * GIB, cores=4)
    assert "close other programs" in assess_fit(entry(), busy).why


def test_unknown_sizes_are_estimated_and_said_so():
    unknown = entry(size_bytes=None)
    assert 4 * GIB < unknown.estimated_size < 5 * GIB
    assert "size is estimated" in assess_fit(unknown, LAPTOP).why


def test_the_recommendation_suits_the_machine():
    entries = [
        entry("tiny", params_b=0.5, size_bytes=500 * MIB),
        entry("small", params_b=1.5, size_bytes=1100 * MIB),
        entry("english-only", params_b=3.2, size_bytes=2000 * MIB, languages=("en",)),
        entry("big", params_b=7.6),
    ]

    def best(machine: Machine) -> str | None:
        chosen = recommend(entries, [assess_fit(e, machine) for e in entries], machine)
        return chosen.name if chosen else None

    assert best(BIG_GPU) == "big"  # the biggest that runs wholly on the GPU
    assert best(SMALL_GPU) == "small"  # 7.6B only partly fits: the biggest that fully does
    assert best(Machine(16 * GIB, 10 * GIB, cores=2)) == "small"  # usable speed on 2 cores
    assert best(Machine(16 * GIB, 10 * GIB, cores=1)) == "tiny"
    assert best(Machine(GIB // 4, GIB // 8, cores=1)) is None  # nothing fits
