/*
 * arc4random: arc4random_buf for the release binaries (make dist), over getrandom(2).
 *
 * Debian's libcrypt.a (libxcrypt, htpasswd's bcrypt salts in the native Helm engine) was built
 * against glibc 2.36 and calls arc4random_buf, which glibc has only since 2.36. Linked
 * statically, that would raise the glibc the archive needs from 2.34 (Ubuntu 22.04 has 2.35)
 * to 2.36. Defined here, in the binary, it satisfies libcrypt's reference instead: the same
 * contract (fill the buffer with random bytes, never fail) from the kernel's generator,
 * through getrandom, which glibc has had since 2.25.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

void arc4random_buf(void *buf, size_t n);

void arc4random_buf(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* as glibc's: arc4random has no way to report a failure */
		}
		p += got;
		n -= (size_t)got;
	}
}
