"""The faces of Gongshi: Starlette app, GraphQL schema, settings, command line."""
