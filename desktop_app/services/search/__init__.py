"""Finding passages (hybrid retrieval) and answering from them with citations."""
