package spec_test

import (
	"fmt"

	"github.com/pod-engine/pod/pkg/spec"
)

func ExampleHostsFile() {
	fmt.Print(string(spec.HostsFile("web", []spec.HostEntry{{IP: "10.0.0.5", Names: []string{"db"}}})))
	// Output:
	// 127.0.0.1	localhost
	// ::1	localhost ip6-localhost ip6-loopback
	// fe00::0	ip6-localnet
	// ff00::0	ip6-mcastprefix
	// ff02::1	ip6-allnodes
	// ff02::2	ip6-allrouters
	// 10.0.0.5	db
	// 127.0.1.1	web
}

func ExampleResolvConf() {
	host := []byte("nameserver 127.0.0.53\nnameserver 192.168.1.1\nsearch lan\n")
	fmt.Print(string(spec.ResolvConf(host, nil, nil, []string{"ndots:1"})))
	// Output:
	// search lan
	// nameserver 192.168.1.1
	// options ndots:1
}

func ExampleParseUlimit() {
	u, err := spec.ParseUlimit("nofile=1024:2048")
	fmt.Println(u.Name, u.Soft, u.Hard, err)
	// Output: nofile 1024 2048 <nil>
}
