"""govdash: community-governance performance dashboard. Empty on purpose: importing govdash pulls nothing in."""
