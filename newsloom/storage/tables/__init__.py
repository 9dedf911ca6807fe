"""One module per stored capability: its table's migrations and a pure ``rows(article)`` the writer stores."""
