"""Captions, titles and hashtags: counted the way each platform counts, and fitted to its limits."""
