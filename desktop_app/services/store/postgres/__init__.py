"""A team library on PostgreSQL with pgvector: its connection, schema and set-up."""
