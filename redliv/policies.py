"""The site's Content-Security-Policy and Permissions-Policy, kept as data.

Each policy is a mapping of directive to sources, defined once in settings. A page that
needs one exception asks for a changed copy through `allowing` or `replacing`, which
refuse a directive the policy does not have: a typo, or a directive dropped from the
site policy, fails loudly instead of silently leaving the page without its exception.
The header text is made from the data only when a response is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Policy(Mapping):
    """An immutable mapping of directive → tuple of sources."""

    kind = "policy"

    def __init__(self, directives: Mapping[str, Iterable[str]]):
        self._directives = {name: tuple(sources) for name, sources in directives.items()}

    def __getitem__(self, name):
        return self._directives[name]

    def __iter__(self):
        return iter(self._directives)

    def __len__(self):
        return len(self._directives)

    def __repr__(self):
        return f"{type(self).__name__}({self._directives!r})"

    def _known(self, name: str) -> str:
        if name not in self._directives:
            raise KeyError(f"the {self.kind} has no directive {name!r} (it has {', '.join(self._directives)})")
        return name

    def allowing(self, name: str, *sources: str) -> Policy:
        """A copy with `sources` added to the directive `name` (which must exist)."""
        self._known(name)
        current = self._directives[name]
        return type(self)({**self._directives, name: current + tuple(s for s in sources if s not in current)})

    def replacing(self, name: str, *sources: str) -> Policy:
        """A copy with the directive `name` (which must exist) set to `sources` alone."""
        self._known(name)
        return type(self)({**self._directives, name: sources})

    def header(self) -> str:
        raise NotImplementedError

    def __str__(self):
        return self.header()


class ContentSecurityPolicy(Policy):
    kind = "Content-Security-Policy"

    def header(self) -> str:
        return "; ".join(" ".join([name, *sources]) for name, sources in self._directives.items())


class PermissionsPolicy(Policy):
    """Features and the origins allowed to use them: () is nobody, (self) the page's own origin."""

    kind = "Permissions-Policy"

    def header(self) -> str:
        return ", ".join(f"{name}=({' '.join(sources)})" for name, sources in self._directives.items())
