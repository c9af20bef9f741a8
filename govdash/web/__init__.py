"""The web floor: everything that imports Streamlit or Starlette — the page registry, the pages' shared data
access and every cache (data), the period and cut-off pickers (widgets), tables and charts (tables), each page's
heading, role check and failed-part messages (chrome), the whistle case (case_panel), the bulletin's publish panel,
the served app and its guard (server), sign-in sessions and throttling (sessions), and incidents. Nothing below
this floor imports it."""
