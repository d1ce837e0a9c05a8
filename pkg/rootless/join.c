// Joins the user and mount namespaces of the user's pause process before
// the Go runtime starts threads: setns(2) of a user namespace is refused to
// a multithreaded process, so it must happen in a constructor, as runc's
// nsexec does. Everything here is best effort: when there is no live pause
// process, the constructor returns and Go code (rootless.Enter) creates one.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// pod_runtime_dir must compute the same directory as rootless.RuntimeDir.
static int pod_runtime_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;
	if (xdg != NULL && xdg[0] != '\0') {
		n = snprintf(buf, len, "%s", xdg);
	} else {
		n = snprintf(buf, len, "/run/user/%d", (int)getuid());
		if (n < 0 || (size_t)n >= len || stat(buf, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 022) != 0)
			n = snprintf(buf, len, "/tmp/pod-run-%d", (int)getuid());
	}
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

// owned_by reports whether the namespace nsfd belongs to the user namespace
// userfd (NS_GET_USERNS; the same inode means the same namespace).
static int owned_by(int nsfd, int userfd)
{
	struct stat a, b;
	int ownerfd = ioctl(nsfd, NS_GET_USERNS);
	int same;
	if (ownerfd < 0)
		return 0;
	same = fstat(ownerfd, &a) == 0 && fstat(userfd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	close(ownerfd);
	return same;
}

// open_pause_namespaces opens the pause process's user and mount
// namespaces. A pause process that has not yet unshared its mount namespace
// (it does so after its ID maps are written) is waited for briefly: joining
// its old mount namespace would fail half way.
static int open_pause_namespaces(int pid, int *userfd, int *mntfd)
{
	char path[64];
	int tries;
	for (tries = 0; tries < 200; tries++) {
		snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
		*userfd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
		*mntfd = open(path, O_RDONLY | O_CLOEXEC);
		if (*userfd >= 0 && *mntfd >= 0 && owned_by(*mntfd, *userfd))
			return 0;
		if (*userfd >= 0)
			close(*userfd);
		if (*mntfd >= 0)
			close(*mntfd);
		if (*userfd < 0 || *mntfd < 0)
			return -1; /* gone */
		usleep(10000);
	}
	return -1;
}

__attribute__((constructor)) static void pod_join_pause_namespaces(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], buf[64];
	int pid, userfd, mntfd;
	struct stat st;

	if (geteuid() == 0 || getenv("_POD_NO_JOIN") != NULL)
		return;
	if (pod_runtime_dir(dir, sizeof dir) < 0)
		return;
	snprintf(path, sizeof path, "%s/pod/pause.pid", dir);
	if (read_small(path, buf, sizeof buf) < 0)
		return;
	pid = atoi(buf);
	if (pid <= 0)
		return;
	// The PID must still be our pause process, not a reused number.
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	if (read_small(path, buf, sizeof buf) < 0 || strcmp(buf, "pod-pause") != 0)
		return;
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (stat(path, &st) < 0 || st.st_uid != getuid())
		return;

	if (open_pause_namespaces(pid, &userfd, &mntfd) < 0)
		return;
	snprintf(buf, sizeof buf, "%d", (int)getuid());
	setenv("_CONTAINERS_ROOTLESS_UID", buf, 1);
	snprintf(buf, sizeof buf, "%d", (int)getgid());
	setenv("_CONTAINERS_ROOTLESS_GID", buf, 1);
	// setns(CLONE_NEWNS) below moves the working directory to the root of
	// the namespace; remember it so relative paths on the command line
	// (pod save -o out.tar) keep working. The pause process's mount
	// namespace is a copy of the user's, so the same path is there.
	char *cwd = getcwd(NULL, 0);
	if (setns(userfd, CLONE_NEWUSER) < 0) {
		free(cwd);
		close(userfd);
		close(mntfd);
		unsetenv("_CONTAINERS_ROOTLESS_UID");
		unsetenv("_CONTAINERS_ROOTLESS_GID");
		return;
	}
	// Half joined (user but not mount namespace) would see none of the
	// storage mounts: stop rather than act on the wrong view.
	if (setns(mntfd, CLONE_NEWNS) < 0) {
		fprintf(stderr, "Error: join the mount namespace of pause process %d: %s\n", pid, strerror(errno));
		_exit(125);
	}
	close(userfd);
	close(mntfd);
	if (cwd != NULL) {
		if (chdir(cwd) < 0)
			fprintf(stderr, "Warning: working directory %s is not visible in the user namespace: %s\n", cwd, strerror(errno));
		free(cwd);
	}
	setenv("_CONTAINERS_USERNS_CONFIGURED", "done", 1);
}
