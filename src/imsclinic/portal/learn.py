""" "IMS explained": the pages patients read, in the project's own plain words.

Each topic is a template under ``portal/templates/portal/learn/``; the facts in it cite
keys of docs/clinical-references.md in template comments. Conditions are those the
clinic treats most (issue 15); the model behind them is Gunn's [DOMAIN-1].
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str | Promise
    kind: str  # "about" or "condition"

    def template_for(self, language: str) -> str:
        """English pages are portal/learn/<name>.html, French ones portal/learn/fr/<name>.html."""
        folder = "portal/learn/fr/" if language == "fr" else "portal/learn/"
        return f"{folder}{self.slug.replace('-', '_')}.html"


TOPICS: tuple[Topic, ...] = (
    Topic("what-is-ims", _("What IMS is"), "about"),
    Topic("gunn-model", _("Gunn's nerve-muscle model"), "about"),
    Topic("the-twitch", _("What a twitch feels like"), "about"),
    Topic("your-course", _("What to expect over a course"), "about"),
    Topic("aftercare", _("After a session"), "about"),
    Topic("sciatica", _("Sciatica"), "condition"),
    Topic("carpal-tunnel", _("Carpal tunnel syndrome"), "condition"),
    Topic("tennis-elbow", _("Tennis elbow"), "condition"),
    Topic("achilles-tendinitis", _("Achilles tendinitis"), "condition"),
    Topic("disc-degeneration", _("Disc degeneration"), "condition"),
    Topic("osteoarthritis", _("Osteoarthritis"), "condition"),
    Topic("neck-pain", _("Neck pain"), "condition"),
    Topic("low-back-pain", _("Low back pain"), "condition"),
)
BY_SLUG: dict[str, Topic] = {topic.slug: topic for topic in TOPICS}
