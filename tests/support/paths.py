"""Where the project lives, for tests that read its files or start its programs."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
