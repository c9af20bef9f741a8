"""Records people make, which no rebuild can bring back (accounts today; publications, scoring versions, sessions,
disputes and the reminder log as they move out of the warehouse and the state files)."""
