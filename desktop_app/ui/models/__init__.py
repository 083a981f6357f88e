"""The answering models: Model > Get models… (catalogue, downloads, models on disk), its
worker, and the window's model side (status, settings, a dropped .gguf)."""
