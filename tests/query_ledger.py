"""Count the SQL statements and the write transactions (commits) of one request.

pytest-django runs each test inside a transaction, so a block the plugin opens with `atomic()`
becomes a SAVEPOINT here. The ledger maps that back to what the runner does, where the plugin
starts with autocommit on: a write statement outside any block of the plugin's is a transaction
of its own, and the plugin's outermost block is one transaction (counted when it writes). Each
is one commit, on SQLite one journal sync: that is what the writes cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
SAVEPOINT = re.compile(r"\s*SAVEPOINT\b", re.IGNORECASE)
END_SAVEPOINT = re.compile(r"\s*(RELEASE|ROLLBACK TO)\s+SAVEPOINT\b", re.IGNORECASE)


@dataclass
class Ledger:
    """The statements of one request and its write transactions."""

    base_depth: int
    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    _block_writes: bool | None = None  # None: outside the plugin's blocks

    @property
    def queries(self) -> int:
        """Statements the database ran (reads and writes; savepoints excluded)."""
        return sum(1 for sql in self.statements if not is_savepoint(sql))

    @property
    def reads(self) -> int:
        """SELECT statements."""
        return sum(1 for sql in self.statements if sql.lstrip().upper().startswith("SELECT"))

    @property
    def writes(self) -> int:
        """INSERT, UPDATE and DELETE statements."""
        return sum(1 for sql in self.statements if WRITE.match(sql))

    def note(self, sql: str) -> None:
        """Account for one statement, as the runner's autocommit connection would run it."""
        self.statements.append(sql)
        depth = len(connection.atomic_blocks) - self.base_depth
        if SAVEPOINT.match(sql) and depth == 0:
            self._block_writes = False  # the plugin's outermost block begins
        elif END_SAVEPOINT.match(sql) and depth == 0:
            if self._block_writes:
                self.transactions += 1
            self._block_writes = None
        elif WRITE.match(sql):
            if self._block_writes is None:
                self.transactions += 1  # autocommit: the statement is its own transaction
            else:
                self._block_writes = True

    def summary(self) -> str:
        """The statements, one a line (for a failing assertion)."""
        return "\n".join(f"  {sql[:160]}" for sql in self.statements)


def is_savepoint(sql: str) -> bool:
    """True for the savepoint statements that stand for the plugin's transactions."""
    return bool(SAVEPOINT.match(sql) or END_SAVEPOINT.match(sql))


@contextmanager
def ledger() -> Iterator[Ledger]:
    """Record every statement run inside the block."""
    book = Ledger(base_depth=len(connection.atomic_blocks))

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        book.note(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        yield book
