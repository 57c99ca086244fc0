"""What one account (or credential) has in progress in this process: API requests,
live-queue streams, exports. Each is limited per key, so that one client cannot take
what the process has for everyone."""

from __future__ import annotations

from collections.abc import Hashable


class Counts(dict[Hashable, int]):
    """How many of each key are in progress (requests, streams, exports), at most
    ``most`` each: ``enter`` counts one more or refuses, ``leave`` counts one out."""

    def enter(self, key: Hashable, most: int) -> bool:
        held = self.get(key, 0)
        if held >= most:
            return False
        self[key] = held + 1
        return True

    def leave(self, key: Hashable) -> None:
        held = self.pop(key) - 1
        if held:
            self[key] = held
