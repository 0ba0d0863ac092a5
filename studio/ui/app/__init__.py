"""The application: launching it (launch), the main window that wires the features together
(main_window), the actions, menus and shortcuts (actions), the settings, the one user of
QSettings (settings), where files live (paths, resources), and the window rendered to PNG
(screenshot). Imported by module: this package is the top of studio/ui, and exports nothing.
"""
