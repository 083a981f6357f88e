"""llama-cpp-python loads libllama and the ggml libraries with ctypes from llama_cpp/lib, so
PyInstaller's import analysis never sees them. Collect them where the package looks."""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs

# libllama.so, libggml*.so (and libggml-cuda / -metal when built for a GPU), .dylib, .dll.
binaries = collect_dynamic_libs("llama_cpp", search_patterns=["*.so", "*.dylib", "*.dll"])
# The chat-format templates and the Metal shader source live beside the code.
datas = collect_data_files("llama_cpp", excludes=["**/*.py", "**/server/**"])
# The OpenAI-compatible server is never used: it would drag in uvicorn and fastapi.
excludedimports = ["llama_cpp.server"]
