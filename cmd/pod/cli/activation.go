package cli

import "github.com/sirupsen/logrus"

// WarnActivationNotPassed says, when systemd socket-activated pod, that
// verb hands the sockets to no container. podman's pod start and kube play
// have no socket activation of their own (Kubernetes has none): only the
// first container such a podman starts happens to inherit the sockets,
// often the infra container. pod passes them where podman means to: run
// and start of one container, as in each container's unit of a pod's
// generated units (generate systemd POD).
func (g *Globals) WarnActivationNotPassed(verb string) {
	if g.Inherited.Activation() == nil {
		return
	}
	logrus.Warnf("ignoring LISTEN_FDS: %s passes socket-activated sockets to no container; activate the unit of one container instead (pod generate systemd POD makes one per container)", verb)
}
