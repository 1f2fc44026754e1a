"""Telling coalitions and statistics offices what happened: signed webhooks, retried with backoff."""
