"""What a questionnaire form needs besides scoring: which measure suits a condition, and
the two ends of each scale in our own words (the licensed option wording is not shipped;
a clinic can load its own, see :mod:`imsclinic.measures.wording`)."""

from __future__ import annotations

# Region-specific measures by ICD-10 prefix, the first match wins; anything else is
# followed with the NPRS. The pairings follow the measures' intended populations
# (definitions.py: ODI for low back pain, NDI for neck pain, QuickDASH for the upper
# limb, LEFS for the lower limb).
SUGGESTED_BY_CONDITION: tuple[tuple[str, str], ...] = (
    ("M54.5", "odi"),
    ("M54.3", "odi"),
    ("M51", "odi"),
    ("M54.2", "ndi"),
    ("G56", "quickdash"),
    ("M77", "quickdash"),
    ("M76", "lefs"),
    ("M17", "lefs"),
)

# Our own short paraphrase of each scale's ends.
SCALE_ENDS: dict[str, tuple[str, str]] = {
    "nprs": ("No pain", "Worst pain imaginable"),
    "psfs": ("Unable to do it", "As well as before the problem"),
    "odi": ("No problem", "Most severe"),
    "ndi": ("No problem", "Most severe"),
    "quickdash": ("No difficulty", "Unable"),
    "lefs": ("Extreme difficulty or unable", "No difficulty"),
}

# Rows a PSFS form offers (the patient names up to five activities).
PSFS_ROWS = 5


def suggested_measure(condition_code: str) -> str:
    """The measure to preselect for an episode with this ICD-10 code."""
    for prefix, code in SUGGESTED_BY_CONDITION:
        if condition_code.startswith(prefix):
            return code
    return "nprs"
