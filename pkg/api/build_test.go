package api

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/pod-engine/pod/pkg/errdefs"
)

func TestBuildOptions(t *testing.T) {
	q, _ := url.ParseQuery(`t=a:1&t=b&dockerfile=x&buildargs={"K":"v","N":null}&labels={"l":"1"}&target=s&nocache=1&pull=true&q=1&rm=0&forcerm=1`)
	o, err := buildOptions(q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.Tags, []string{"a:1", "b"}) || o.Target != "s" || !o.NoCache || o.Pull != "always" || !o.Quiet || !o.Layers {
		t.Errorf("options: %+v", o)
	}
	if !reflect.DeepEqual(o.BuildArgs, map[string]string{"K": "v"}) || !reflect.DeepEqual(o.Labels, map[string]string{"l": "1"}) {
		t.Errorf("buildargs %v labels %v", o.BuildArgs, o.Labels)
	}
	for _, tc := range []struct {
		query string
		check func(error) bool
	}{
		{"version=2", errdefs.IsNotImplemented},
		{"ulimits=[{\"Name\":\"nofile\"}]", errdefs.IsNotImplemented},
		{"isolation=hyperv", errdefs.IsNotImplemented},
		{"cpushares=x", errdefs.IsInvalidArgument},
		{"cachefrom=[\"x\"]", errdefs.IsNotImplemented},
		{"networkmode=host", errdefs.IsNotImplemented},
		{"platform=linux/s390x", errdefs.IsNotImplemented},
		{"buildargs=nope", errdefs.IsInvalidArgument},
		{"labels=[1]", errdefs.IsInvalidArgument},
	} {
		q, _ := url.ParseQuery(tc.query)
		if _, err := buildOptions(q); !tc.check(err) {
			t.Errorf("%s: %v", tc.query, err)
		}
	}
	// The RUN steps' limits reach the build's RUN options.
	q, _ = url.ParseQuery("memory=67108864&memswap=-1&shmsize=1048576&cpushares=512&cpuperiod=100000&cpuquota=50000&cpusetcpus=0&cgroupparent=p&isolation=default")
	o, err = buildOptions(q)
	if r := o.Run; err != nil || r.Memory != "67108864" || r.MemorySwap != "-1" || r.ShmSize != "1048576" || r.CPUShares != 512 ||
		r.CPUPeriod != 100000 || r.CPUQuota != 50000 || r.CpusetCpus != "0" || r.CgroupParent != "p" {
		t.Errorf("limits: %v %+v", err, o.Run)
	}
	// What the docker CLI sends by default is accepted.
	for _, query := range []string{"version=1", "cachefrom=[]", "networkmode=default", "memory=0", "rm=1"} {
		q, _ := url.ParseQuery(query)
		if _, err := buildOptions(q); err != nil {
			t.Errorf("%s: %v", query, err)
		}
	}
}

func TestBuildOutputLines(t *testing.T) {
	var got []string
	b := &buildOutput{send: func(l string) { got = append(got, l) }}
	b.Write([]byte("[1/2] STEP 1/3: FROM busybox AS b\nrun out"))
	b.Write([]byte("put\n--> Using cache abc\n[1/2] --> 0123456789ab\n[1/2] COMMIT x\n--> 0123456789ab\nSuccessfully tagged localhost/x:latest\nno newline"))
	b.flush()
	want := []string{"Step 1/3 : FROM busybox AS b\n", "run output\n", " ---> Using cache abc\n", " ---> 0123456789ab\n", "no newline\n"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestCommitChanges(t *testing.T) {
	c := &container.Config{
		Cmd: []string{"cat", "/f"}, Env: []string{"A=b c"}, Labels: map[string]string{"k": "v"},
		WorkingDir: "/w", User: "nobody", StopSignal: "SIGINT", Volumes: map[string]struct{}{"/v": {}},
	}
	got := configChanges(c)
	want := []string{`CMD ["cat","/f"]`, `ENV A="b c"`, `LABEL "k"="v"`, `WORKDIR "/w"`, `USER "nobody"`, `STOPSIGNAL SIGINT`, `VOLUME ["/v"]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	q, _ := url.ParseQuery("changes=ENV+A%3D1%0ACMD+x&changes=USER+u")
	if got := changeLines(q); !reflect.DeepEqual(got, []string{"ENV A=1", "CMD x", "USER u"}) {
		t.Errorf("changeLines: %q", got)
	}
	for _, tc := range [][3]string{{"r", "", "r"}, {"r", "t", "r:t"}, {"", "", ""}} {
		if got, err := repoTag(tc[0], tc[1]); err != nil || got != tc[2] {
			t.Errorf("repoTag(%q, %q) = %q, %v", tc[0], tc[1], got, err)
		}
	}
	if _, err := repoTag("", "t"); !errdefs.IsInvalidArgument(err) {
		t.Errorf("a tag without a repository: %v", err)
	}
	if withTag("a/b") != "a/b:latest" || withTag("h:5000/b:v") != "h:5000/b:v" || withTag("h:5000/b") != "h:5000/b:latest" {
		t.Errorf("withTag")
	}
}
