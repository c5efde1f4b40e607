"""Evidence matchers: the small vocabulary rule files combine (see base.py to add one)."""

from rules.matchers import combine, copying, documents, pages, reports, site  # noqa: F401  (each registers its matchers)
from rules.matchers.base import (
    MATCHERS, SELECTOR_KEYS, Context, Matcher, describe, evaluate_spec, render, select, spec_matchers, sub_specs,
    template_vars,
)

__all__ = ["MATCHERS", "SELECTOR_KEYS", "Context", "Matcher", "describe", "evaluate_spec", "render", "select",
           "spec_matchers", "sub_specs", "template_vars"]
