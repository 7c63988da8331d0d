"""Planning a photo post for one platform: photos copied as they are where they fit."""

from __future__ import annotations

from repost.plan.step import Step
from repost.rules import check_image, check_image_count

IMAGE_EXT = {"jpeg": "jpg", "png": "png", "webp": "webp", "heif": "heic"}


def plan_images(profile, images, steps, changes, blockers) -> None:
    if "photos" not in profile.kinds or profile.image is None:
        blockers.append(f"{profile.name} takes no photo posts (a slideshow video is needed)")
        return
    count = check_image_count("post", len(images), profile)
    problems = [f.message.split(": ", 1)[1] for f in count]
    for i, facts in enumerate(images, start=1):
        name = f"{i:02d}.{IMAGE_EXT.get(facts.format, facts.format)}"
        findings = check_image(name, facts, profile)
        problems += [f.message for f in findings]
        steps.append(Step("copy", facts.path, name, "image"))
    if problems:
        blockers.append("needs conversion: " + "; ".join(problems))
        return
    changes.append(f"copied {len(images)} photo(s) as they are")
