// Package nameserver is the DNS server of a user-defined network: it answers
// the names and aliases of the containers attached to the network (and the
// same names under the domain dns.pod, plus reverse lookups of their
// addresses) on the network's gateway addresses, port 53, and forwards every
// other question to the host's resolvers from /etc/resolv.conf.
//
// pod has no daemon, so each network with name resolution gets its own small
// server process (the pod binary re-executed as "pod-nameserver"), started
// when the first container attaches and stopped when the last one detaches.
// A per-network process, rather than a goroutine of each container's
// monitor, because the address it serves (the gateway) is shared by all of
// the network's containers and must outlive any one of them; it is bound in
// the host's network namespace, where the bridge carries the gateway.
//
// Its state lives in one directory per network (Dir): records.json (the
// names, rewritten atomically by Add and Remove under the lock file "lock"),
// pid and log. The server rereads records.json when it changes, so adding a
// container needs no signal.
package nameserver
