"""One module per capability: its tables' migrations and the rows it stores with an article."""
