"""The `govdash` command line: main (the group and the warehouse commands), report, publish, users, bench."""
