"""The online application layer: what the JSON API and the web pages both call.

State opened once at start-up (`state`: settings, served model, worklist store, metrics), the request and
response contracts (`schemas`), claim validation (`validation`), scoring, what-if and outcomes (`scoring`),
model loading and reloads (`serving`) and request observability (`observability`). It knows nothing of routes
or pages: `denial_ml.api` and `denial_ml.web` are thin adapters over it.
"""
