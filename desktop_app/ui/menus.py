"""The window's menu bar: actions added by menu name, their shortcuts set only after the first
paint (QAction.setShortcut touches QtCore.Qt, tens of milliseconds before the window shows)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


class Menus:
    def __init__(self, window: QMainWindow) -> None:
        self._window = window
        self._menus: dict[str, QMenu] = {}
        self._shortcuts: list[tuple[QAction, str]] = []

    def add(
        self, menu_name: str, text: str, slot: Callable[[], object] | None, shortcut: str = ""
    ) -> QAction:
        """An action at the end of its menu (made on first use); `slot` may be connected
        later, to the action returned."""
        menu = self._menus.get(menu_name)
        if menu is None:
            menu = self._menus[menu_name] = self._window.menuBar().addMenu(menu_name)
        act = QAction(text, self._window)
        if shortcut:
            self._shortcuts.append((act, shortcut))
        if slot is not None:
            act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def set_shortcuts(self) -> None:
        """After the first paint."""
        for act, shortcut in self._shortcuts:
            act.setShortcut(QKeySequence(shortcut))
