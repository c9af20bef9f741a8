"""`python -m govdash.cli …` runs the `govdash` command."""
from govdash.cli.main import main

main()
