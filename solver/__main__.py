"""Allow ``python -m solver``."""

from solver.cli import main

main()
