package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // to turn a store back into the layout before volumes were rows
)

// Volumes are rows of the state DB, their uses by containers too: the
// check that a volume is unused and its removal are one transaction, and so
// are a container's row and its uses of volumes.

// volumeDirs lists the volume directories of the Env's graph root.
func volumeDirs(t *testing.T, e *Env) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.Root, "volumes"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
	}
	return names
}

// execStateDB runs SQL statements on the Env's state DB, as a damaged or
// older store would have it; no pod may run meanwhile.
func execStateDB(t *testing.T, e *Env, queries ...string) {
	t.Helper()
	path := filepath.Join(e.Root, "pod", "state.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Files SQLite made as root must stay the user's.
	if e.Rootless() {
		matches, _ := filepath.Glob(path + "*")
		for _, p := range matches {
			if err := os.Chown(p, e.uid, e.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestVolumeRmRacesCreate runs `volume rm V` against `create -v V:/data`
// 20 times (both winners come up within them). Afterwards either the
// container exists and so does its volume (with its directory, and
// refused by a second `volume rm` as in use), or
// the create failed cleanly, leaving no container; never a container that
// points at a removed volume.
func TestVolumeRmRacesCreate(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		const vol = "ev-samevol"
		outcomes := map[string]int{}
		for i := range 20 {
			name := fmt.Sprintf("ev-race%d", i)
			e.MustPod("volume", "create", vol)
			var rm, create *Result
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); rm = e.Pod("volume", "rm", vol) }()
			go func() {
				defer wg.Done()
				create = e.Pod("create", "--name", name, "--network", "none", "-v", vol+":/data", img, "true")
			}()
			wg.Wait()
			switch rm.Code {
			case 0:
			case 2:
				if !strings.Contains(rm.Stderr, "is being used by the following container(s)") {
					t.Fatalf("round %d: volume rm exit 2 with %q", i, rm.Stderr)
				}
			default:
				t.Fatalf("round %d: volume rm exit %d: %s", i, rm.Code, rm.Stderr)
			}
			if create.Code != 0 {
				// A clean failure: one error line, no container.
				if create.Code != 125 || e.Pod("container", "exists", name).Code != 1 {
					t.Fatalf("round %d: create exit %d left container? stderr %q", i, create.Code, create.Stderr)
				}
				if rm.Code != 0 {
					t.Fatalf("round %d: both create and rm failed: %q / %q", i, create.Stderr, rm.Stderr)
				}
				outcomes["rm won, create failed"]++
				continue
			}
			if e.Pod("container", "exists", name).Code != 0 || e.Pod("volume", "exists", vol).Code != 0 {
				t.Fatalf("round %d: create succeeded but container or volume %s is missing (rm exit %d)", i, vol, rm.Code)
			}
			ms := ctrMounts(t, e, name)
			if len(ms) != 1 || ms[0].Name != vol {
				t.Fatalf("round %d: mounts %+v", i, ms)
			}
			if st, err := os.Stat(ms[0].Source); err != nil || !st.IsDir() {
				t.Fatalf("round %d: the container's volume directory %s: %v", i, ms[0].Source, err)
			}
			e.Pod("volume", "rm", vol).Fails(t, 2, "volume "+vol+" is being used")
			if rm.Code == 0 {
				outcomes["rm won, create made a fresh volume"]++
			} else {
				outcomes["create won, rm refused"]++
			}
			e.MustPod("rm", name)
			// -f: a volume that is gone is no error.
			e.MustPod("volume", "rm", "-f", vol)
			e.MustPod("volume", "rm", "-f", vol)
		}
		t.Logf("outcomes: %v", outcomes)
		if n := len(e.MustPod("ps", "-aq").Lines()); n != 0 {
			t.Errorf("%d containers left", n)
		}
	})
}

// TestVolumeCrashWindows kills pod between a volume's directory and its
// row (create, and create/run making a volume) and between its row and its
// directory (rm): the next commands show no half volume, and the same name
// works again.
func TestVolumeCrashWindows(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		podKilledAt(t, e, "volume-dir", "volume", "create", "ev-cv")
		if !slices.Contains(volumeDirs(t, e), "ev-cv") {
			t.Fatalf("killed create left no directory (the window was not hit): %v", volumeDirs(t, e))
		}
		if got := e.MustPod("volume", "ls", "-q").Lines(); len(got) != 0 {
			t.Fatalf("volume ls after a killed create: %v", got)
		}
		e.Pod("volume", "inspect", "ev-cv").Fails(t, 125, `no volume with name "ev-cv" found`)
		e.MustPod("volume", "create", "-l", "second=1", "ev-cv")
		if v := inspectVolume(t, e, "ev-cv"); v.Labels["second"] != "1" {
			t.Errorf("volume made after the killed create: %+v", v)
		}
		if _, err := os.Stat(inspectVolume(t, e, "ev-cv").Mountpoint); err != nil {
			t.Errorf("its data directory: %v", err)
		}

		// create -v of a new named volume and of an anonymous one.
		podKilledAt(t, e, "volume-dir", "create", "--name", "ev-c", "--network", "none", "-v", "ev-cv2:/d", "-v", "/anon", img, "true")
		if got := e.MustPod("ps", "-aq").Lines(); len(got) != 0 {
			t.Fatalf("ps -a after a killed create: %v", got)
		}
		if got := strings.Join(e.MustPod("volume", "ls", "-q").Lines(), " "); got != "ev-cv" {
			t.Fatalf("volume ls after a killed create: %q", got)
		}
		e.MustPod("create", "--name", "ev-c", "--network", "none", "-v", "ev-cv2:/d", img, "true")
		if got := out(e.MustPod("run", "--rm", "--network", "none", "-v", "ev-cv2:/d", img, "sh", "-c", "echo ok > /d/f && cat /d/f")); got != "ok" {
			t.Errorf("the volume made after the killed create: %q", got)
		}

		// rm killed after the row went: the volume is gone for every
		// command, its name free, its leftover directory swept by prune.
		podKilledAt(t, e, "volume-row", "volume", "rm", "ev-cv")
		if e.Pod("volume", "exists", "ev-cv").Code != 1 {
			t.Fatal("volume still exists after rm was killed past its row's delete")
		}
		if !slices.Contains(volumeDirs(t, e), "ev-cv") {
			t.Fatalf("killed rm left no directory (the window was not hit): %v", volumeDirs(t, e))
		}
		e.MustPod("volume", "prune", "-f")
		if got := volumeDirs(t, e); !slices.Equal(got, []string{"ev-cv2"}) {
			t.Errorf("volume directories after prune: %v, want only the used ev-cv2", got)
		}
		e.MustPod("volume", "create", "ev-cv")
		e.MustPod("rm", "-v", "ev-c")
	})
}

// TestVolumeSurvivesCorruptDB: a corrupt state DB is set aside and rebuilt;
// the volumes come back from the records beside their data, and so do the
// uses of the rebuilt containers.
func TestVolumeSurvivesCorruptDB(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "ev-user", "--network", "none", "-v", "ev-used:/d", img, "true"))
		e.MustPod("volume", "create", "-l", "keep=1", "-o", "o=uid=7", "ev-spare")
		e.MustPod("run", "--rm", "--network", "none", "-v", "ev-used:/d", img, "sh", "-c", "echo kept > /d/f")
		spoilDB(t, e)
		r := e.MustPod("volume", "ls", "-q")
		if got := strings.Join(r.Lines(), " "); got != "ev-used ev-spare" {
			t.Fatalf("volume ls after the rebuild: %q (stderr %q)", got, r.Stderr)
		}
		if v := inspectVolume(t, e, "ev-spare"); v.Labels["keep"] != "1" || v.Options["o"] != "uid=7" {
			t.Errorf("rebuilt volume: %+v", v)
		}
		e.Pod("volume", "rm", "ev-used").Fails(t, 2, "volume ev-used is being used by the following container(s): "+id)
		if got := out(e.MustPod("run", "--rm", "--network", "none", "-v", "ev-used:/d", img, "cat", "/d/f")); got != "kept" {
			t.Errorf("data after the rebuild: %q", got)
		}
		e.MustPod("rm", "-v", "ev-user")
		e.MustPod("volume", "rm", "ev-used", "ev-spare")
	})
}

// TestVolumeMigrateFromFiles turns a store back into the layout before
// volumes were rows (volume records only in GRAPHROOT/volumes/NAME/volume.json,
// no volume rows, no uses, nothing imported; the schema step itself is tested
// in pkg/state) and runs concurrent first commands: they all see every
// volume, the uses come back from the containers' configurations, and the
// data is kept.
func TestVolumeMigrateFromFiles(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		id := out(e.MustPod("create", "--name", "ev-user", "--network", "none", "-v", "ev-used:/d", img, "cat", "/d/hello"))
		e.MustPod("volume", "create", "-l", "keep=1", "ev-spare")

		// A volume only an old pod knew: a directory and its record.
		legacy := filepath.Join(e.Root, "volumes", "ev-legacy")
		if err := os.MkdirAll(filepath.Join(legacy, "_data"), 0o755); err != nil {
			t.Fatal(err)
		}
		rec := `{"name":"ev-legacy","driver":"local","labels":{"old":"yes"},"createdAt":"2025-01-02T03:04:05Z","uid":-1,"gid":-1,"needsCopyUp":false}`
		files := map[string]string{filepath.Join(legacy, "volume.json"): rec, filepath.Join(legacy, "_data", "hello"): "kept\n"}
		for p, data := range files {
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if e.Rootless() {
			for _, p := range []string{legacy, filepath.Join(legacy, "_data"), filepath.Join(legacy, "volume.json"), filepath.Join(legacy, "_data", "hello")} {
				if err := os.Chown(p, e.uid, e.gid); err != nil {
					t.Fatal(err)
				}
			}
		}

		execStateDB(t, e, `DELETE FROM volume_users`, `DELETE FROM volumes`, `DELETE FROM meta WHERE key = 'volumes_imported'`)

		want := "ev-legacy ev-spare ev-used"
		var wg sync.WaitGroup
		results := make([]*Result, 4)
		for i := range results {
			wg.Add(1)
			go func() { defer wg.Done(); results[i] = e.Pod("volume", "ls", "-q") }()
		}
		wg.Wait()
		for _, r := range results {
			lines := r.Lines()
			slices.Sort(lines)
			if r.Code != 0 || strings.Join(lines, " ") != want {
				t.Fatalf("concurrent first volume ls: exit %d, %q (stderr %q), want %q", r.Code, r.Stdout, r.Stderr, want)
			}
		}
		if v := inspectVolume(t, e, "ev-legacy"); v.Labels["old"] != "yes" || !strings.HasPrefix(v.CreatedAt, "2025-01-02") {
			t.Errorf("imported volume: %+v", v)
		}
		if v := inspectVolume(t, e, "ev-spare"); v.Labels["keep"] != "1" {
			t.Errorf("imported volume: %+v", v)
		}
		e.Pod("volume", "rm", "ev-used").Fails(t, 2, "volume ev-used is being used by the following container(s): "+id)
		if got := out(e.MustPod("run", "--rm", "--network", "none", "-v", "ev-legacy:/d", img, "cat", "/d/hello")); got != "kept" {
			t.Errorf("data of the imported volume: %q", got)
		}
		if got := strings.Join(e.MustPod("volume", "prune", "-f").Lines(), " "); got != "ev-legacy ev-spare" && got != "ev-spare ev-legacy" {
			t.Errorf("prune after the import removed %q, want the unused volumes", got)
		}
		e.MustPod("rm", "ev-user")
		e.MustPod("volume", "rm", "ev-used")
	})
}
