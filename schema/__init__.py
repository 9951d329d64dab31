"""The data: SQLAlchemy models, the result-category dictionary and migrations."""
