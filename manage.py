#!/usr/bin/env python
"""Django's command-line utility; same as the ``yiwang`` console command."""

from yiwang.cli import main

if __name__ == "__main__":
    main()
