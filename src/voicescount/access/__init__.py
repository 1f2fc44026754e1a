"""Access control: organisations, API keys, roles and what each role may do."""
