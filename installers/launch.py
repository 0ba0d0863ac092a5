"""The frozen app's entry point: PyInstaller runs this script, which hands over to the CLI.

`continuo` with no arguments opens the window; with arguments it is the command line, exactly
as the `continuo` console script of a pip install.
"""

from studio.cli import main

raise SystemExit(main())
