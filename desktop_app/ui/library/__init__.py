"""The library: the documents table and its model, watched folders, the indexing progress,
and the window's indexing side with the library engine's worker."""
