"""What the library keeps on disk: the catalog (SQLite, the source of truth), the vector
store (Chroma, in its own process) and its vector spaces, conversations, the data dir's lock;
and a team library's tables on a PostgreSQL server (postgres/)."""
