// Time of one memcpy of N bytes by the relative alignment of destination and source
// ((dst - src) mod 64), both warm in cache: see Scripts/bench-memcpy.sh. With a second argument
// P > 0, the copy is made in memcpy calls of at most P bytes (as ByteCopy does in the RPC stack).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t piece_bytes = 0;

static void copy(char *dst, const char *src, size_t n) {
    if (piece_bytes > 0) {
        for (; n > piece_bytes; n -= piece_bytes, dst += piece_bytes, src += piece_bytes) {
            memcpy(dst, src, piece_bytes);
        }
    }
    memcpy(dst, src, n);
}

static double microseconds_per_copy(char *dst, const char *src, size_t n, int repeats) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < repeats; i++) {
        copy(dst, src, n);
        __asm__ volatile("" ::: "memory");  // keep every copy
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
    return ns / repeats / 1e3;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 65536;
    piece_bytes = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    int repeats = n >= 65536 ? 2000 : 20000;
    char *src = aligned_alloc(4096, n + 4096), *dst = aligned_alloc(4096, n + 4096);
    if (src == NULL || dst == NULL) {
        fprintf(stderr, "memcpy_alignment: out of memory\n");
        return 1;
    }
    memset(src, 1, n + 4096);
    memset(dst, 0, n + 4096);
    printf("%8zu B:", n);
    for (int diff = 0; diff < 64; diff += 8) {
        printf("  +%-2d %6.2f", diff, microseconds_per_copy(dst + diff, src, n, repeats));
    }
    printf("  (us per copy by (dst - src) mod 64%s)\n", piece_bytes > 0 ? ", in pieces" : "");
    return 0;
}
