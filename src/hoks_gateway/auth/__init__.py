"""Who is calling: principals, bearer tokens, service accounts and their lockout."""
