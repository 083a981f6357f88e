"""A retrieval set whose questions share no word with their answer but a place name.

    python -m bench.paraphrases OUT_DIR

Writes a BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels.tsv) for bench.retrieval and
bench.fusion_weights: short notes, one per town and trade ("the bakery of Galway opens at 6 ..."),
six trades per town, and for each note two questions that name the town and paraphrase the trade
("Where can I get fresh loaves in Galway?"). The town matches six notes word for word, so only a
model that reads the meaning can pick the right one: this is the case XQuAD and PubMedQA hardly
have (most of their questions share most of their words with the answer), and where a fusion
tuned on them can lean too far on one encoder.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

TOWNS = (
    "Arles", "Bergen", "Cadiz", "Dundee", "Esbjerg", "Faro", "Galway", "Hull", "Ibiza", "Jena",
    "Kiel", "Lagos", "Malmo", "Nantes", "Oban", "Porto", "Quimper", "Riga", "Sligo", "Tromso",
    "Aachen", "Bilbao", "Cork", "Delft", "Evora", "Fulda", "Genoa", "Haarlem", "Innsbruck",
    "Kaunas", "Leiden", "Mainz", "Narva", "Odense", "Parma", "Reims", "Siena", "Tartu",
)  # fmt: skip
# Each trade's two questions use none of the note's words but the town.
PARAPHRASES = {
    "bakery": ("Where can I get fresh loaves in {town}?", "pastries and rolls in {town}"),
    "ferry": ("boat crossing from {town}", "When can I sail out of {town}?"),
    "lighthouse": ("the beacon guiding ships at {town}", "coastal signal tower near {town}"),
    "orchard": ("apple trees near {town}", "Where is fruit picked around {town}?"),
    "library": ("borrowing books in {town}", "a quiet reading room in {town}"),
    "brewery": ("Where is beer made in {town}?", "ale and lager from {town}"),
}


def note(number: int, town: str, trade: str) -> str:
    return (
        f"Note {number}: the {trade} of {town} opens at {6 + number % 5} in the morning; in winter"
        f" the {trade} in {town} keeps shorter hours and closes on day {number % 28 + 1}."
    )


def write(folder: Path) -> int:
    """The set in `folder`; returns the number of questions."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus, queries, qrels = [], [], ["query-id\tcorpus-id\tscore"]
    for number, (town, trade) in enumerate((t, d) for t in TOWNS for d in PARAPHRASES):
        doc_id = f"{town.lower()}-{trade}"
        corpus.append({"_id": doc_id, "title": "", "text": note(number, town, trade)})
        for n, question in enumerate(PARAPHRASES[trade]):
            queries.append({"_id": f"{doc_id}-q{n}", "text": question.format(town=town)})
            qrels.append(f"{doc_id}-q{n}\t{doc_id}\t1")
    for name, rows in (("corpus.jsonl", corpus), ("queries.jsonl", queries)):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n", encoding="utf-8")
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    print(f"{write(args.folder)} questions over {len(TOWNS) * len(PARAPHRASES)} notes")


if __name__ == "__main__":
    main()
