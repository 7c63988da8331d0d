"""Media: the only code in repost that runs ffmpeg or decodes media (probe, atoms, ffmpeg)."""
