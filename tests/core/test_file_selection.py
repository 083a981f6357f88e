from pathlib import Path

from desktop_app.core.file_selection import FileSelector
from desktop_app.core.settings import DEFAULT_EXCLUDES


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


def test_defaults_skip_hidden_folders_and_node_modules(tmp_path: Path):
    make(
        tmp_path,
        "a.pdf",
        "b.txt",
        "c.exe",
        ".git/d.txt",
        "node_modules/e.md",
        "sub/.hidden/f.md",
        "sub/g.docx",
        "sub/h.HTML",
    )
    selector = FileSelector(DEFAULT_EXCLUDES)
    found = {p.relative_to(tmp_path).as_posix() for p in selector.expand([tmp_path])}
    assert found == {"a.pdf", "b.txt", "sub/g.docx", "sub/h.HTML"}


def test_gitignore_patterns(tmp_path: Path):
    make(tmp_path, "keep.md", "drafts/x.md", "deep/drafts/y.md", "notes.txt", "deep/notes.txt")
    selector = FileSelector(["drafts/", "/notes.txt"])
    found = {p.relative_to(tmp_path).as_posix() for p in selector.expand([tmp_path])}
    assert found == {"keep.md", "deep/notes.txt"}


def test_named_file_is_taken_even_if_excluded(tmp_path: Path):
    make(tmp_path, "drafts/x.md")
    found = list(FileSelector(["drafts/"]).expand([tmp_path / "drafts" / "x.md"]))
    assert found == [tmp_path / "drafts" / "x.md"]


def test_the_file_dialog_offers_every_supported_format():
    from desktop_app.core.file_selection import SUPPORTED_SUFFIXES, file_dialog_filter

    offered = file_dialog_filter().split(";;")[0]
    assert all(f"*{suffix}" in offered.split("(")[1] for suffix in SUPPORTED_SUFFIXES)
    assert "*.text" in offered
