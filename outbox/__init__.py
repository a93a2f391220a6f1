"""Delivering the outbox: the relay that posts escalations to receivers, and its operators' CLI."""
