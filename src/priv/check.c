/* check.c - tells early, before any work, whether this process may open raw sockets. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pathmortem/priv.h"

int pm_priv_check_raw(char *errbuf)
{
    /* The socket libnet sends through; nothing is sent on it. */
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd >= 0) {
        close(fd);
        return PM_OK;
    }
    int e = errno;
    if (e == EPERM || e == EACCES) {
        /* Name the real binary so the setcap hint can be pasted as is. */
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            strcpy(exe, "pathmortem");
        else
            exe[n] = '\0';
        return pm_err(errbuf, PM_EPERM,
                      "needs root or CAP_NET_RAW (try sudo, or setcap cap_net_raw+ep %s)", exe);
    }
    return pm_err(errbuf, PM_EIO, "cannot open a raw socket: %s", strerror(e));
}
