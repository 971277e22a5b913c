"""Every user-facing word: Jinja2 templates per locale, and the Block Kit builders that use them."""

from prompts.render import LOCALES, label, render, template_names

__all__ = ["LOCALES", "label", "render", "template_names"]
