"""Template helpers: dictionary lookups and accessible field errors."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key), ""))
    if isinstance(mapping, list | tuple):
        try:
            return mapping[int(key)]
        except (ValueError, IndexError):
            return ""
    return getattr(mapping, str(key), "")


@register.simple_tag
def path(*parts: Any) -> str:
    """Dotted field path, e.g. {% path "insertions" forloop.counter0 "muscle" %}."""
    return ".".join(str(p) for p in parts)


@register.simple_tag
def field_error(errors: dict[str, str], name: str) -> str:
    """The message for a field, in an element the input references via aria-describedby."""
    message = errors.get(name) if errors else None
    if not message:
        return ""
    return format_html('<p class="field-error" id="err-{}" role="alert">{}</p>', name, message)


@register.simple_tag
def invalid_attrs(errors: dict[str, str], name: str) -> str:
    if errors and errors.get(name):
        return format_html('aria-invalid="true" aria-describedby="err-{}"', name)
    return ""


@register.filter
def in_set(value: Any, container: Any) -> bool:
    return value in container
