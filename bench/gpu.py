"""GPU against CPU, measured on one machine: llama.cpp's prompt and generation speed, the app's
answering path against bare llama-cpp-python, and the embedder's throughput.

Made for a lent one-GPU CUDA machine with no internet (the `device` tool), in under 9 minutes:

    python -m bench.gpu --prepare .gpu        # here: gathers what the GPU machine lacks (~12 MB)
    python3 -m bench.gpu --carried .gpu --out $OUT    # there (carry .gpu): the whole check

It builds llama-cpp-python for CUDA from the carried, trimmed sdist (about 4 minutes on 16
cores), writes two random-weight llama GGUFs with the default model's tokenizer
(../shared/tools/mkmodel.py, carried): one shaped like the default SmolLM2-135M, one of 1.17B
parameters in f16. For each, with the same ~1500-token prompt (the app's prompt builder over
passages of README.md), all layers on the GPU and then none (16 threads): prompt tokens/s,
generation tokens/s, generation against the memory-bandwidth ceiling (measured copy bandwidth /
model bytes); on the GPU also the app's answering path (LlmEngine.chat, streaming) against bare
llama-cpp-python's streaming completion on the same loaded model, alternating, medians of 3.
Then all-MiniLM-L6-v2's architecture (random weights unless the real model is installed)
through the app's Embedder, 1000 passages, CUDA against CPU; and the offload plan the app makes
there. Random weights give garbage text at the speed of the real thing.

On a machine without a GPU, `python -m bench.gpu --cpu-only --small` runs the same steps on the
CPU with tiny models: a check that the script works, not a measurement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, print_json

LLAMA_VERSION = "0.3.36"
SDIST = f"llama_cpp_python-{LLAMA_VERSION}.tar.gz"
# Parts of the sdist the build never reads: 77 MB down to ~10 MB (../shared/NOTES.md).
SDIST_UNUSED = ("vendor/llama.cpp/models", "vendor/llama.cpp/docs", "vendor/llama.cpp/media",
                "vendor/llama.cpp/benches", "vendor/llama.cpp/tools/ui", ".git")  # fmt: skip
MKMODEL = REPO.parent / "shared" / "tools"
MINILM_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                "config_sentence_transformers.json", "1_Pooling/config.json")  # fmt: skip
# Model shapes for mkmodel.py: the default SmolLM2-135M, and the 1.17B model of NOTES.md.
SHAPES = {
    "smollm2-135m-shape-q8_0": ["--n-embd", "576", "--n-layer", "30", "--n-head", "9",
                                "--n-head-kv", "3", "--n-ff", "1536", "--dtype", "q8_0"],
    "llama-1.17b-f16": ["--dtype", "f16"],
}  # fmt: skip
SMALL_SHAPES = {
    "tiny-q8_0": ["--n-embd", "256", "--n-layer", "4", "--n-head", "4", "--n-head-kv", "2",
                  "--n-ff", "1024", "--dtype", "q8_0"],
}  # fmt: skip
MAX_TOKENS = 128


# -- here: what to carry ---------------------------------------------------------------------


def prepare(folder: Path) -> None:
    """Gathers into `folder` what the GPU machine lacks: the trimmed sdist, the pure-Python
    wheels llama-cpp-python and mkmodel.py need, mkmodel.py with its tokenizer, MiniLM's
    configuration (no weights: the GPU machine makes random ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp]
        subprocess.run([*pip, "--no-binary", ":all:", f"llama-cpp-python=={LLAMA_VERSION}"],
                       check=True)  # fmt: skip
        subprocess.run([*pip, "--only-binary", ":all:", "diskcache", "gguf"], check=True)
        for wheel in Path(tmp).glob("*.whl"):
            shutil.copy2(wheel, folder / wheel.name)
        trim_sdist(Path(tmp) / SDIST, folder / SDIST)
    shutil.copy2(MKMODEL / "mkmodel.py", folder / "mkmodel.py")
    shutil.copy2(MKMODEL / "tokenizer.json", folder / "tokenizer.json")
    from desktop_app.services.embeddings import default_model_path

    minilm = default_model_path()
    if minilm is None:
        sys.exit("the default embedding model is not installed: run `make setup` first")
    for name in MINILM_FILES:
        target = folder / "minilm" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(minilm / name, target)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
    print(f"{folder}: {size:.1f} MB to carry")


def trim_sdist(source: Path, target: Path) -> None:
    with tarfile.open(source) as whole, tarfile.open(target, "w:gz") as trimmed:
        for member in whole.getmembers():
            inner = member.name.split("/", 1)[1] if "/" in member.name else ""
            if any(inner == part or inner.startswith(part + "/") for part in SDIST_UNUSED):
                continue
            trimmed.addfile(member, whole.extractfile(member) if member.isfile() else None)


# -- there: build ----------------------------------------------------------------------------


def build_cuda_wheel(carried: Path, site: Path) -> dict[str, Any]:
    """Builds the CUDA wheel with the flags scripts/setup.py uses, installs it into `site`."""
    sys.path.insert(0, str(REPO / "scripts"))
    import setup as librarian_setup  # scripts/setup.py: one place for the build flags

    cmake_args = librarian_setup.backend_cmake_args("cuda") + " -DLLAVA_BUILD=OFF"
    env = dict(os.environ, CMAKE_ARGS=cmake_args,
               CMAKE_BUILD_PARALLEL_LEVEL=str(os.cpu_count() or 8))  # fmt: skip
    wheels = site.parent / "wheels"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w",
         str(wheels), str(carried / SDIST)],
        check=True, env=env,
    )  # fmt: skip
    build_s = time.monotonic() - started
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
         str(site), *map(str, wheels.glob("llama_cpp_python-*.whl")),
         *map(str, carried.glob("*.whl"))],
        check=True,
    )  # fmt: skip
    return {"cmake_args": cmake_args, "build_s": round(build_s)}


# -- there: measure --------------------------------------------------------------------------


def make_models(carried: Path, folder: Path, shapes: dict[str, list[str]]) -> dict[str, Path]:
    models = {}
    for name, args in shapes.items():
        path = folder / f"{name}.gguf"
        if not path.exists():
            subprocess.run(
                [sys.executable, str(carried / "mkmodel.py"), "--out", str(path),
                 "--tokenizer", str(carried / "tokenizer.json"), *args],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        models[name] = path
    return models


def prompt_messages(count_tokens: Any, context_size: int) -> list[dict[str, str]]:
    """The app's own prompt: README passages as search hits, ~1500 tokens."""
    from desktop_app.core.prompts import build_prompt
    from desktop_app.core.records import SearchHit

    paragraphs = [p for p in (REPO / "README.md").read_text().split("\n\n") if len(p) > 200]
    hits = [
        SearchHit("README.md", "README", 1, 0, len(p), p, 1.0 / (i + 1), (f"c{i}",))
        for i, p in enumerate(paragraphs)
    ]
    plan = build_prompt(
        "How does Librarian keep the window responsive while it indexes?",
        hits, count_tokens, context_size=min(context_size, 1700 + MAX_TOKENS),
        answer_tokens=MAX_TOKENS,
    )  # fmt: skip
    return plan.messages


def stream_timing(chunks: Any) -> tuple[int, float, float]:
    """(pieces, first-piece time, last-piece time) of a streaming completion."""
    first = last = 0.0
    pieces = 0
    for chunk in chunks:
        choice = chunk["choices"][0]
        if choice.get("delta", {}).get("content") or choice.get("text"):
            last = time.perf_counter()
            first = first or last
            pieces += 1
    return pieces, first, last


def measure_model(path: Path, gpu: bool, threads: int, compare_app: bool) -> dict[str, Any]:
    from desktop_app.services.llm import REPEAT_PENALTY, LlmConfig, LlmEngine

    engine = LlmEngine()
    config = LlmConfig(model_path=str(path), context_size=2048, threads=threads,
                       gpu_layers=-1 if gpu else 0)  # fmt: skip
    started = time.perf_counter()
    engine.load(config)
    load_s = time.perf_counter() - started
    llm = engine._llm  # the very object the app answers with
    messages = prompt_messages(engine.count_tokens, config.context_size)
    text = "\n\n".join(m["content"] for m in messages)  # prompt speed: the template aside
    tokens = llm.tokenize(text.encode(), add_bos=True)
    llm.reset()
    llm.eval(tokens[:64])  # warm-up: the first evaluation after loading runs slower
    prompt_s: list[float] = []
    for _ in range(3):
        llm.reset()
        started = time.perf_counter()
        llm.eval(tokens)
        prompt_s.append(time.perf_counter() - started)
    bare_tps: list[float] = []
    app_tps: list[float] = []
    for _ in range(3 if compare_app else 2):
        llm.reset()
        pieces, first, last = stream_timing(
            llm.create_chat_completion(messages=messages, max_tokens=MAX_TOKENS, temperature=0.0,
                                       repeat_penalty=REPEAT_PENALTY, stream=True)
        )  # fmt: skip
        if pieces > 1 and last > first:
            bare_tps.append((pieces - 1) / (last - first))
        if compare_app:
            llm.reset()
            generation = engine.chat(messages, max_tokens=MAX_TOKENS)
            app_tps.append(generation.tokens_per_s)
    placement = engine.placement
    result: dict[str, Any] = {
        "where": "GPU" if gpu else f"CPU ({threads} threads)",
        "placement": placement.describe() if placement else None,
        "load_s": round(load_s, 2),
        "prompt_tokens": len(tokens),
        "prompt_tok_s": round(len(tokens) / statistics.median(prompt_s)),
        "generation_tok_s": round(statistics.median(bare_tps), 1) if bare_tps else None,
    }
    if compare_app and app_tps and bare_tps:
        result["app_generation_tok_s"] = round(statistics.median(app_tps), 1)
        result["app_vs_bare"] = round(statistics.median(app_tps) / statistics.median(bare_tps), 3)
    engine.close()
    return result


def copy_bandwidth() -> float | None:
    """Bytes read plus written per second by a device-to-device copy (torch), or None."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    source = torch.empty(2 * 1024**3, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    for _ in range(3):
        target.copy_(source)
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(10):
        target.copy_(source)
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - started) / 10
    del source, target
    torch.cuda.empty_cache()
    return 2 * 2 * 1024**3 / seconds


def measure_embeddings(carried: Path | None, devices: list[str], count: int) -> dict[str, Any]:
    from desktop_app.services.embeddings import SentenceTransformerEmbedder, default_model_path

    folder = default_model_path()
    weights = "real"
    if folder is None and carried is not None:
        folder, weights = random_minilm(carried / "minilm"), "random"
    if folder is None:
        return {"skipped": "no embedding model"}
    words = (REPO / "README.md").read_text().split()
    passages = [" ".join(words[(i * 37) % 2000 :][:200]) for i in range(count)]
    result: dict[str, Any] = {"weights": weights, "passages": count}
    for device in devices:
        embedder = SentenceTransformerEmbedder(folder, device=device)
        embedder.embed_documents(passages[:64])  # load and warm up
        started = time.perf_counter()
        embedder.embed_documents(passages)
        result[f"{device}_passages_s"] = round(count / (time.perf_counter() - started), 1)
    return result


def random_minilm(folder: Path) -> Path:
    if not (folder / "model.safetensors").exists():
        from transformers import BertConfig, BertModel

        BertModel(BertConfig.from_pretrained(str(folder))).save_pretrained(str(folder))
    return folder


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import llama_cpp

    from desktop_app.services.llm.gpu import gpu_devices

    gpu = llama_cpp.llama_supports_gpu_offload() and not args.cpu_only
    if not gpu and not args.cpu_only:
        sys.exit("this llama-cpp-python cannot offload to a GPU (run without --skip-build?)")
    devices = gpu_devices()
    report: dict[str, Any] = {
        "gpus": [d.describe() for d in devices],
        "llama_cpp": llama_cpp.__version__,
    }
    bandwidth = copy_bandwidth() if gpu else None
    report["copy_bandwidth_gb_s"] = round(bandwidth / 1e9) if bandwidth else None
    threads = args.threads or os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as tmp:
        shapes = SMALL_SHAPES if args.small else SHAPES
        carried = args.carried or MKMODEL
        models = make_models(carried, Path(tmp), shapes)
        report["models"] = {}
        for name, path in models.items():
            size = path.stat().st_size
            entry: dict[str, Any] = {"bytes": size}
            if gpu:
                entry["gpu"] = measure_model(path, gpu=True, threads=threads, compare_app=True)
                if bandwidth and entry["gpu"]["generation_tok_s"]:
                    ceiling = bandwidth / size
                    entry["ceiling_tok_s"] = round(ceiling)
                    entry["of_ceiling"] = round(entry["gpu"]["generation_tok_s"] / ceiling, 3)
            entry["cpu"] = measure_model(path, gpu=False, threads=threads, compare_app=not gpu)
            if gpu:
                for key in ("prompt_tok_s", "generation_tok_s"):
                    cpu_value = entry["cpu"][key]
                    if cpu_value:
                        entry[f"{key}_gpu_vs_cpu"] = round(entry["gpu"][key] / cpu_value, 1)
            report["models"][name] = entry
            print_json({name: entry})
    from desktop_app.services.embeddings import torch_device

    embed_devices = ["cpu"] if torch_device() == "cpu" else [torch_device(), "cpu"]
    report["embeddings"] = measure_embeddings(
        args.carried, embed_devices, 200 if args.small else 1000
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, metavar="DIR", help="gather what to carry")
    parser.add_argument("--carried", type=Path, metavar="DIR", help="what --prepare gathered")
    parser.add_argument("--skip-build", action="store_true", help="use the installed llama_cpp")
    parser.add_argument("--cpu-only", action="store_true", help="no GPU: check the script")
    parser.add_argument("--small", action="store_true", help="tiny models (with --cpu-only)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write gpu_bench.json there")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return
    if not args.skip_build and not args.cpu_only:
        if args.carried is None:
            sys.exit("--carried DIR is needed to build (see --prepare)")
        site = Path(tempfile.mkdtemp(prefix="librarian-gpu-")) / "site"
        build = build_cuda_wheel(args.carried, site)
        print_json({"build": build})
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO)]),
                   LIBRARIAN_GPU_BUILD=f"{build['build_s']}")  # fmt: skip
        command = [sys.executable, "-m", "bench.gpu", "--skip-build", *sys.argv[1:]]
        sys.exit(subprocess.run(command, env=env, cwd=REPO).returncode)
    report = measure(args)
    if os.environ.get("LIBRARIAN_GPU_BUILD"):
        report["cuda_wheel_build_s"] = int(os.environ["LIBRARIAN_GPU_BUILD"])
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        import json

        (args.out / "gpu_bench.json").write_text(json.dumps(report, indent=2))
    if args.json:
        print_json(report)
    else:
        print_table(report)


def print_table(report: dict[str, Any]) -> None:
    print(f"GPUs: {'; '.join(report['gpus']) or 'none'}; copy bandwidth "
          f"{report['copy_bandwidth_gb_s']} GB/s")  # fmt: skip
    print("| model | where | prompt tok/s | generation tok/s | of ceiling | app vs bare |")
    print("|---|---|---|---|---|---|")
    for name, entry in report["models"].items():
        for where in ("gpu", "cpu"):
            if where not in entry:
                continue
            row = entry[where]
            ceiling = entry.get("of_ceiling", "") if where == "gpu" else ""
            print(f"| {name} | {row['where']} | {row['prompt_tok_s']} | {row['generation_tok_s']}"
                  f" | {ceiling} | {row.get('app_vs_bare', '')} |")  # fmt: skip
    print(f"embeddings: {report['embeddings']}")


if __name__ == "__main__":
    main()
