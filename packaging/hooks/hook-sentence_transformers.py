"""sentence-transformers builds a model from the class names in its modules.json and
transformers imports model code by name: collect what the bundled MiniLM (a BERT) needs."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

hiddenimports = collect_submodules("sentence_transformers.models") + collect_submodules(
    "transformers.models.bert"
)
datas = collect_data_files("sentence_transformers") + copy_metadata("sentence_transformers")
