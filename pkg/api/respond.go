package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/common"
	"github.com/sirupsen/logrus"

	"github.com/pod-engine/pod/pkg/errdefs"
)

// writeError answers err as Docker does: its status by category and the
// JSON body {"message": ...}.
func writeError(w http.ResponseWriter, err error) {
	code := errdefs.HTTPStatus(err)
	if code == http.StatusInternalServerError {
		logrus.Debugf("api: %v", err)
	}
	writeJSON(w, code, common.ErrorResponse{Message: err.Error()})
}

// writeJSON answers v as JSON with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		logrus.Debugf("api: write response: %v", err)
	}
}

// decodeJSON reads the request's JSON body into v. An empty body leaves v
// as it is when optional; a body over maxJSONBody, malformed JSON or a
// value of the wrong type is a bad parameter.
func decodeJSON(req *http.Request, v any, optional bool) error {
	body := http.MaxBytesReader(nil, req.Body, maxJSONBody)
	err := json.NewDecoder(body).Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) && optional:
		return nil
	case errors.Is(err, io.EOF):
		return errdefs.InvalidArgumentf("the request needs a JSON body")
	case errors.As(err, &tooBig):
		return errdefs.InvalidArgumentf("request body larger than %d bytes", tooBig.Limit)
	}
	return errdefs.InvalidArgument(fmt.Errorf("malformed JSON request body: %w", err))
}

// boolValue reads a boolean query parameter as Docker does: "", "0", "no",
// "false" and "none" (any case: docker-py sends "False") are false, anything else true.
func boolValue(req *http.Request, key string) bool {
	switch strings.ToLower(strings.TrimSpace(req.URL.Query().Get(key))) {
	case "", "0", "no", "false", "none":
		return false
	}
	return true
}

// intValue reads an integer query parameter; absent is def.
func intValue(req *http.Request, key string, def int) (int, error) {
	s := req.URL.Query().Get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errdefs.InvalidArgumentf("query parameter %s: %q is not an integer", key, s)
	}
	return n, nil
}

// optIntValue is intValue with absent as nil.
func optIntValue(req *http.Request, key string) (*int, error) {
	if req.URL.Query().Get(key) == "" {
		return nil, nil
	}
	n, err := intValue(req, key, 0)
	return &n, err
}
