package state

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/mattn/go-sqlite3"
)

// isCorrupt reports whether openErr, the error opening path, means the file
// is damaged rather than, say, unreadable or locked. SQLite says so itself
// for a damaged header or page (SQLITE_CORRUPT, SQLITE_NOTADB); for any
// other SQLite error that is not about access, space or locking, its
// quick_check decides.
func isCorrupt(path string, openErr error) bool {
	var se sqlite3.Error
	if !errors.As(openErr, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
		return true
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen,
		sqlite3.ErrPerm, sqlite3.ErrReadonly, sqlite3.ErrNomem, sqlite3.ErrInterrupt, sqlite3.ErrAuth:
		return false
	}
	return quickCheck(path) != nil
}

// quickCheck runs SQLite's quick_check on path, read-only; nil means the
// file is sound.
func quickCheck(path string) error {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	sdb, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer sdb.Close()
	var res string
	if err := sdb.QueryRow("PRAGMA quick_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	return nil
}

// setAside renames a corrupt DB, and its -wal and -shm files when it has
// them, to PATH.corrupt-TIMESTAMP (-wal, -shm), keeping it for whoever
// wants to salvage it. It returns the new name.
func setAside(path string) (string, error) {
	base := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	aside := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s.%d", base, i)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return aside, err
		}
	}
	return aside, nil
}

// removeDBFiles deletes a DB and its -wal and -shm files.
func removeDBFiles(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}
