package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emulated needs binfmt_misc enabled and an enabled qemu handler of the
// architecture, found by its entry's name or its interpreter.
func TestEmulated(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if emulated(dir, "arm64") {
		t.Error("an empty directory emulates arm64")
	}
	write("status", "enabled\n")
	write("register", "")
	write("qemu-aarch64", "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n")
	write("riscv", "disabled\ninterpreter /usr/bin/qemu-riscv64-static\nflags: F\n")
	write("s390", "enabled\ninterpreter /usr/bin/qemu-s390x-static\nflags: F\n")
	for arch, want := range map[string]bool{"arm64": true, "riscv64": false, "s390x": true, "ppc64le": false} {
		if got := emulated(dir, arch); got != want {
			t.Errorf("emulated(%s) = %v, want %v", arch, got, want)
		}
	}
	write("status", "disabled\n")
	if emulated(dir, "arm64") {
		t.Error("binfmt_misc disabled, still emulated")
	}
}

// BaseImages: stage references, scratch and repeats are skipped; meta
// ARGs and --from apply.
func TestBaseImages(t *testing.T) {
	df, err := ParseDockerfile("Dockerfile", strings.NewReader("ARG V=1\nFROM alpine:$V AS a\nFROM a\nFROM scratch\nFROM busybox\nFROM alpine:1\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := BaseImages(df, nil, nil, "")
	if err != nil || strings.Join(got, " ") != "alpine:1 busybox" {
		t.Errorf("BaseImages: %v %v", got, err)
	}
	got, _ = BaseImages(df, map[string]string{"V": "2"}, nil, "")
	if strings.Join(got, " ") != "alpine:2 busybox alpine:1" {
		t.Errorf("with V=2: %v", got)
	}
	got, _ = BaseImages(df, nil, nil, "other")
	if strings.Join(got, " ") != "other busybox alpine:1" {
		t.Errorf("with --from other: %v", got)
	}
	// A Dockerfile parsed again is built afresh.
	again, err := df.Reparse()
	if err != nil || len(again.Stages) != len(df.Stages) || &again.Stages[0] == &df.Stages[0] {
		t.Errorf("Reparse: %v", err)
	}
}
