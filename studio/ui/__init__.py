"""The PySide6 studio: piano roll, virtual keyboard, continuation workflow, transport and files."""
