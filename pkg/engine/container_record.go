package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/conmon"
	"github.com/pod-engine/pod/pkg/state"
)

// A container's DB row is the only place its name and config live, so a
// corrupt or lost DB would lose every container although storage still
// holds their layers and the monitors still run them. To rebuild the rows,
// the engine keeps two small copies beside what storage already has:
//
//   - recordFile in the container's userdata directory (storage's, in the
//     graph root, deleted with the container): the row's identity and
//     config, written at create and whenever the name or config changes
//     (the few writes that do, not every state change);
//   - monitorPIDFile in its run directory (in the run root, beside the
//     runtime's pidfile and the monitor's exit file): the monitor's PID,
//     written when a run starts.
//
// Run state is not copied: it is read back from the run directory, where
// the exit file, the pidfile and a live monitor already tell it.
const (
	recordFile     = "pod-record.json"
	monitorPIDFile = "monitor.pid"
)

// containerRecord is what recordFile holds.
type containerRecord struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	ImageID   string            `json:"imageID,omitempty"`
	ImageName string            `json:"imageName,omitempty"`
	Command   string            `json:"command,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Config    json.RawMessage   `json:"config"`
	CreatedAt time.Time         `json:"createdAt"`
}

// saveRecord writes row's record into its userdata directory. A failure is
// a warning: the container works, only a rebuild would miss the change.
func (r *Runtime) saveRecord(row *state.Container) {
	if err := r.writeRecord(row); err != nil {
		logrus.Warnf("container %s: keep a copy of its configuration for rebuilding the state DB: %v", shortID(row.ID), err)
	}
}

func (r *Runtime) writeRecord(row *state.Container) error {
	dir, err := r.userdataDir(row.ID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(containerRecord{
		ID: row.ID, Name: row.Name, ImageID: row.ImageID, ImageName: row.ImageName,
		Command: row.Command, Labels: row.Labels, Config: row.Config, CreatedAt: row.CreatedAt,
	})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, recordFile), b)
}

// writeFileAtomic writes path through a temporary file and a rename, so a
// reader sees the old content or the new, never half.
func writeFileAtomic(path string, b []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// saveMonitorPID records the monitor of c's run in its run directory.
func (r *Runtime) saveMonitorPID(c *Container, runDir string) {
	if err := writeFileAtomic(filepath.Join(runDir, monitorPIDFile), []byte(strconv.Itoa(c.MonitorPID)+"\n")); err != nil {
		logrus.Warnf("container %s: record its monitor's PID: %v", shortID(c.ID), err)
	}
}

// rebuildDB is state.Open's rebuild function: it fills a DB that Open had
// to start anew from the containers storage holds, their records and run
// directories. Starting on a fresh installation (nothing in storage) it is
// silent; otherwise it says, in one warning, what happened to the old DB,
// what was rebuilt and what was not.
func (r *Runtime) rebuildDB(ctx context.Context, db *state.DB, f state.Fresh) error {
	st, err := r.storage()
	if err != nil {
		return err
	}
	scs, err := st.Containers()
	if err != nil {
		return fmt.Errorf("list storage containers: %w", err)
	}
	var rebuilt, lost []string
	for _, sc := range scs {
		row, err := r.rowFromStorage(sc.ID)
		if err == nil {
			err = db.Add(ctx, row)
		}
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				logrus.Debugf("rebuild container %s: %v", shortID(sc.ID), err)
			}
			lost = append(lost, shortID(sc.ID))
			continue
		}
		rebuilt = append(rebuilt, fmt.Sprintf("%s (%s)", row.Name, row.Status))
	}
	if f.Aside == "" && !f.Empty && len(rebuilt) == 0 {
		return nil // a new installation, or storage only other tools use
	}
	sort.Strings(rebuilt)
	var b strings.Builder
	switch {
	case f.Aside != "":
		fmt.Fprintf(&b, "the state DB was corrupt (%v): kept it as %s and started a new one", f.Corruption, f.Aside)
	case f.Empty:
		fmt.Fprintf(&b, "the state DB %s was empty although storage holds containers: started a new one", db.Path())
	default:
		fmt.Fprintf(&b, "the state DB %s was missing although storage holds containers: started a new one", db.Path())
	}
	fmt.Fprintf(&b, "; rebuilt %d containers from storage and the run root", len(rebuilt))
	if len(rebuilt) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(rebuilt, ", "))
	}
	if len(lost) > 0 {
		fmt.Fprintf(&b, "; not rebuilt (no pod record in storage; another tool's, or created by an older pod): %s", strings.Join(lost, ", "))
	}
	b.WriteString("; events, exec sessions and health check history were not kept")
	logrus.Warn(b.String())
	return nil
}

// rowFromStorage makes a container's row from its record and its run
// directory: exited with the exit file's result when there is one, running
// when its monitor lives, exited with unknownExitCode when the monitor died
// without a result, else created. A missing record is os.ErrNotExist.
func (r *Runtime) rowFromStorage(id string) (*state.Container, error) {
	dir, err := r.userdataDir(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		return nil, err
	}
	var rec containerRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("parse %s: %w", recordFile, err)
	}
	if rec.ID != id {
		return nil, fmt.Errorf("%s names container %s", recordFile, rec.ID)
	}
	row := &state.Container{
		ID: rec.ID, Name: rec.Name, ImageID: rec.ImageID, ImageName: rec.ImageName,
		Command: rec.Command, Labels: rec.Labels, Config: rec.Config, CreatedAt: rec.CreatedAt,
		Status: state.StatusCreated,
	}
	runDir, err := r.Store().ContainerRunDirectory(id)
	if err != nil {
		return row, nil
	}
	pidInfo, pidErr := os.Stat(filepath.Join(runDir, "pidfile"))
	if ex, err := conmon.ReadExit(filepath.Join(runDir, "exit")); err == nil {
		row.Status = state.StatusExited
		row.ExitCode, row.OOMKilled, row.FinishedAt = ex.Code, ex.OOMKilled, ex.FinishedAt
		if pidErr == nil {
			row.StartedAt = pidInfo.ModTime()
		}
		return row, nil
	}
	if pidErr != nil {
		return row, nil
	}
	row.StartedAt = pidInfo.ModTime()
	mpid := readPID(filepath.Join(runDir, monitorPIDFile))
	if conmon.Alive(mpid) {
		row.Status = state.StatusRunning
		row.MonitorPID = mpid
		row.PID = readPID(filepath.Join(runDir, "pidfile"))
		return row, nil
	}
	row.Status, row.ExitCode, row.FinishedAt = state.StatusExited, unknownExitCode, time.Now()
	return row, nil
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}
