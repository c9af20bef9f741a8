"""What the tests share: paths, warehouses, the hand-worked cities, opening a page in AppTest, the served app and
the browser, the text lint. Test modules import from here, never from one another or from conftest."""
