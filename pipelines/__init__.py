"""Source files → checked frames → raw tables of the warehouse."""
