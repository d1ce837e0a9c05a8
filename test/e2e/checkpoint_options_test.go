package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestCheckpointFlags checks what checkpoint and restore refuse before
// CRIU runs, with podman's messages: it runs on any machine.
func TestCheckpointFlags(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		img := pulled(t, e)
		e.MustPod("create", "--name", "c", img, "true")
		ck := func(args ...string) *Result { return e.Pod(append([]string{"container", "checkpoint"}, args...)...) }
		ck("--compress", "bogus", "-e", e.Path("x.tar"), "c").Fails(t, 125, `selected compression algorithm ("bogus") not supported. Please select one from: gzip, none, zstd`)
		ck("--compress", "gzip", "c").Fails(t, 125, "--compress can only be used with --export")
		ck("--ignore-volumes", "c").Fails(t, 125, "--ignore-volumes can only be used with --export")
		ck("--ignore-rootfs", "c").Fails(t, 125, "--ignore-rootfs can only be used with --export")
		ck("--pre-checkpoint", "--with-previous", "c").Fails(t, 125, "--with-previous can not be used with --pre-checkpoint")
		rs := func(args ...string) *Result { return e.Pod(append([]string{"container", "restore"}, args...)...) }
		rs("--import", e.Path("x.tar"), "c").Fails(t, 125, "cannot use --import with positional arguments")
		if e.Rootless() {
			ck("c").Fails(t, 125, "checkpointing a container requires root")
			rs("c").Fails(t, 125, "restoring a container requires root")
			return
		}
		rs("--pod", "p", "c").Fails(t, 125, "--pod can only be used with image or --import")
		rs("-p", "8080:80", "c").Fails(t, 125, "--publish can only be used with image or --import")
		rs("--import-previous", e.Path("pre.tar"), "c").Fails(t, 125, "--import-previous can only be used with image or --import")
		rs("--ignore-volumes", "c").Fails(t, 125, "--ignore-volumes can only be used with image or --import")
		rs("--name", "n", "--tcp-established", "-i", e.Path("x.tar")).Fails(t, 125, "--tcp-established cannot be used with --name")
		rs("c").Fails(t, 125, "not checkpointed")
		rs("nosuch").Fails(t, 125, "nosuch")
	})
}

// TestCheckpointOptions runs what needs CRIU (the VM: tests.txt): a
// container left running, a pre-checkpoint and the checkpoint on top of
// it imported as a new container; a checkpoint image of a container with
// a named volume, whose restore refuses to overwrite the volume. Only as
// root: rootless pod refuses (TestCheckpointFlags).
func TestCheckpointOptions(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if e.Rootless() {
			return
		}
		if why := criuUnusable(); why != "" {
			t.Skipf("CRIU cannot run here (criu check: %s)", why)
		}
		img := pulled(t, e)
		e = runcEnv(e)

		// --leave-running, then a pre-checkpoint and a checkpoint with
		// the previous one's pages, imported together.
		e.MustPod("run", "-d", "--name", "lr", img, "sh", "-c", counterCmd)
		waitCount(t, e, "lr", 3)
		e.MustPod("container", "checkpoint", "-R", "lr")
		n := logCounts(t, e, "lr")
		waitCount(t, e, "lr", n[len(n)-1]+2)
		pre, ck := e.Path("pre.tar.gz"), e.Path("ck.tar")
		e.MustPod("container", "checkpoint", "-P", "-e", pre, "lr")
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}}", "lr")); got != "running false" {
			t.Errorf("after --leave-running and --pre-checkpoint: %q", got)
		}
		e.MustPod("container", "checkpoint", "--with-previous", "-e", ck, "--compress", "none", "lr")
		raw, err := os.ReadFile(ck)
		if err != nil {
			t.Fatal(err)
		}
		if names := tarNames(t, raw); !hasName(names, "config.dump") || !hasName(names, "checkpoint/inventory.img") {
			t.Errorf("--compress none: not a plain tar with the checkpoint: %s", names)
		}
		n = logCounts(t, e, "lr")
		last := n[len(n)-1]
		e.Pod("container", "restore", "-i", ck, "--name", "lr2").Fails(t, 125, "--import-previous")
		e.MustPod("container", "restore", "-i", ck, "--import-previous", pre, "--name", "lr2")
		if n := waitCount(t, e, "lr2", last+2); n[0] != last+1 {
			t.Errorf("the imported container's log starts at %d, want %d", n[0], last+1)
		}

		// A checkpoint image of a container with a named volume and a
		// published port.
		e.MustPod("network", "create", "--subnet", "10.135.30.0/24", "cknet")
		p1 := freePort(t)
		e.MustPod("run", "-d", "--name", "web", "--network", "cknet", "-p", fmt.Sprintf("127.0.0.1:%d:80", p1), "-v", "ckvol:/data", img,
			"sh", "-c", "echo vol > /data/i.html && exec httpd -f -p 80 -h /data")
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/i.html", p1)); err != nil || body != "vol\n" {
			t.Fatalf("web before checkpoint: %q %v", body, err)
		}
		e.MustPod("container", "checkpoint", "--create-image", "ckimg", "web")
		if got := out(e.MustPod("image", "inspect", "-f", `{{index .Annotations "io.podman.annotations.checkpoint.name"}}`, "ckimg")); got != "web" {
			t.Errorf("checkpoint image annotation: %q", got)
		}
		e.Pod("container", "restore", "--name", "web2", "ckimg").Fails(t, 125, "volume with name ckvol already exists")
		e.MustPod("rm", "-f", "lr", "lr2", "web")
		e.MustPod("network", "rm", "cknet")
	})
}

// TestCheckpointImagePortsPod restores a checkpoint image (with its
// volume's contents) on other published ports, and a pod's container into
// a pod (the VM: tests.txt). Only as root, as TestCheckpointOptions.
func TestCheckpointImagePortsPod(t *testing.T) {
	forEachUser(t, func(t *testing.T, e *Env) {
		if e.Rootless() {
			return
		}
		if why := criuUnusable(); why != "" {
			t.Skipf("CRIU cannot run here (criu check: %s)", why)
		}
		img := pulled(t, e)
		e = runcEnv(e)
		e.MustPod("network", "create", "--subnet", "10.135.31.0/24", "cknet")
		p1, p2 := freePort(t), freePort(t)
		e.MustPod("run", "-d", "--name", "web", "--network", "cknet", "-p", fmt.Sprintf("127.0.0.1:%d:80", p1), "-v", "ckvol:/data", img,
			"sh", "-c", "echo vol > /data/i.html && exec httpd -f -p 80 -h /data")
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/i.html", p1)); err != nil || body != "vol\n" {
			t.Fatalf("web before checkpoint: %q %v", body, err)
		}
		e.MustPod("container", "checkpoint", "--create-image", "ckimg", "web")
		e.MustPod("rm", "web")
		e.MustPod("volume", "rm", "ckvol")
		e.MustPod("container", "restore", "-p", fmt.Sprintf("127.0.0.1:%d:80", p2), "ckimg")
		if body, err := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/i.html", p2)); err != nil || body != "vol\n" {
			t.Errorf("restored web on its new port: %q %v", body, err)
		}
		if got := out(e.MustPod("port", "web")); !strings.Contains(got, fmt.Sprint(p2)) || strings.Contains(got, fmt.Sprint(p1)) {
			t.Errorf("port after restore -p: %q", got)
		}

		// Into a pod: only one that shares the same namespaces.
		e.MustPod("pod", "create", "--name", "ckpod")
		e.MustPod("run", "-d", "--pod", "ckpod", "--name", "inpod", img, "sh", "-c", counterCmd)
		waitCount(t, e, "inpod", 2)
		arch := e.Path("inpod.tar.gz")
		e.MustPod("container", "checkpoint", "-e", arch, "inpod")
		e.MustPod("rm", "inpod")
		e.Pod("container", "restore", "-i", arch).Fails(t, 125, "cannot restore pod container without --pod")
		e.MustPod("pod", "create", "--name", "ipconly", "--share", "ipc")
		e.Pod("container", "restore", "-i", arch, "--pod", "ipconly").Fails(t, 125, "pod ipconly does not share the network namespace")
		e.MustPod("container", "restore", "-i", arch, "--pod", "ckpod")
		podID := out(e.MustPod("pod", "inspect", "-f", "{{.Id}}", "ckpod"))
		if got := out(e.MustPod("inspect", "-f", "{{.State.Status}} {{.Pod}}", "inpod")); got != "running "+podID {
			t.Errorf("restored into the pod: %q", got)
		}
		e.MustPod("pod", "rm", "-f", "ckpod", "ipconly")
		e.MustPod("rm", "-f", "web")
		e.MustPod("network", "rm", "cknet")
	})
}
