"""The composition root of the service: one FastAPI app with the API and the web pages mounted on shared state."""
