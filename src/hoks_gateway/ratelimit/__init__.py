"""Request rate limits per principal (GraphQL) and per client address (token endpoint)."""
