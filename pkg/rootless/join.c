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
#include <time.h>
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

// live_pause returns the PID the file at path records when it is a live
// pause process of this user (not a reused number), else 0.
static int live_pause(const char *path)
{
	char proc[64], buf[64];
	struct stat st;
	int pid;
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	pid = atoi(buf);
	if (pid <= 0)
		return 0;
	snprintf(proc, sizeof proc, "/proc/%d/cmdline", pid);
	if (read_small(proc, buf, sizeof buf) < 0 || strcmp(buf, "pod-pause") != 0)
		return 0;
	snprintf(proc, sizeof proc, "/proc/%d", pid);
	if (stat(proc, &st) < 0 || st.st_uid != getuid())
		return 0;
	return pid;
}

// storage_pause finds the pause process recorded beside the state DB
// (GRAPHROOT/pod/pause.pid, see rootless.RecordPause), which does not
// depend on the runtime directory: the graph root is --root when the
// command line has it, else containers/storage's rootless default. (A
// graphroot set in storage.conf is not read here; the runtime directory's
// record then decides, and Go warns if it was the wrong one.) A wrong guess
// finds no live pause process, or joins the user's namespaces of another
// storage, which RecordPause reports.
static int storage_pause(void)
{
	char args[8192], path[PATH_MAX + 64];
	const char *root = NULL, *home;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p, *end;
	if (fd < 0)
		return 0;
	n = read(fd, args, sizeof args - 1);
	close(fd);
	if (n <= 0)
		return 0;
	args[n] = '\0';
	end = args + n;
	for (p = args + strlen(args) + 1; p < end; p += strlen(p) + 1) {
		if (strcmp(p, "--") == 0)
			break;
		// The last one wins, as with the flag parser.
		if (strcmp(p, "--root") == 0 && p + strlen(p) + 1 < end)
			root = p + strlen(p) + 1;
		else if (strncmp(p, "--root=", 7) == 0)
			root = p + 7;
	}
	if (root != NULL && root[0] != '\0')
		n = snprintf(path, sizeof path, "%s/pod/pause.pid", root);
	else if ((home = getenv("XDG_DATA_HOME")) != NULL && home[0] != '\0')
		n = snprintf(path, sizeof path, "%s/containers/storage/pod/pause.pid", home);
	else if ((home = getenv("HOME")) != NULL && home[0] != '\0')
		n = snprintf(path, sizeof path, "%s/.local/share/containers/storage/pod/pause.pid", home);
	else
		return 0;
	if (n < 0 || (size_t)n >= sizeof path)
		return 0;
	return live_pause(path);
}

__attribute__((constructor)) static void pod_join_pause_namespaces(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], buf[64];
	int pid, userfd, mntfd;
	struct timespec began, joined;

	if (geteuid() == 0 || getenv("_POD_NO_JOIN") != NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &began);
	// The storage's pause process first: the runtime directory may be
	// another than the one the running containers were started with (cron,
	// su, ssh), and may even name another storage's pause process.
	pid = storage_pause();
	if (pid == 0) {
		if (pod_runtime_dir(dir, sizeof dir) < 0)
			return;
		snprintf(path, sizeof path, "%s/pod/pause.pid", dir);
		pid = live_pause(path);
	}
	if (pid == 0)
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
	// For pod --timings: when the join began and ended (Unix ns).
	clock_gettime(CLOCK_REALTIME, &joined);
	snprintf(buf, sizeof buf, "%lld,%lld",
		 (long long)began.tv_sec * 1000000000LL + began.tv_nsec,
		 (long long)joined.tv_sec * 1000000000LL + joined.tv_nsec);
	setenv("_POD_JOIN_SPAN", buf, 1);
}
