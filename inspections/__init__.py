"""The publishing domain: items, plans, tasks, draws, results, publication and corrections."""
