""" "IMS explained": the pages patients read, in the project's own plain words.

Each topic is a template under ``portal/templates/portal/learn/``; the facts in it cite
keys of docs/clinical-references.md in template comments. Conditions are those the
clinic treats most (issue 15); the model behind them is Gunn's [DOMAIN-1].
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    kind: str  # "about" or "condition"

    @property
    def template(self) -> str:
        return f"portal/learn/{self.slug.replace('-', '_')}.html"


TOPICS: tuple[Topic, ...] = (
    Topic("what-is-ims", "What IMS is", "about"),
    Topic("gunn-model", "Gunn's nerve-muscle model", "about"),
    Topic("the-twitch", "What a twitch feels like", "about"),
    Topic("your-course", "What to expect over a course", "about"),
    Topic("aftercare", "After a session", "about"),
    Topic("sciatica", "Sciatica", "condition"),
    Topic("carpal-tunnel", "Carpal tunnel syndrome", "condition"),
    Topic("tennis-elbow", "Tennis elbow", "condition"),
    Topic("achilles-tendinitis", "Achilles tendinitis", "condition"),
    Topic("disc-degeneration", "Disc degeneration", "condition"),
    Topic("osteoarthritis", "Osteoarthritis", "condition"),
    Topic("neck-pain", "Neck pain", "condition"),
    Topic("low-back-pain", "Low back pain", "condition"),
)
BY_SLUG: dict[str, Topic] = {topic.slug: topic for topic in TOPICS}
