"""Follow-ups a lower domain asks for and a higher one provides.

The domains are layered (docs/design.md, "Domain boundaries"): each imports the platform and
the domains below it, never one above, not even inside a function. When a change in a lower
domain must be followed by work in a higher one (an elder's new risk tier moves the visit
schedule), the lower domain declares a :class:`Hook` and calls it, or a :class:`Provider`
when it needs an answer only a higher domain has. The higher domain's function is
registered into it in one place, :func:`eldercare.wiring.install`, which the app factory,
the command line and the tests call first. A hook called before anything was registered
into it raises :class:`NotWired`: a follow-up is never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class NotWired(RuntimeError):
    """A hook was called in a process that never ran :func:`eldercare.wiring.install`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"nothing is registered for {name}: call eldercare.wiring.install()")


class Hook(Generic[P]):
    """The follow-ups of one change: every registered function, in the order registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list[Callable[P, object]] = []

    def register(self, fn: Callable[P, object]) -> None:
        if fn not in self.functions:
            self.functions.append(fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        if not self.functions:
            raise NotWired(self.name)
        for fn in self.functions:
            fn(*args, **kwargs)


class Provider(Generic[P, R]):
    """An answer that one higher domain gives: its one registered function's."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.function: Callable[P, R] | None = None

    def register(self, fn: Callable[P, R]) -> None:
        if self.function is not None and self.function != fn:
            raise RuntimeError(f"{self.name} has a provider already")
        self.function = fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.function is None:
            raise NotWired(self.name)
        return self.function(*args, **kwargs)
