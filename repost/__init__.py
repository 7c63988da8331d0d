"""repost: describe a post once, export ready-to-upload bundles for each platform."""

__version__ = "0.1.0"
