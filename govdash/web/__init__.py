"""The web floor: everything that imports Streamlit or Starlette — the page registry, the pages' shared data
access, caches and widgets (ui), the bulletin's publish panel, the served app and its guard (server), sign-in
sessions and throttling (sessions), and incidents. Nothing below this floor imports it."""
