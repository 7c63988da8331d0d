"""Checking: a bundle against its platform and its source, a post.yaml alone, a manifest's shape."""
