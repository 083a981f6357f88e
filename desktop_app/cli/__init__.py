"""The `librarian` command line: a headless front end over the application facade."""
