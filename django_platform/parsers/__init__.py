"""Pure parsers of single values and documents (environment values, URLs, .env files, bounded
JSON, separate database fields): total, bounded, and never echoing a value in an error."""
