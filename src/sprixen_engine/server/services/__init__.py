"""The API's operations as plain functions ``op(caller, …) -> dict``, shared by the REST routers and the
MCP tools so both return the same JSON."""
