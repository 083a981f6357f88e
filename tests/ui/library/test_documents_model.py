"""The Library table's model: sorting and filtering in Python, reports applied in place with
running totals, the selection kept on the same documents across a sort; and the gathering of
indexing reports on the worker's side."""

from __future__ import annotations

import time

from PySide6.QtCore import QItemSelectionModel, Qt

from desktop_app.core.records import DiskState, DocumentInfo, Outcome
from desktop_app.ui.gathering import Gathered
from desktop_app.ui.library.documents_model import (
    NAME,
    PAGES,
    PATH_ROLE,
    STATUS,
    DocumentRow,
    DocumentsModel,
    document_rows,
)


def rows() -> list[DocumentRow]:
    return [
        DocumentRow("/d/b.pdf", "b.pdf", "indexed", 3, 10),
        DocumentRow("/d/A.pdf", "A.pdf", "skipped: encrypted", 1, 0),
        DocumentRow("/e/c.txt", "c.txt", "indexed", 0, 2),
    ]


def shown(model: DocumentsModel) -> list[str]:
    return [model.data(model.index(r, NAME)) for r in range(model.rowCount())]


def test_sorting_filtering_and_totals(qapp):
    model = DocumentsModel()
    model.set_rows(rows())
    assert shown(model) == ["A.pdf", "b.pdf", "c.txt"]  # by name, case-insensitive
    assert (model.totals.indexed, model.totals.skipped, model.totals.passages) == (2, 1, 12)
    model.sort(PAGES, Qt.SortOrder.DescendingOrder)
    assert shown(model) == ["b.pdf", "A.pdf", "c.txt"]
    model.sort(STATUS)
    assert shown(model) == ["b.pdf", "c.txt", "A.pdf"]  # ties keep the name order
    model.set_filter("/D/")
    assert shown(model) == ["b.pdf", "A.pdf"]
    assert model.data(model.index(1, NAME), PATH_ROLE) == "/d/A.pdf"
    model.set_filter("")
    assert model.rowCount() == 3


def test_a_report_updates_its_row_and_the_totals_in_place(qapp):
    model = DocumentsModel()
    model.set_rows(rows())
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changed.append(top.row()))
    model.update("/d/b.pdf", "indexed", 3, 10)  # a re-scan's "unchanged": nothing changes
    assert changed == []
    model.update("/d/A.pdf", "indexed", 1, 4)
    assert changed == [0] and model.status_of("/d/A.pdf") == "indexed"
    assert (model.totals.indexed, model.totals.skipped, model.totals.passages) == (3, 0, 16)
    model.update("/f/new.md", "indexing…")  # a new file: a new row at the end
    assert shown(model)[-1] == "new.md" and model.totals.indexed == 3


def test_the_selection_follows_its_documents_through_a_sort(qapp):
    model = DocumentsModel()
    model.set_rows(rows())
    selection = QItemSelectionModel(model)
    selection.select(
        model.index(0, NAME),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )  # A.pdf
    model.sort(NAME, Qt.SortOrder.DescendingOrder)
    picked = [model.path_at(i.row()) for i in selection.selectedRows()]
    assert picked == ["/d/A.pdf"] and model.path_at(2) == "/d/A.pdf"


def test_rows_say_what_happened_to_each_file():
    info = DocumentInfo("/d/x.pdf", Outcome.SKIPPED, "encrypted", "", "pdf", 2, 0, 10, 1, "h", 0.0)
    [row] = document_rows([(info, DiskState.SAME)])
    assert (row.name, row.status, row.pages) == ("x.pdf", "skipped: encrypted", 2)


def test_gathered_items_cross_in_lists_and_nothing_is_left_behind():
    sent: list[list[int]] = []
    gathered: Gathered[int] = Gathered(3600, sent.append)
    for n in range(5):
        gathered.add(n)
    assert sent == [[0]]  # the first goes at once; the rest wait for the interval
    gathered.flush()
    assert sent == [[0], [1, 2, 3, 4]]
    gathered.flush()
    assert sent == [[0], [1, 2, 3, 4]]


def test_an_item_held_back_goes_when_its_interval_is_over():
    sent: list[list[int]] = []
    gathered: Gathered[int] = Gathered(0.05, sent.append)
    gathered.add(1)
    gathered.add(2)  # within the interval: held, with nothing coming after it
    assert sent == [[1]]
    deadline = time.monotonic() + 5
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent == [[1], [2]]
    gathered.add(3)
    gathered.flush()  # the end of a run: sent now, and the timer it started sends nothing more
    time.sleep(0.1)
    assert sent == [[1], [2], [3]]


def test_the_model_keeps_qts_rules_through_sorting_filtering_and_reports(qtmodeltester):
    """Qt's own model checker (pytest-qt's port of QAbstractItemModelTester) checks the model
    once, then every signal it emits while it is sorted, filtered and reported to."""
    model = DocumentsModel()
    model.set_rows(rows())
    qtmodeltester.check(model, force_py=True)
    model.sort(PAGES, Qt.SortOrder.DescendingOrder)
    model.set_filter("/d/")
    model.update("/d/A.pdf", "indexed", 1, 4)
    model.update("/d/new.txt", "indexed", 0, 1)  # passes the filter: a row is inserted
    model.update("/e/other.txt", "indexed", 0, 1)  # filtered out: no row
    model.set_filter("")
    model.sort(NAME)
    model.set_rows(rows()[:1])
    model.set_rows([])
    assert model.rowCount() == 0
