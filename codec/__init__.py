"""The payload codec: AES-256-GCM encryption of what Temporal stores, and the keys it uses."""
