"""SQLite storage of numbers, messages, media and opt-outs (one connection behind a lock)."""

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import astuple, fields
from typing import Any

from devtools.twilio_sandbox.records import Media, Message, PhoneNumber

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS phone_numbers (
    sid TEXT PRIMARY KEY, phone_number TEXT NOT NULL UNIQUE, friendly_name TEXT NOT NULL,
    sms INTEGER NOT NULL, mms INTEGER NOT NULL, voice INTEGER NOT NULL, fax INTEGER NOT NULL,
    sms_url TEXT NOT NULL, sms_method TEXT NOT NULL, sms_fallback_url TEXT NOT NULL,
    sms_fallback_method TEXT NOT NULL, status_callback TEXT NOT NULL,
    status_callback_method TEXT NOT NULL, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS phone_numbers_order ON phone_numbers (created_us, sid);
CREATE TABLE IF NOT EXISTS messages (
    sid TEXT PRIMARY KEY, direction TEXT NOT NULL, from_number TEXT NOT NULL,
    to_number TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, error_code INTEGER,
    error_message TEXT, num_segments INTEGER NOT NULL, num_media INTEGER NOT NULL, price TEXT,
    status_callback TEXT NOT NULL, created_us INTEGER NOT NULL, sent_us INTEGER,
    updated_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_order ON messages (created_us, sid);
CREATE INDEX IF NOT EXISTS messages_to ON messages (to_number, created_us, sid);
CREATE INDEX IF NOT EXISTS messages_from ON messages (from_number, created_us, sid);
CREATE INDEX IF NOT EXISTS messages_sent ON messages (sent_us);
CREATE TABLE IF NOT EXISTS media (
    sid TEXT PRIMARY KEY, message_sid TEXT NOT NULL, content_type TEXT NOT NULL,
    data BLOB NOT NULL, position INTEGER NOT NULL, created_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS media_message ON media (message_sid, position);
CREATE TABLE IF NOT EXISTS opt_outs (
    practice_number TEXT NOT NULL, patient_number TEXT NOT NULL, created_us INTEGER NOT NULL,
    PRIMARY KEY (practice_number, patient_number)
);
"""

Cursor = tuple[int, str]


def _columns(record: type) -> str:
    return ", ".join(f.name for f in fields(record))


def _placeholders(record: type) -> str:
    return ", ".join("?" for _ in fields(record))


class Store:
    """All reads and writes of the stand-in's data. Every method is thread-safe."""

    def __init__(self, path: str) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, params).rowcount

    # meta
    def get_meta(self, key: str) -> str | None:
        """Return a stored flag, or None."""
        rows = self._all("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a flag."""
        self._run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # phone numbers
    def add_phone(self, phone: PhoneNumber) -> None:
        """Insert a practice number."""
        columns, marks = _columns(PhoneNumber), _placeholders(PhoneNumber)
        sql = f"INSERT INTO phone_numbers ({columns}) VALUES ({marks})"
        self._run(sql, astuple(phone))

    def phone_by_sid(self, sid: str) -> PhoneNumber | None:
        """Return the number with this PN sid, or None."""
        rows = self._all(f"SELECT {_columns(PhoneNumber)} FROM phone_numbers WHERE sid = ?", (sid,))
        return _phone(rows[0]) if rows else None

    def phone_by_number(self, number: str) -> PhoneNumber | None:
        """Return the practice number with this E.164 value, or None."""
        sql = f"SELECT {_columns(PhoneNumber)} FROM phone_numbers WHERE phone_number = ?"
        rows = self._all(sql, (number,))
        return _phone(rows[0]) if rows else None

    def phones_page(self, after: Cursor | None, limit: int) -> list[PhoneNumber]:
        """Return up to `limit` numbers, oldest first, strictly after the keyset cursor."""
        sql = f"SELECT {_columns(PhoneNumber)} FROM phone_numbers"
        params: list[Any] = []
        if after:
            sql += " WHERE (created_us, sid) > (?, ?)"
            params += list(after)
        sql += " ORDER BY created_us, sid LIMIT ?"
        return [_phone(row) for row in self._all(sql, [*params, limit])]

    def update_phone(self, sid: str, changes: dict[str, str], updated_us: int) -> None:
        """Set the given text columns of a number (names come from the code, never a request)."""
        sets = ", ".join(f"{name} = ?" for name in changes)
        self._run(
            f"UPDATE phone_numbers SET {sets}, updated_us = ? WHERE sid = ?",
            [*changes.values(), updated_us, sid],
        )

    # messages
    def add_message(self, message: Message, media: Iterable[Media] = ()) -> None:
        """Insert a message and its media in one transaction."""
        self.add_messages([message], media)

    def add_messages(self, messages: Iterable[Message], media: Iterable[Media] = ()) -> None:
        """Insert many messages and media rows in one transaction (used by the seeds)."""
        msg_sql = f"INSERT INTO messages ({_columns(Message)}) VALUES ({_placeholders(Message)})"
        media_sql = f"INSERT INTO media ({_columns(Media)}) VALUES ({_placeholders(Media)})"
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(msg_sql, (astuple(m) for m in messages))
                self._db.executemany(media_sql, (astuple(m) for m in media))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def message(self, sid: str) -> Message | None:
        """Return the message with this sid, or None."""
        rows = self._all(f"SELECT {_columns(Message)} FROM messages WHERE sid = ?", (sid,))
        return _message(rows[0]) if rows else None

    def messages_page(
        self,
        to_number: str | None,
        from_number: str | None,
        sent_range: tuple[int | None, int | None],
        before: Cursor | None,
        limit: int,
    ) -> list[Message]:
        """Return up to `limit` messages, newest first, strictly before the keyset cursor.

        `sent_range` is an inclusive-start, exclusive-end range on date_sent (None = open).
        """
        where: list[str] = []
        params: list[Any] = []
        if to_number is not None:
            where.append("to_number = ?")
            params.append(to_number)
        if from_number is not None:
            where.append("from_number = ?")
            params.append(from_number)
        low, high = sent_range
        if low is not None:
            where.append("sent_us >= ?")
            params.append(low)
        if high is not None:
            where.append("sent_us < ?")
            params.append(high)
        if before:
            where.append("(created_us, sid) < (?, ?)")
            params += list(before)
        sql = f"SELECT {_columns(Message)} FROM messages"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_us DESC, sid DESC LIMIT ?"
        return [_message(row) for row in self._all(sql, [*params, limit])]

    def conversation(self, number: str, limit: int) -> list[Message]:
        """Return the latest messages sent to or from `number`, newest first."""
        sql = (
            f"SELECT {_columns(Message)} FROM messages WHERE to_number = ? OR from_number = ?"
            " ORDER BY created_us DESC, sid DESC LIMIT ?"
        )
        return [_message(row) for row in self._all(sql, (number, number, limit))]

    def update_message(self, sid: str, changes: dict[str, Any]) -> bool:
        """Set columns of a message; return False when it no longer exists."""
        sets = ", ".join(f"{name} = ?" for name in changes)
        return self._run(f"UPDATE messages SET {sets} WHERE sid = ?", [*changes.values(), sid]) > 0

    def delete_message(self, sid: str) -> bool:
        """Delete a message and its media; return False when it did not exist."""
        with self._lock:
            self._db.execute("BEGIN")
            deleted = self._db.execute("DELETE FROM messages WHERE sid = ?", (sid,)).rowcount
            self._db.execute("DELETE FROM media WHERE message_sid = ?", (sid,))
            self._db.execute("COMMIT")
        return deleted > 0

    def delete_all_messages(self) -> None:
        """Delete every message and media item (bench seed with reset)."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM media")
            self._db.execute("DELETE FROM messages")
            self._db.execute("COMMIT")

    def count_messages(self) -> int:
        """Return the number of stored messages."""
        return int(self._all("SELECT COUNT(*) FROM messages")[0][0])

    # media
    def media_of(self, message_sid: str, after: int = -1, limit: int = 1000) -> list[Media]:
        """Return the media of a message in attachment order, after the given position."""
        sql = (
            f"SELECT {_columns(Media)} FROM media WHERE message_sid = ? AND position > ?"
            " ORDER BY position LIMIT ?"
        )
        return [Media(*row) for row in self._all(sql, (message_sid, after, limit))]

    def media_item(self, message_sid: str, media_sid: str) -> Media | None:
        """Return one media item of a message, or None."""
        sql = f"SELECT {_columns(Media)} FROM media WHERE sid = ? AND message_sid = ?"
        rows = self._all(sql, (media_sid, message_sid))
        return Media(*rows[0]) if rows else None

    # opt-outs
    def is_opted_out(self, practice_number: str, patient_number: str) -> bool:
        """Return True when the patient texted an opt-out keyword to this practice number."""
        sql = "SELECT 1 FROM opt_outs WHERE practice_number = ? AND patient_number = ?"
        return bool(self._all(sql, (practice_number, patient_number)))

    def set_opt_out(
        self, practice_number: str, patient_number: str, opted_out: bool, at_us: int
    ) -> None:
        """Record or clear the opt-out of a patient from one practice number."""
        if opted_out:
            self._run(
                "INSERT OR IGNORE INTO opt_outs (practice_number, patient_number, created_us)"
                " VALUES (?, ?, ?)",
                (practice_number, patient_number, at_us),
            )
        else:
            self._run(
                "DELETE FROM opt_outs WHERE practice_number = ? AND patient_number = ?",
                (practice_number, patient_number),
            )


def _phone(row: tuple) -> PhoneNumber:
    values = list(row)
    for index in (3, 4, 5, 6):
        values[index] = bool(values[index])
    return PhoneNumber(*values)


def _message(row: tuple) -> Message:
    return Message(*row)
