"""The platforms: profiles (limits as data), their rules, names and norms."""
