"""Settings → Libraries: the library search, answers and the Library tab act on, this
computer's or a team library on a PostgreSQL server; adding one by its connection string (from
its admin's `librarian team init`) and forgetting one. The connecting happens on workers: the
dialog only asks and shows."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.team_libraries import LOCAL, TeamLibrary, shown

THIS_COMPUTER = "This computer"
_NAME_ROLE = Qt.ItemDataRole.UserRole


class LibrariesDialog(QDialog):
    use_requested = Signal(str)  # a team library's name, or LOCAL
    add_requested = Signal(str, str)  # name, connection string (with its password)
    forget_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Libraries")
        self.setMinimumWidth(560)
        intro = QLabel(
            "Search, answers and the Library tab use the library chosen here. Conversations, "
            "settings and models stay on this computer."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Libraries")
        self.list.setSpacing(3)
        # A long connection string is cut in its middle (the whole of it in the tooltip).
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.list.itemDoubleClicked.connect(lambda _: self._use())
        self.use_button = QPushButton("Use this library")
        self.use_button.clicked.connect(self._use)
        self.forget_button = QPushButton("Forget…")
        self.forget_button.setToolTip("Remove it from this computer's list (and its password)")
        self.forget_button.clicked.connect(self._forget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.forget_button)
        row.addWidget(self.use_button)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self._add_box())
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._in_use = LOCAL

    def _add_box(self) -> QGroupBox:
        box = QGroupBox("Add a team library")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("lab")
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("postgresql://librarian_member:…@server/library")
        # The connection string holds the password: shown while typed or pasted, hidden after.
        self.url_edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._add)
        form = QFormLayout(box)
        form.addRow("Name:", self.name_edit)
        form.addRow("Connection string:", self.url_edit)
        form.addRow("", self.add_button)
        return box

    def show_libraries(self, libraries: list[TeamLibrary], in_use: str) -> None:
        """List this computer's library and the team libraries, `in_use` marked and chosen."""
        self._in_use = in_use
        self.list.clear()
        rows = [(LOCAL, THIS_COMPUTER, "documents indexed on this computer")]
        rows += [(lib.name, lib.name, f"team library at {shown(lib.url)}") for lib in libraries]
        for name, title, detail in rows:
            first = f"{title}  ·  in use" if name == in_use else title
            item = QListWidgetItem(f"{first}\n{detail}")
            item.setData(_NAME_ROLE, name)
            item.setToolTip(detail)
            if name == in_use:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if name == in_use:
                self.list.setCurrentItem(item)
        self._enable()

    def say(self, text: str) -> None:
        self.status.setText(text)

    def added(self, name: str, what: str) -> None:
        self.name_edit.clear()
        self.url_edit.clear()
        self.add_button.setEnabled(True)
        self.say(f"Added {name}: {what}. Choose it above and press “Use this library”.")

    def refused(self, why: str) -> None:
        self.add_button.setEnabled(True)
        self.say(why)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(_NAME_ROLE))

    def _enable(self) -> None:
        name = self.chosen()
        self.use_button.setEnabled(name is not None and name != self._in_use)
        self.forget_button.setEnabled(name not in (None, LOCAL, self._in_use))

    def _use(self) -> None:
        name = self.chosen()
        if name is not None and name != self._in_use:
            title = THIS_COMPUTER.lower() if name == LOCAL else name
            self.say(f"Opening {title}…")
            self.use_requested.emit(name)

    def _forget(self) -> None:
        name = self.chosen()
        if name not in (None, LOCAL, self._in_use):
            assert name is not None
            self.forget_requested.emit(name)

    def _add(self) -> None:
        name, url = self.name_edit.text().strip(), self.url_edit.text().strip()
        if not name or not url:
            self.say("Give the library a name and paste its connection string.")
            return
        self.add_button.setEnabled(False)
        self.say(f"Connecting to {shown(url)}…")
        self.add_requested.emit(name, url)
