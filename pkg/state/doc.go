// Package state is pod's state DB: one SQLite file (github.com/mattn/go-sqlite3)
// holding every container's identity, configuration and run state, and every
// volume with the containers that use it, shared by all the pod processes
// that run at once.
//
// Contracts a caller may rely on:
//
//   - Open is cheap (a few PRAGMAs and one read of the schema version when the
//     schema is current) and safe to call from many processes at once, even
//     on a DB file that does not exist yet.
//   - The DB runs in WAL mode: readers never wait for writers. Every write is
//     one short transaction that starts with BEGIN IMMEDIATE, so concurrent
//     writers queue on the busy timeout (10 s) instead of failing with
//     SQLITE_BUSY half-way through.
//   - The schema is versioned with PRAGMA user_version. An older DB is
//     upgraded in place, one migration per transaction; a DB written by a newer
//     pod is refused, never modified.
//   - Errors are categorised with pkg/errdefs (ErrNotFound, ErrAlreadyExists,
//     ErrInvalidArg) and carry a message fit to show a user as is.
//   - The package stores Container.Config as opaque bytes: it never parses it.
//   - A container's uses of volumes are rows (volume_users) written in the
//     container's own transaction (AddWithVolumes) and deleted with its row;
//     a volume is deleted only in a transaction that finds no use of it
//     (RemoveVolume, PruneVolumes), and the foreign keys refuse any other
//     delete of a used volume.
//   - A corrupt DB is never used nor silently replaced: Open renames it
//     aside (PATH.corrupt-TIMESTAMP) and starts a new one, which the caller's
//     WithRebuild function fills, under the open lock, from what survives
//     elsewhere; so is a missing or empty DB file (the caller tells a new
//     installation from a lost DB).
//   - A full filesystem does not stop reads: Open falls back to a read-only
//     open. Writes free a reserve kept beside the DB (PATH.reserve) and
//     otherwise fail naming the full filesystem (a *diskspace.Error).
//   - WithLockWaitNotice says once when Open waits long for its lock.
//
// The DB does not serialise lifecycle operations on one container (start vs.
// stop vs. rm): callers take that container's pkg/lock lock for that.
package state
