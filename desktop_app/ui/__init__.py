"""The PySide6 desktop window. The only package that imports Qt (an import-linter contract).

Start-up path, in order (see app.main):
1. `app.main` parses the arguments and creates the QApplication (PySide6 only, nothing heavy).
2. `single_instance` asks a running Librarian on the same data directory to come to the front
   (and to index any files given); if one answers, this process exits.
3. `MainWindow` is built and shown in its empty state: the window is painted before any model,
   Chroma or torch is imported.
4. The library worker thread opens the library (SQLite, Chroma), lists the documents, resumes
   interrupted indexing and indexes the watched folders; the chat worker thread loads the model.
"""
