"""The pages, one module per screen."""
