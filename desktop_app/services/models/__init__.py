"""Answering models on disk: the ones the user downloaded (from the catalogue or any Hugging Face
repo) and the ones they picked from disk; downloads run in a child process the user started."""
