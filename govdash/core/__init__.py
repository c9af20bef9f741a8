"""The ground floor: paths, settings (and scoring settings), table specs, periods, formatting, labels and
the rules for untrusted text. It imports nothing else of the project, so every floor above may use it."""
