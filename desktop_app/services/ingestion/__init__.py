"""Reading documents into the library: which files (extraction of each format), parsing
in a child process, and indexing runs that embed and commit."""
