/* The uevent monitor's read path: each input is split into datagrams (a
 * length byte before each) sent to the monitor's test socket, then read
 * back with fr_monitor_read(): it never blocks, returns 1 only for a
 * payload fr_uevent_parse() accepts on its own, 0 for dropped ones, and
 * after the queue is drained it reports nothing. */
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "log.h"
#include "uevent.h"

static struct fr_monitor *mon;
static int tx = -1;
static struct sockaddr_un addr;

static void setup(void)
{
    fr_log_init(FR_LOG_ERR, NULL);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/uevent.sock", fuzz_tmpdir());
    addr.sun_family = AF_UNIX;
    if (fr_monitor_open(addr.sun_path, &mon) < 0)
        abort();
    tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (tx < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    struct fr_uevent ev;
    /* Payloads up to a little past the monitor's buffer (oversized ones
     * must be dropped whole, not parsed truncated). */
    static uint8_t msg[FR_UEVENT_BUFSIZE + 64];

    if (!mon)
        setup();
    for (int k = 0; k < 8 && in.n; k++) {
        size_t len = fuzz_byte(&in);
        int big = len == 255; /* a long one: the rest of the input, padded */
        if (big)
            len = in.n + FR_UEVENT_BUFSIZE - 8 + fuzz_byte(&in) % 32;
        if (len > sizeof(msg))
            len = sizeof(msg);
        size_t take = len < in.n ? len : in.n;
        memcpy(msg, in.p, take);
        memset(msg + take, 'A', len - take);
        in.p += take;
        in.n -= take;

        ssize_t sent = sendto(tx, msg, len, MSG_DONTWAIT, (struct sockaddr *)&addr, sizeof(addr));
        if (sent < 0)
            continue; /* a full queue is fine: it is drained below */
        int r = fr_monitor_read(mon, &ev);
        struct fr_uevent ref;
        bool ok = len <= FR_UEVENT_BUFSIZE && !(len >= 8 && memcmp(msg, "libudev", 8) == 0) &&
                  fr_uevent_parse((const char *)msg, len, &ref) == 0;
        FUZZ_CHECK(r == (ok ? 1 : 0));
        if (r == 1)
            FUZZ_CHECK(strcmp(ev.devpath, ref.devpath) == 0 && strcmp(ev.action, ref.action) == 0);
    }
    /* Nothing left behind; a read on an empty queue returns at once. */
    FUZZ_CHECK(fr_monitor_read(mon, &ev) == 0);
    return 0;
}
