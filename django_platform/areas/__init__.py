"""What configure() sets, one module per area (security, hosts, databases, static files,
logging, email, cache, media): each reads the context and returns its settings."""
