"""The answering models a library can use, for the "Get models" window and `librarian models`:
the catalogue with what fits this machine, the models on disk, downloads, removal, and which
one answers.

Nothing here touches the network until `download()` is called, on the user's request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import LibrarianError
from desktop_app.core.model_catalogue import (
    CatalogueEntry,
    FitEstimate,
    Machine,
    assess_fit,
    load_catalogue,
    recommend,
)
from desktop_app.core.settings import Settings
from desktop_app.services.llm import default_llm_path
from desktop_app.services.models.download import DownloadRequest, Failed, Finished
from desktop_app.services.models.download_process import ModelDownload
from desktop_app.services.models.installed import (
    DOWNLOADED,
    PICKED,
    InstalledModel,
    InstalledModels,
    ModelNotFound,
    model_name,
)

# What the front ends may name (they import nothing from the services).
__all__ = [
    "BUNDLED",
    "DOWNLOADED",
    "PICKED",
    "CatalogueRow",
    "DownloadPlan",
    "Failed",
    "Finished",
    "ModelChoiceError",
    "ModelDownload",
    "ModelRow",
    "ModelShelf",
]

BUNDLED = "bundled"
BUNDLED_NAME = "smollm2-135m"


class ModelChoiceError(LibrarianError):
    """A model name, repo or file the user gave cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    entry: CatalogueEntry
    fit: FitEstimate
    recommended: bool
    installed: InstalledModel | None


@dataclass(frozen=True, slots=True)
class ModelRow:
    """A model on disk, as the "Installed" list shows it."""

    name: str
    path: str
    source: str  # "downloaded", "picked" or "bundled"
    size: int
    in_use: bool
    sha256: str = ""
    repo: str = ""

    @property
    def removable(self) -> bool:
        return self.source != BUNDLED


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """What `download()` will fetch, and under which name it will be installed."""

    name: str
    request: DownloadRequest


class ModelShelf:
    def __init__(self, models_dir: Path, settings: Settings, save: Callable[[], None]) -> None:
        self.folder = models_dir
        self._installed = InstalledModels(models_dir)
        self._settings = settings
        self._save = save
        self._machine: Machine | None = None  # probed once, for offer_for

    # -- what there is ----------------------------------------------------------------------

    def catalogue(self, machine: Machine | None = None) -> tuple[Machine, list[CatalogueRow]]:
        """Every catalogue entry with its fit here; probing the machine takes up to seconds
        (llama.cpp's GPU query), so call it off the GUI thread."""
        if machine is None:
            from desktop_app.services.models.machine import this_machine

            machine = this_machine()
        entries = load_catalogue()
        fits = [assess_fit(entry, machine) for entry in entries]
        best = recommend(entries, fits, machine)
        downloaded = {
            (m.repo, m.file): m for m in self._installed.models() if m.source == DOWNLOADED
        }
        rows = [
            CatalogueRow(entry, fit, entry is best, downloaded.get((entry.repo, entry.file)))
            for entry, fit in zip(entries, fits, strict=True)
        ]
        return machine, rows

    def offer_for(self, language: str) -> str:
        """One sentence on how to get answers written in `language`: an installed model that
        writes it, else the catalogue's model for this machine that does (the machine is
        probed once: call it off the GUI thread)."""
        from desktop_app.core.units import file_size
        from desktop_app.core.writing_languages import language_name
        from desktop_app.services.llm.languages import writer_languages

        name = language_name(language)
        overrides = self._settings.writer_languages
        for row in self.installed():
            codes = writer_languages(row.path, overrides).codes
            if not row.in_use and codes is not None and language in codes:
                return (
                    f"{row.name} is installed and writes {name}: choose it in Model → Get "
                    f"models…, or run `librarian ask --model {row.name}`."
                )
        if self._machine is None:
            from desktop_app.services.models.machine import this_machine

            self._machine = this_machine()
        _, rows = self.catalogue(self._machine)
        fitting = [r for r in rows if r.fit.usable and r.entry.writes(language)]
        if not fitting:
            return f"No model in the catalogue that writes {name} fits this computer."
        pick = recommend([r.entry for r in fitting], [r.fit for r in fitting], self._machine)
        entry = pick or min((r.entry for r in fitting), key=lambda e: e.estimated_size)
        return (
            f"{entry.title} writes {name} and runs on this computer "
            f"({file_size(entry.estimated_size)}): Model → Get models…, or run "
            f"`librarian models get {entry.name}`."
        )

    def installed(self) -> list[ModelRow]:
        """The bundled model, the downloads and the models picked from disk."""
        current = self.current_path()
        if self._settings.model_path and self._installed.find_path(current) is None:
            self.remember_picked(current)  # chosen before this list existed
        rows = []
        bundled = default_llm_path()
        if bundled is not None:
            size = bundled.stat().st_size
            rows.append(
                ModelRow(BUNDLED_NAME, str(bundled), BUNDLED, size, _same(bundled, current))
            )
        for model in self._installed.models():
            in_use = _same(Path(model.path), current)
            rows.append(
                ModelRow(
                    model.name,
                    model.path,
                    model.source,
                    model.size,
                    in_use,
                    model.sha256,
                    model.repo,
                )
            )
        return rows

    def current_path(self) -> str:
        """The answering model's file as the settings name it (the bundled one by default)."""
        return self._settings.model_path or str(default_llm_path() or "")

    def resolve(self, name_or_path: str) -> Path:
        """An installed model's file, by name (`ask --model qwen2.5-1.5b`) or path."""
        if name_or_path == BUNDLED_NAME and default_llm_path() is not None:
            return default_llm_path()  # type: ignore[return-value]
        try:
            return Path(self._installed.get(name_or_path).path)
        except ModelNotFound:
            pass
        path = Path(name_or_path).expanduser()
        if path.suffix == ".gguf" or path.exists():
            return path
        names = ", ".join(row.name for row in self.installed())
        hint = (
            f"`librarian models get {name_or_path}` downloads it"
            if any(e.name == name_or_path for e in load_catalogue())
            else f"installed: {names}"
        )
        raise ModelChoiceError(f"no model called {name_or_path!r} is installed ({hint})")

    # -- changing it ------------------------------------------------------------------------

    def plan(self, name_or_repo: str, file: str | None = None) -> DownloadPlan:
        """A catalogue name, or any Hugging Face repo with the GGUF file to fetch from it."""
        entry = next((e for e in load_catalogue() if e.name == name_or_repo), None)
        if entry is not None and file is None:
            request = DownloadRequest(
                entry.repo, entry.file, str(self.folder), entry.revision, entry.sha256
            )
            return DownloadPlan(entry.name, request)
        if name_or_repo.count("/") != 1 or not all(name_or_repo.split("/")):
            names = ", ".join(e.name for e in load_catalogue())
            raise ModelChoiceError(
                f"{name_or_repo!r} is neither a catalogue model ({names}) nor a Hugging Face"
                " repo (owner/name)"
            )
        if not file:
            raise ModelChoiceError(f"name the GGUF file to download from {name_or_repo}")
        if not file.endswith(".gguf"):
            raise ModelChoiceError(f"{file} is not a GGUF file (.gguf)")
        return DownloadPlan(model_name(file), DownloadRequest(name_or_repo, file, str(self.folder)))

    def download(self, plan: DownloadPlan) -> ModelDownload:
        """Start fetching in a child process: the only network use in the app."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return ModelDownload(plan.request).start()

    def install(self, plan: DownloadPlan, finished: Finished) -> ModelRow:
        """List a finished (checked) download as a model."""
        request = plan.request
        model = self._installed.add_download(
            plan.name,
            finished.path,
            finished.sha256,
            finished.size,
            request.repo,
            request.file,
            finished.commit or "",
        )
        return ModelRow(
            model.name, model.path, DOWNLOADED, model.size, False, model.sha256, model.repo
        )

    def gguf_kind(self, path: str | Path) -> str:
        """ "adapter" or "model" (LlmError when it is no readable GGUF): what a dropped .gguf is."""
        from desktop_app.services.llm.lora import gguf_kind

        return gguf_kind(Path(path))

    def remember_picked(self, path: str) -> None:
        """A model dropped on the window or chosen in the settings joins the list."""
        if path and Path(path).is_file() and not _same(Path(path), str(default_llm_path())):
            self._installed.add_picked(path)

    def use(self, name: str) -> Path:
        """Answer with this model from now on (the caller reloads it)."""
        path = self.resolve(name)
        self._settings.model_path = "" if name == BUNDLED_NAME else str(path)
        self._save()
        return path

    def remove(self, name: str) -> ModelRow:
        """Delete a download (or forget a picked file); the model in use falls back to the
        bundled one."""
        if name == BUNDLED_NAME:
            raise ModelChoiceError("the bundled model is part of the app and cannot be removed")
        row = next((r for r in self.installed() if r.name == name), None)
        if row is None:
            raise ModelChoiceError(f"no installed model is called {name!r}")
        self._installed.remove(name)
        if row.in_use:
            self._settings.model_path = ""
            self._save()
        return row


def _same(path: Path, other: str) -> bool:
    try:
        return bool(other) and path.resolve() == Path(other).resolve()
    except OSError:
        return False
