"""Platforms with no public posting API: the steps to upload a bundle by hand."""

from __future__ import annotations

from repost.layout import COVER, HASHTAGS, TOPICS
from repost.publish.base import Bundle

NO_API = {
    "rednote": "RedNote (Xiaohongshu) has no public posting API",
    "lemon8": "Lemon8 has no public posting API",
}


def manual_steps(bundle: Bundle) -> list[str]:
    """What to do in the app with this bundle's files, in order."""
    media = ", ".join(p.name for p in bundle.media) or "(no media)"
    app = {"rednote": "RedNote (小红书)", "lemon8": "Lemon8"}.get(bundle.platform, bundle.platform)
    steps = [
        f"Copy the folder {bundle.path} to your phone (AirDrop, a cable, or a cloud drive).",
        f"Open {app} and tap + to start a new post.",
        f"Pick the media in this order: {media}.",
    ]
    if bundle.title:
        steps.append("Paste title.txt into the title field.")
    steps.append("Paste caption.txt into the text field.")
    if bundle.platform == "rednote":
        steps.append(
            "Add the topics from hashtags.txt with the # button, choosing RedNote's suggestion for each."
        )
    elif (bundle.path / HASHTAGS).is_file():
        steps.append("The hashtags are already at the end of caption.txt (hashtags.txt lists them).")
    if (bundle.path / TOPICS).is_file():
        steps.append(f"Consider the topics in {TOPICS}: suggested in the app's language, not in the post.")
    if (bundle.path / COVER).is_file():
        steps.append("Set cover.jpg as the cover.")
    steps.append("Publish, then keep the post's link: repost cannot see it.")
    return steps
