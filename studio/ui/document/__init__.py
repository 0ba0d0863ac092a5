"""The sketch as a document: the notes with undo (document), every edit as one undo command
(edits), open, save, export and drag-out (files), and autosave with crash recovery (autosave).
"""


from studio.ui.document.autosave import Autosaver
from studio.ui.document.document import ClipDocument
from studio.ui.document.files import FileController

__all__ = ["Autosaver", "ClipDocument", "FileController"]
