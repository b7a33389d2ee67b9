#include "reach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int finish(int fd, int rc)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return rc;
}

int reach_tcp(uint32_t ip, unsigned port, int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(ip) };
	struct pollfd p;
	socklen_t len = sizeof p.revents;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), soerr = 0, n;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return finish(fd, 0);
	if (errno != EINPROGRESS)
		return finish(fd, -1);
	p.fd = fd;
	p.events = POLLOUT;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	if (n <= 0)
		return finish(fd, -1);
	len = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return finish(fd, -1);
	errno = soerr;
	return finish(fd, soerr ? -1 : 0);
}
