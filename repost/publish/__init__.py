"""Publishing bundles through the platforms' official APIs, with tokens kept in the system keyring."""
