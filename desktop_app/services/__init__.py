"""Services over the heavy back-ends: extraction, embeddings, vector store, catalog, retrieval.

Importing this package switches every library we use to offline mode before any of them is
imported: no model-hub look-ups, no telemetry. Heavy libraries are imported lazily inside the
functions that need them, never at module import time.
"""

import os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # transformers >= 5.25 fetches "hub kernels" for a model by default: never.
    "USE_HUB_KERNELS": "0",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}.items():
    os.environ.setdefault(_name, _value)
