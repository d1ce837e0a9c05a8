package api

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/types"
	"github.com/moby/moby/api/types/common"
	"github.com/moby/moby/api/types/registry"

	"github.com/pod-engine/pod/pkg/images"
)

// auth serves POST /auth (`docker login`): it checks the credentials
// against the registry and keeps nothing; the client stores them. Refused
// credentials are 401, as Docker answers them.
func (s *Server) auth(w http.ResponseWriter, req *http.Request) {
	var ac registry.AuthConfig
	if err := decodeJSON(req, &ac, false); err != nil {
		writeError(w, err)
		return
	}
	err := s.rt.Images().CheckLogin(req.Context(), ac.ServerAddress, images.LoginOptions{
		Username: ac.Username, Password: ac.Password, TLSVerify: hostTLS(ac.ServerAddress),
	})
	var unauthorized docker.ErrUnauthorizedForCredentials
	switch {
	case errors.As(err, &unauthorized):
		writeJSON(w, http.StatusUnauthorized, common.ErrorResponse{Message: err.Error()})
	case err != nil:
		writeError(w, err)
	default:
		writeJSON(w, http.StatusOK, registry.AuthResponse{Status: "Login Succeeded"})
	}
}

// hostTLS is tlsFor for a registry address ("host:port", possibly with a
// scheme and a path): a loopback registry is reached without TLS
// verification, as Docker reaches it.
func hostTLS(addr string) types.OptionalBool {
	for _, p := range []string{"https://", "http://"} {
		addr = strings.TrimPrefix(addr, p)
	}
	host, _, _ := strings.Cut(addr, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return types.OptionalBoolFalse
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return types.OptionalBoolFalse
	}
	return types.OptionalBoolUndefined
}
