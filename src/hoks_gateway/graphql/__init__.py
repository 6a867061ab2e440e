"""GraphQL plumbing: context, loaders, schema assembly and the HTTP view."""
