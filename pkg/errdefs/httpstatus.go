package errdefs

import "net/http"

// HTTPStatus is the status code Docker's API answers err with: 404 not
// found, 409 conflict or already exists, 400 invalid argument, 501 not
// implemented, 503 unavailable, 500 for anything else (nil is 200). The
// order settles an error in several categories: the most specific first.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case IsNotFound(err):
		return http.StatusNotFound
	case IsAlreadyExists(err), IsConflict(err):
		return http.StatusConflict
	case IsInvalidArgument(err):
		return http.StatusBadRequest
	case IsNotImplemented(err):
		return http.StatusNotImplemented
	case IsUnavailable(err):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
