"""Work queues: what waits for someone, as home pages and the navigation show it.

Each domain's ``queries`` module gives, for each of its queues, a ``*_count`` select (one scalar row, so that the
dashboard can ask every count of a page in one statement) and a function that loads the few most urgent items.
"""
from dataclasses import dataclass, field

#: How many items of a queue a home page card lists.
HOME_ITEMS = 5


@dataclass
class Queue:
    """How many items wait, and the most urgent of them (at most :data:`HOME_ITEMS`)."""

    count: int = 0
    items: list = field(default_factory=list)

    @property
    def more(self):
        return self.count > len(self.items)
