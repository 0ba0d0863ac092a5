"""PySide6.QtGui for Continuo: the stock hook's collection, less the plugins qt_selection drops."""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies
from qt_selection import wanted

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [entry for entry in binaries if wanted(*entry)]
datas = [entry for entry in datas if wanted(*entry)]
