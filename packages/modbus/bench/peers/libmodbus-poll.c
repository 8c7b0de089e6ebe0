/*
 * The peer of tcp-poll.bench.ts: Debian's libmodbus reading 80 holding registers over and over
 * on one Modbus/TCP connection, one request at a time, for a given number of seconds.
 *
 * Usage: libmodbus-poll HOST PORT SECONDS
 * Prints "<reads> <seconds>" on success; exits 1 on any error.
 * Built at bench time: cc -O2 $(pkg-config --cflags libmodbus) libmodbus-poll.c -lmodbus
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <modbus.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s HOST PORT SECONDS\n", argv[0]);
        return 1;
    }
    modbus_t *ctx = modbus_new_tcp(argv[1], atoi(argv[2]));
    if (ctx == NULL || modbus_connect(ctx) == -1) {
        fprintf(stderr, "cannot connect: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_slave(ctx, 1);
    uint16_t registers[80];
    const double seconds = atof(argv[3]);
    long reads = 0;
    const double start = now();
    double elapsed = 0;
    while (elapsed < seconds) {
        if (modbus_read_registers(ctx, 0, 80, registers) != 80) {
            fprintf(stderr, "read failed: %s\n", modbus_strerror(errno));
            return 1;
        }
        reads++;
        if ((reads & 63) == 0) elapsed = now() - start;
    }
    elapsed = now() - start;
    printf("%ld %f\n", reads, elapsed);
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
