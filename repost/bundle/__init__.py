"""Bundles: building one per platform from a plan, export, provenance, the output lock, a cluster."""
