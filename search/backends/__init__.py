"""Search backends behind one interface: the database (default) and Elasticsearch."""
